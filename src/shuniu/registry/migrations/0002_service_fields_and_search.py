from django.db import migrations

SERVICE_FIELDS = [
    ("youth", "青少年", "Youth"),
    ("elderly", "老年人", "Elderly"),
    ("disability", "残障", "Disability"),
    ("family", "家庭", "Family"),
    ("community_correction", "社区矫正", "Community correction"),
    ("community_building", "社区建设", "Community building"),
    ("medical", "医务", "Medical"),
    ("school", "学校", "School"),
    ("other", "其他", "Other"),
]


def seed_fields(apps, schema_editor):
    ServiceField = apps.get_model("registry", "ServiceField")
    for position, (code, name, name_en) in enumerate(SERVICE_FIELDS):
        ServiceField.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )


# Substring search on Chinese text (design.md section 5). SQLite: an FTS5 trigram index kept
# in step by triggers (3+ characters; shorter queries use LIKE on the base table).
# PostgreSQL: a pg_trgm GIN index, which serves LIKE '%q%' of any length.
SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE registry_organization_fts USING fts5(
        search_text, content='registry_organization', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER registry_organization_fts_ai AFTER INSERT ON registry_organization BEGIN
        INSERT INTO registry_organization_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER registry_organization_fts_ad AFTER DELETE ON registry_organization BEGIN
        INSERT INTO registry_organization_fts(registry_organization_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER registry_organization_fts_au AFTER UPDATE OF search_text ON registry_organization
    BEGIN
        INSERT INTO registry_organization_fts(registry_organization_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO registry_organization_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO registry_organization_fts(registry_organization_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_organization_fts_au",
    "DROP TRIGGER IF EXISTS registry_organization_fts_ad",
    "DROP TRIGGER IF EXISTS registry_organization_fts_ai",
    "DROP TABLE IF EXISTS registry_organization_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX IF NOT EXISTS registry_organization_search_trgm
        ON registry_organization USING gin (search_text gin_trgm_ops)""",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS registry_organization_search_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [
        migrations.RunPython(seed_fields, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
