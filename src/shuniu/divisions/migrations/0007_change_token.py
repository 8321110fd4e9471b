"""A token that every write to the division table replaces, in the write's own transaction.

``DivisionIndex.load`` keeps the table in memory per process and needs to know, on every
statistic, whether the table changed: reading this one row replaces an aggregate over all
~7,500 divisions (the fingerprint, several milliseconds). Database triggers, not Django code,
so that every path is seen: services, the loader, the admin, ``bulk_create``, raw SQL, a
test's factories, a flush (PostgreSQL truncates: a TRUNCATE trigger). The token is random,
not a counter: a rolled-back write puts the old token back, and the next write must not
reuse the number the rolled-back one had (an index built inside it would be served again).
Not a model: ``flush`` leaves the row alone (the division triggers replace its token).
"""

from django.db import migrations

TABLE = "divisions_changetoken"
EVENTS = ("insert", "update", "delete")

SQLITE_FORWARD = [
    f"CREATE TABLE {TABLE} (id integer NOT NULL PRIMARY KEY, token varchar(32) NOT NULL)",
    f"INSERT INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(8))))",
    *(
        f"CREATE TRIGGER divisions_division_changed_{event} AFTER {event.upper()} "
        f"ON divisions_division BEGIN "
        f"UPDATE {TABLE} SET token = lower(hex(randomblob(8))) WHERE id = 1; END"
        for event in EVENTS
    ),
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS divisions_division_changed_{event}" for event in EVENTS),
    f"DROP TABLE IF EXISTS {TABLE}",
]

POSTGRESQL_FORWARD = [
    f"CREATE TABLE {TABLE} (id integer NOT NULL PRIMARY KEY, token varchar(32) NOT NULL)",
    f"INSERT INTO {TABLE} (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))",
    f"""
    CREATE FUNCTION divisions_division_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
        RETURN NULL;
    END
    $$
    """,
    # Once per statement: a bulk load of the national table replaces the token once.
    "CREATE TRIGGER divisions_division_changed "
    "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON divisions_division "
    "FOR EACH STATEMENT EXECUTE FUNCTION divisions_division_changed()",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS divisions_division_changed ON divisions_division",
    "DROP FUNCTION IF EXISTS divisions_division_changed()",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_FORWARD if vendor == "postgresql" else SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("divisions", "0006_load_national_divisions")]
    operations = [migrations.RunPython(forward, backward)]
