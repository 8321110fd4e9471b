"""One import at a time, across processes.

An import holds the database for its whole all-or-nothing transaction (on SQLite the one
write lock of the file). A second import started meanwhile would wait out the busy timeout
and die with "database is locked". So every import (command line or web upload, dry run or
not) first takes this lock, and a second one waits for it or is refused with one line that
says who holds it.

- SQLite: an exclusive ``fcntl.flock`` on a file under ``SHUNIU_VAR_DIR/locks/`` named after
  the database file. The operating system releases it when the holder's process ends, even
  by ``kill -9``: a crashed import never leaves a stale lock behind. (All processes that
  share a SQLite file run on one machine.)
- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), which works across
  the machines that share the database and ends with the holder's connection.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# pg_advisory_lock takes a bigint; this one means "an import is running" (crc of the name).
ADVISORY_KEY = 0x5348_494D  # "SHIM"


OnWait = Callable[[str], None] | None


class LockHeld(Exception):
    """Someone else holds the lock; ``holder`` says who, when it is known."""

    def __init__(self, name: str, holder: str) -> None:
        super().__init__(f"{name} is held by {holder or 'another process'}")
        self.name = name
        self.holder = holder


def _lock_file(name: str, using: str) -> Path:
    database = str(connections[using].settings_dict["NAME"])
    key = database
    if "mode=memory" in database or database == ":memory:":
        # An in-memory database (the tests') belongs to one process; so does its lock.
        key = f"{database}#{os.getpid()}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    directory = Path(settings.VAR_DIR) / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}-{digest}.lock"


def _describe(what: str) -> str:
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{what}, process {os.getpid()}, since {started}"


@contextmanager
def _file_lock(name: str, what: str, *, wait: bool, on_wait: OnWait, using: str) -> Iterator[None]:
    path = _lock_file(name, using)
    # Opened without truncating: the holder's description must survive until it ends.
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            if not wait:
                raise LockHeld(name, holder) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(_describe(what))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(name: str, *, wait: bool, on_wait: OnWait, using: str) -> Iterator[None]:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
        if not cursor.fetchone()[0]:
            cursor.execute(
                "SELECT a.pid, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objid = %s AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [ADVISORY_KEY],
            )
            row = cursor.fetchone()
            holder = (
                f"database session {row[0]}, since {row[1]:%Y-%m-%d %H:%M:%S %Z}" if row else ""
            )
            if not wait:
                raise LockHeld(name, holder)
            if on_wait is not None:
                on_wait(holder)
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])


@contextmanager
def import_lock(
    what: str = "import",
    *,
    wait: bool = False,
    on_wait: OnWait = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[None]:
    """Hold the import lock for the block. When another process holds it: ``LockHeld`` at
    once, or with ``wait`` call ``on_wait(holder)`` and block until it is free."""
    if connections[using].vendor == "postgresql":
        with _advisory_lock("import", wait=wait, on_wait=on_wait, using=using):
            yield
    else:
        with _file_lock("import", what, wait=wait, on_wait=on_wait, using=using):
            yield
