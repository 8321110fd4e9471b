"""A second connection that holds the main database as a long import does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connections
from django.utils import translation

# What every request may write lives beside the main database (shuniu.core.sidedb) on
# SQLite; on PostgreSQL these tables stay in it and rows, not the file, are locked.
REQUEST_TABLES = ("shuniu_rate_counter", "django_session", "shuniu_cache", "django_migrations")


@contextmanager
def holding_writer(alias: str = "default") -> Iterator[Any]:
    """Another connection holds the write lock of ``alias`` for the block, as an import
    does for its whole transaction: SQLite ``BEGIN IMMEDIATE``; PostgreSQL locks every
    table but the request tables in SHARE ROW EXCLUSIVE mode (writes wait, reads do not)."""
    connection = connections[alias]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(
            connection.settings_dict["NAME"], uri=True, isolation_level=None, timeout=0.1
        )
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield holder
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND NOT (tablename = ANY(%s))",
                [list(REQUEST_TABLES)],
            )
            tables = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        yield holder
    finally:
        holder.rollback()
        holder.close()


@pytest.fixture
def short_wait(settings):
    """Requests wait 0.2 s for the lock, not the production default of 3 s."""
    settings.SHUNIU_DB_REQUEST_TIMEOUT = 0.2
    settings.SHUNIU_BUSY_RETRY_AFTER = 7


@pytest.fixture(autouse=True)
def _empty_side_database(request):
    """The side database has no migrations, so a transactional test's flush leaves its
    rows: start each test without counts and sessions of the ones before."""
    marker = request.node.get_closest_marker("django_db")
    if "side" not in connections.databases or not (marker and marker.kwargs.get("transaction")):
        yield
        return
    request.getfixturevalue("transactional_db")
    with connections["side"].cursor() as cursor:
        for table in ("shuniu_rate_counter", "django_session", "shuniu_cache"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 test tables and constants of the code; no outside input
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the reference data (divisions, loaded by migrations) back after a test that
    committed: Django restores it only when the next such test starts, and with
    ``--dist loadfile`` the next file on this worker may need it first."""
    yield
    marker = item.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("serialized_rollback")):
        return
    if nextitem is None:
        # The worker's last test: nothing needs the data, and the session's teardown has
        # already destroyed the test database (the connection names the real one again).
        return
    following = nextitem.get_closest_marker("django_db")
    if following and following.kwargs.get("serialized_rollback"):
        return  # the next test restores it itself when it starts
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _english():
    # The messages asserted here are the English source strings; zh-hans is the default.
    with translation.override("en"):
        yield
