"""Tables that security features share across processes: the rate-limit counters
(shuniu.core.ratelimit) and Django's database cache (settings.CACHES), so that every
environment that migrates has them without a separate `createcachetable` step."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE TABLE shuniu_rate_counter ("
                " ident varchar(255) NOT NULL PRIMARY KEY,"
                " bucket bigint NOT NULL,"
                " hits integer NOT NULL,"
                " expires_at bigint NOT NULL)",
                "CREATE INDEX shuniu_rate_counter_expires ON shuniu_rate_counter (expires_at)",
            ],
            reverse_sql=["DROP TABLE shuniu_rate_counter"],
        ),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
