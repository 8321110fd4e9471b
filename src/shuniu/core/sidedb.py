"""The side database: what every request may write, kept off the main database's lock.

SQLite lets one connection write to a file at a time, and an import holds that lock for its
whole all-or-nothing transaction. If each request also had to write to the main file (a
rate-limit count, the session's new expiry), every request would wait behind the import.
So on SQLite these go to a second file beside the main one (``settings.SIDE_DATABASE``), with
its own connection and lock, which nothing holds for longer than one statement:

- ``shuniu_rate_counter``: the rate-limit windows (``shuniu.core.ratelimit``);
- ``django_session``: database sessions (``SESSION_SAVE_EVERY_REQUEST``);
- the database cache table (``settings.CACHES``).

Nothing in it is worth keeping: losing the file logs everyone out and restarts the rate
windows. So it has no migrations: its tables are made, idempotently, when a connection to
it opens and finds ``PRAGMA user_version`` below ``SCHEMA_VERSION``; ``migrate`` needs no
extra step and a deleted file comes back empty. On PostgreSQL (row locks) there is no side
database and the router sends everything to ``default``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

# The apps whose models live in the side database (Django's cache model's app_label is
# "django_cache").
SIDE_APPS = frozenset({"sessions", "django_cache"})
SCHEMA_VERSION = 1


def side_alias() -> str:
    """Where request-time writes go: the side database when there is one, else default."""
    alias = getattr(settings, "SIDE_DATABASE", "")
    return alias if alias and alias in settings.DATABASES else DEFAULT_DB_ALIAS


class SideDatabaseRouter:
    def _route(self, model: type[Any]) -> str | None:
        if model._meta.app_label in SIDE_APPS and side_alias() != DEFAULT_DB_ALIAS:
            return side_alias()
        return None

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return self._route(model)

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return self._route(model)

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The side database's tables are made by ensure_schema, not by migrations.
        if db != DEFAULT_DB_ALIAS and db == side_alias():
            return False
        return None


def _schema() -> list[str]:
    cache_table = settings.CACHES["default"].get("LOCATION", "shuniu_cache")
    return [
        "CREATE TABLE IF NOT EXISTS shuniu_rate_counter ("
        " ident varchar(255) NOT NULL PRIMARY KEY,"
        " bucket bigint NOT NULL,"
        " hits integer NOT NULL,"
        " expires_at bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS shuniu_rate_counter_expires "
        "ON shuniu_rate_counter (expires_at)",
        # As Django's sessions migration and createcachetable make them on SQLite.
        'CREATE TABLE IF NOT EXISTS "django_session" ('
        ' "session_key" varchar(40) NOT NULL PRIMARY KEY,'
        ' "session_data" text NOT NULL,'
        ' "expire_date" datetime NOT NULL)',
        'CREATE INDEX IF NOT EXISTS "django_session_expire_date_a5c62663" '
        'ON "django_session" ("expire_date")',
        f'CREATE TABLE IF NOT EXISTS "{cache_table}" ('
        ' "cache_key" varchar(255) NOT NULL PRIMARY KEY,'
        ' "value" text NOT NULL,'
        ' "expires" datetime NOT NULL)',
        f'CREATE INDEX IF NOT EXISTS "{cache_table}_expires" ON "{cache_table}" ("expires")',
    ]


def ensure_schema(
    sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any
) -> None:
    """``connection_created`` receiver: make the side database's tables if they are missing.

    One ``PRAGMA user_version`` read per new connection when they exist (SQLite connections
    live for one request)."""
    if connection is None or connection.alias != side_alias():
        return
    if connection.alias == DEFAULT_DB_ALIAS:
        return
    raw = connection.connection
    if raw.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    # In the connection's own transaction state: Django's SQLite connections are in
    # autocommit when they open, so this is one short write transaction of its own.
    raw.execute("BEGIN IMMEDIATE")
    try:
        for statement in _schema():
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


def side_connection() -> BaseDatabaseWrapper:
    return connections[side_alias()]
