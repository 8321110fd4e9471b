from django.db import migrations

# Search of 1 and 2 characters on SQLite (the FTS5 trigram index needs 3): every distinct
# character and pair of characters of an organization's search_text, without spaces (a
# normalized query of 1 or 2 characters never holds one), kept in step by triggers as the
# trigram index is. A query then reads one range of this table's key instead of every row of
# registry_organization with LIKE, and counts its matches from the index alone.
#
# Triggers cannot use WITH: the positions 0..length come from json_each over an array of
# length+1 zeros ("00" per byte of zeroblob(length) turned into "0,").


def _grams(row, tables=""):
    return f"""SELECT substr({row}.search_text, p.key + 1, w.n) AS gram, {row}.id AS organization_id
    FROM {tables}json_each('[' || replace(hex(zeroblob(length({row}.search_text))), '00', '0,') || '0]') p,
         (SELECT 1 AS n UNION ALL SELECT 2) w
    WHERE p.key + w.n <= length({row}.search_text)
      AND instr(substr({row}.search_text, p.key + 1, w.n), ' ') = 0"""


def _insert(row, tables=""):
    return "INSERT OR IGNORE INTO registry_organization_gram(gram, organization_id) " + _grams(
        row, tables
    )


# By key (the old grams), not by a scan for the organization's id.
_DELETE = (
    "DELETE FROM registry_organization_gram WHERE organization_id = old.id "
    f"AND gram IN (SELECT gram FROM ({_grams('old')}))"
)

SQLITE_FORWARD = [
    """CREATE TABLE registry_organization_gram (
        gram TEXT NOT NULL,
        organization_id INTEGER NOT NULL,
        PRIMARY KEY (gram, organization_id)
    ) WITHOUT ROWID""",
    f"""CREATE TRIGGER registry_organization_gram_ai AFTER INSERT ON registry_organization BEGIN
        {_insert("new")};
    END""",
    f"""CREATE TRIGGER registry_organization_gram_ad AFTER DELETE ON registry_organization BEGIN
        {_DELETE};
    END""",
    f"""CREATE TRIGGER registry_organization_gram_au AFTER UPDATE OF search_text
        ON registry_organization WHEN old.search_text IS NOT new.search_text BEGIN
        {_DELETE};
        {_insert("new")};
    END""",
    _insert("o", tables="registry_organization o, "),
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_organization_gram_au",
    "DROP TRIGGER IF EXISTS registry_organization_gram_ad",
    "DROP TRIGGER IF EXISTS registry_organization_gram_ai",
    "DROP TABLE IF EXISTS registry_organization_gram",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_period_covering_index")]
    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD))]
