"""The data version: one row whose number every write moves forward, in the write's own
transaction, so that figures cached under a version (``shuniu.stats.cache``) are never
served after a write, by any process.

Where it moves (docs/decisions.md, "Statistics cache and data version"):

- ``core.audit.audit_write`` and ``audit_write_many``: every service and every bulk import
  writes its audit record there, inside its transaction;
- writes that keep no audit record: the registry's period rebuild and the division loader
  (called here explicitly), and migrations and ``flush`` (``post_migrate``, which also starts
  a new epoch);
- ``shuniu restore`` starts a new epoch: a restored row carries the backup's number, which
  the cache may already hold entries for from the timeline the restore replaced.

The key of a cached figure is ``epoch.value``: the epoch is a random token made with the row,
so a database that was flushed (the row deleted and made again from 0) or restored never meets
an entry computed for another life of it.

Readers see the new number only when the write commits (it is one UPDATE in the same
transaction): a figure computed from data a write has not committed yet is stored under the
old number, which no reader asks for once the write has committed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "core_dataversion"
ROW = 1

# A missing row (a new or flushed database) is made by the first bump, with a new epoch.
_BUMP = f"""
INSERT INTO {TABLE} (id, value, epoch) VALUES (%s, 1, %s)
ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1
"""  # noqa: S608 TABLE is a module constant; values are parameters
_RESET = f"""
INSERT INTO {TABLE} (id, value, epoch) VALUES (%s, 1, %s)
ON CONFLICT (id) DO UPDATE SET value = {TABLE}.value + 1, epoch = excluded.epoch
"""  # noqa: S608 TABLE is a module constant; values are parameters
_READ = f"SELECT epoch, value FROM {TABLE} WHERE id = %s"  # noqa: S608 TABLE is a module constant


def _new_epoch() -> str:
    return secrets.token_hex(8)


def data_version_bump(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Move the version forward (one statement), in the caller's transaction if it has one.

    Mark the connection so that ``written_in_this_transaction`` can tell a reader in the
    same, not yet committed, transaction not to cache what it computes."""
    connection = connections[using]
    if connection.in_atomic_block:
        connection.shuniu_written_in = connection.atomic_blocks[0]  # type: ignore[attr-defined]
        if getattr(connection, "shuniu_bump_deferred", False):
            connection.shuniu_bump_pending = True  # type: ignore[attr-defined]
            return
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [ROW, _new_epoch()])


@contextmanager
def bumps_deferred(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction: the bumps of the block become one, made when the block ends.

    On PostgreSQL the bump's UPDATE locks the version row until the transaction commits, so
    every other writer waits for it. A long import wraps its writing in this block (inside
    its ``atomic``), holding the row only from its last statement to its commit instead of
    from its first chunk: web writes go on meanwhile. Readers are no worse off: the new
    number becomes visible at commit either way."""
    connection = connections[using]
    if not connection.in_atomic_block or getattr(connection, "shuniu_bump_deferred", False):
        yield
        return
    connection.shuniu_bump_deferred = True  # type: ignore[attr-defined]
    connection.shuniu_bump_pending = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        pending = connection.shuniu_bump_pending  # type: ignore[attr-defined]
        connection.shuniu_bump_deferred = False  # type: ignore[attr-defined]
        connection.shuniu_bump_pending = False  # type: ignore[attr-defined]
    # A block that marked its transaction for rollback (a file that changed between the
    # passes, a refused row) writes nothing in the end, and may not run a query any more.
    if pending and not connection.needs_rollback:
        data_version_bump(using=using)


def data_version_reset(*, using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    """Start a new epoch (after a restore, a migration or a flush). Also a ``post_migrate``
    receiver, hence the keyword arguments it ignores."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return  # migrating backwards past core.0003, or a plan that never reached it
    with connection.cursor() as cursor:
        cursor.execute(_RESET, [ROW, _new_epoch()])


def data_version(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """The current version as ``epoch.value`` (one query by primary key); ``"0"`` before the
    first write."""
    with connections[using].cursor() as cursor:
        cursor.execute(_READ, [ROW])
        row = cursor.fetchone()
    return "0" if row is None else f"{row[0]}.{row[1]}"


def written_in_this_transaction(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this connection has written (moved the version) in its open transaction:
    what it reads there may still be rolled back, so it must not be cached."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return False
    return getattr(connection, "shuniu_written_in", None) is connection.atomic_blocks[0]
