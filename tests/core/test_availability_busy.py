"""What counts as a busy database, how long requests wait for it, and the side database
that takes the writes every request makes (SQLite)."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core import busy
from shuniu.core.sidedb import side_alias

ORGANIZATIONS = "/api/v1/organizations"

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the side database exists on SQLite only"
)


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_other_database_errors_are_not_taken_for_busy():
    # given errors as the drivers raise them
    locked = OperationalError("database is locked")
    locked.__cause__ = sqlite3.OperationalError("database is locked")
    table = OperationalError("database table is locked: registry_organization")
    missing = OperationalError("no such table: registry_organization")
    # then only the lock errors are "busy"
    assert [busy.is_busy(e) for e in (locked, table, missing, ValueError("locked"))] == [
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [("55P03", True), ("40001", True), ("40P01", True), ("23505", False), ("57014", False)],
)
def test_postgresql_lock_timeouts_serialization_failures_and_deadlocks_are_busy(sqlstate, expected):
    # given a psycopg error carrying the SQLSTATE, wrapped by Django
    class Driver(Exception):
        pass

    cause = Driver("canceling statement")
    cause.sqlstate = sqlstate  # type: ignore[attr-defined]
    error = OperationalError("canceling statement")
    error.__cause__ = cause
    # then
    assert busy.is_busy(error) is expected


# ---------------------------------------------------------------------------------------
# The waits
# ---------------------------------------------------------------------------------------


def _lock_wait_ms(wrapper) -> int:
    raw = wrapper.connection
    if wrapper.vendor == "sqlite":
        return int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    with raw.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'")
        return int(cursor.fetchone()[0])


@pytest.fixture
def new_connection():
    """Open a new connection to the default database, as a new process would."""
    opened = []

    def open_one():
        wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        wrapper.ensure_connection()
        opened.append(wrapper)
        return wrapper

    yield open_one
    for wrapper in opened:
        wrapper.connection.close()  # not wrapper.close(): it keeps in-memory databases open


@pytest.mark.django_db
def test_requests_wait_briefly_for_the_lock_and_the_command_line_long(settings, new_connection):
    settings.SHUNIU_DB_REQUEST_TIMEOUT = 3
    # when a connection opens outside a request (as a command's does)
    command = new_connection()
    # then it waits 20 s for the lock (SQLite), or without limit (PostgreSQL)
    assert _lock_wait_ms(command) == (20_000 if connection.vendor == "sqlite" else 0)
    # when a request runs on the open connection
    english().get(ORGANIZATIONS)
    # then it waits 3 s at most
    assert _lock_wait_ms(connection) == 3_000
    # and so does a connection opened during a request
    busy.on_request_started()
    try:
        during = new_connection()
    finally:
        busy.on_request_finished()
    assert _lock_wait_ms(during) == 3_000


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log")
def test_the_write_ahead_log_is_cut_back_after_checkpoints():
    connection.ensure_connection()
    assert connection.connection.execute("PRAGMA journal_size_limit").fetchone()[0] == 64 * 2**20


@pytest.mark.django_db
@sqlite_only
def test_a_missing_side_database_is_made_with_its_tables_on_first_connection(tmp_path):
    # given no side database file
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings_dict = {**connections[side_alias()].settings_dict, "NAME": str(tmp_path / "s.db")}
    wrapper = DatabaseWrapper(settings_dict, alias=side_alias())
    try:
        # when a process connects to it
        wrapper.ensure_connection()
        # then the request tables exist, in WAL mode, and the schema version is recorded
        tables = wrapper.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        assert [t[0] for t in tables] == ["django_session", "shuniu_cache", "shuniu_rate_counter"]
        assert wrapper.connection.execute("PRAGMA user_version").fetchone()[0] == 1
        assert wrapper.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        wrapper.close()


BUSY_PREFIXES = ("database is locked", "database table is locked", "database schema is locked")


@given(text=st.text(max_size=40))
def test_only_lock_messages_are_busy(text):
    # given any driver message: it is busy exactly when it starts like SQLite's lock errors
    expected = text.lower().startswith((*BUSY_PREFIXES, "database is busy"))
    assert busy.is_busy(OperationalError(text)) is expected
    # and a lock message with any detail after it is busy
    assert busy.is_busy(OperationalError(BUSY_PREFIXES[len(text) % 3] + text)) is True


@pytest.mark.django_db
def test_a_connection_that_cannot_take_the_short_wait_does_not_fail_the_request_start(
    settings,
):
    # given an open connection whose server went away (every statement fails)
    tried = []

    class Gone:
        autocommit = True

        @property
        def info(self):
            tried.append("info")
            raise sqlite3.OperationalError("the connection is closed")

        def execute(self, *args):
            tried.append("execute")
            raise sqlite3.OperationalError("disk I/O error")

        def cursor(self):
            tried.append("cursor")
            raise sqlite3.OperationalError("the connection is closed")

    connection.ensure_connection()
    settings.SHUNIU_DB_REQUEST_TIMEOUT = 1.5  # a value not applied yet
    real, connection.connection = connection.connection, Gone()
    try:
        # when a request starts, then the signal handler does not raise (the request's first
        # query fails instead, where Django closes the connection for the next request)
        busy.on_request_started()
        # and the setting was tried on that connection (this is not a test of a skipped
        # step), and is marked not applied, so the next request tries again
        assert tried
        assert busy._applied[connections["default"]] is None
    finally:
        connection.connection = real
        busy.on_request_finished()
