"""The SQL of the people import, on SQLite or PostgreSQL: ids, lookups, inserts
(``executemany``, ``COPY`` on PostgreSQL) and updates.

On SQLite the import's inserts may run in the background (``_Store(background=True)``):
each chunk's new rows go to the database as multi-row ``INSERT … VALUES (…), (…), …``
statements (``ROWS_PER_STATEMENT`` rows each, the rest in line), executed by a thread while
the import reads and checks the next chunk's rows. Few statements per chunk is what makes that pay:
SQLite works without Python's global interpreter lock for the whole statement, whereas
``executemany`` takes the lock back for every row and waits for it behind the thread that
reads the file (the same CPU time as ``executemany`` otherwise). The thread uses the same
connection and so the same transaction. Every other use of the connection first waits for
the thread (``wait``), but for the lookups: they run between the thread's statements
(SQLite serializes a connection's statements) while it still writes the last chunk, whose
new records the import keeps in memory until the next chunk is matched; so the import
reads, checks and matches the next chunk while the last one is written.

On PostgreSQL, likewise, each chunk's ``COPY`` runs in such a thread (same connection, same
waits): the server takes the rows while the import reads and checks the next chunk (psycopg
waits for the server without the interpreter lock), where in line the import waited for it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import connection

from shuniu.workforce.bulk.rows import _PERSON_FIELDS, _blank
from shuniu.workforce.models import Certificate, Employment, GraduateCohort, Person, Placement

# SQLite page cache (KiB) while importing: the indexes on ID hashes and certificate
# numbers take random inserts, and the default 2 MiB cache makes each one a read.
SQLITE_CACHE_KIB = 16384


_PERSON_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "name",
    "id_cipher",
    "id_hash",
    "id_masked",
    "sex",
    "birth_date",
    "education_level",
    "university_id",
    "major",
    "graduation_year",
    "phone",
    "source",
    "synthetic",
)


_CERTIFICATE_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "person_id",
    "level",
    "number",
    "exam_year",
    "issued_on",
    "registered_division_id",
)


_EMPLOYMENT_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "person_id",
    "organization_id",
    "role",
    "starts_on",
    "ends_on",
    "full_time",
)


_TABLES = {
    "person": Person._meta.db_table,
    "certificate": Certificate._meta.db_table,
    "employment": Employment._meta.db_table,
}


# Tables the store inserts into: the import's, whose ids it assigns, and the pipeline's.
_INSERT_TABLES = {
    **_TABLES,
    "graduate_cohort": GraduateCohort._meta.db_table,
    "placement": Placement._meta.db_table,
}


# Rows a background insert statement writes (see _Store.insert).
ROWS_PER_STATEMENT = 1000
# Whether this SQLite library serializes the use of one connection by several threads
# (built with SQLITE_THREADSAFE=1, which Python reports as threadsafety 3): only then may a
# lookup run while the thread writes. A library built for one thread per connection makes
# the lookups wait for the thread instead.
SQLITE_SERIALIZED = sqlite3.threadsafety == 3


class _Store:
    """The SQL of the import, on SQLite or PostgreSQL."""

    def __init__(self, *, background: bool = False) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.cursor = connection.cursor()
        self.background = background
        # Parameters one statement may take (32,766 unless SQLite was built otherwise).
        self._max_params = (
            connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            if self.background and not self.postgres
            else 0
        )
        # The chunk's inserts not yet handed to the thread, the thread, what it raised.
        self._pending: list[tuple[str, list[Any]]] = []
        # Rows to insert with ``executemany`` when the thread starts: (table, columns, rows).
        self._in_line: list[tuple[str, str, int, list[Any]]] = []
        # PostgreSQL: the chunk's COPYs not yet handed to the thread: (table, columns, rows).
        self._copies: list[tuple[str, str, list[Any]]] = []
        self._writer: threading.Thread | None = None
        self._failure: BaseException | None = None
        # Statements to run once the thread has finished (``defer``).
        self._deferred: list[tuple[str, Any]] = []

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.cursor.close()

    def wait(self) -> None:
        """Wait for the background inserts; raise what they raised (as Django's errors)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.join()
        failure, self._failure = self._failure, None
        if failure is not None:
            with connection.wrap_database_errors:
                raise failure
        deferred, self._deferred = self._deferred, []
        for sql, params in deferred:
            self.cursor.execute(sql, params)

    def defer(self, statements: Iterable[tuple[str, Any]]) -> None:
        """Run ``statements`` (SQL with %s marks, parameters) once the background inserts
        have finished: at the next ``wait`` (any use of the store but a lookup)."""
        self._deferred.extend(statements)

    def flush(self) -> None:
        """Start the pending inserts in the background (after waiting for the last ones)."""
        self.wait()
        in_line, self._in_line = self._in_line, []
        for table, names, columns, rows in in_line:
            self._insert_many(table, names, columns, rows)
        # The chunk's statements, for the thread: COPYs on PostgreSQL, INSERTs on SQLite.
        jobs: list[Callable[[], object]]
        if self.postgres:
            cursor = self.cursor.cursor
            jobs = [partial(_copy_rows, cursor, *copy) for copy in self._copies]
            self._copies = []
        else:
            raw = connection.connection
            jobs = [partial(raw.execute, sql, params) for sql, params in self._pending]
            self._pending = []
        if not jobs:
            return

        def write() -> None:
            try:
                for job in jobs:
                    job()
            except BaseException as exc:  # handed to the importing thread by wait()
                self._failure = exc

        self._writer = threading.Thread(target=write, name="people-import-writer", daemon=True)
        self._writer.start()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.wait()
        self.cursor.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.wait()
        self.cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = self.cursor.fetchall()
        return found

    def before_outside_read(self) -> None:
        """Before a read of the connection from outside the store (the rows' lookups of
        organizations): wait for the background inserts where the connection may not be
        shared meanwhile (an SQLite library that does not serialize it). Where it may, the
        read runs between the thread's statements; psycopg makes a read wait for a COPY."""
        if self.background and not self.postgres and not SQLITE_SERIALIZED:
            self.wait()

    @property
    def lookups_may_miss_last_chunk(self) -> bool:
        """Whether ``lookup`` runs beside the thread's inserts (SQLite, in the background,
        a library that serializes a shared connection) and so may not find all of the last
        chunk's rows; otherwise it waits for them (PostgreSQL's COPY holds the connection)."""
        return self.background and not self.postgres and SQLITE_SERIALIZED

    def lookup(
        self, key: str, columns: str, column: str, values: Sequence[Any], sql_type: str
    ) -> list[tuple[Any, ...]]:
        """``SELECT columns FROM table t WHERE t.column IN (values)``: every stored row
        but, on SQLite with the inserts in the background, possibly not all of the last
        chunk's (see below).

        On PostgreSQL as a join with the values unnested: given ``= ANY(array)`` of a
        chunk's keys, the planner scans the whole table (three times slower at 300,000
        people, and worse as the table grows) instead of probing its index.
        """
        table = _TABLES[key]
        if self.postgres:
            return self.rows(
                f"SELECT {columns} FROM unnest(%s::{sql_type}[]) AS k(v) "  # noqa: S608 model table/column names, %s marks; values are parameters
                f"JOIN {table} t ON t.{column} = k.v",
                [list(values)],
            )
        marks = ", ".join(["%s"] * len(values))
        sql = f"SELECT {columns} FROM {table} t WHERE t.{column} IN ({marks})"  # noqa: S608 model table/column names, %s marks; values are parameters
        if not self.lookups_may_miss_last_chunk:
            return self.rows(sql, values)
        # SQLite, the inserts in the background: the lookup runs between the thread's
        # statements (SQLite serializes a connection's statements), without waiting for the
        # last chunk's inserts to finish. It sees all of the chunks before the last, and the
        # last chunk's rows inserted so far: the caller takes the last chunk's new records
        # from what it kept of them (matching's ``recent_*``).
        self.cursor.execute(sql, values)
        found: list[tuple[Any, ...]] = self.cursor.fetchall()
        return found

    def first_ids(self) -> dict[str, int]:
        """The first id the import may give in each table, with the tables locked."""
        if self.postgres:
            # No other writer may take ids until the import commits; readers go on.
            self.execute(
                "LOCK TABLE " + ", ".join(_TABLES.values()) + " IN SHARE ROW EXCLUSIVE MODE"
            )
            return {
                key: int(
                    self.rows(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")[0][0]
                )
                for key, table in _TABLES.items()
            }
        # The transaction holds SQLite's write lock (BEGIN IMMEDIATE). AUTOINCREMENT never
        # gives an id twice: start above both the largest id and the sequence.
        first = {}
        for key, table in _TABLES.items():
            largest = self.rows(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0]  # noqa: S608 model table/column names, %s marks; values are parameters
            sequence = self.rows("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            first[key] = max(int(largest), int(sequence[0][0]) if sequence else 0) + 1
        return first

    def advance(self, key: str, last: int) -> None:
        """Make the table's id sequence continue after ``last`` (PostgreSQL)."""
        if self.postgres:
            table = _TABLES[key]
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [last])

    def insert(self, key: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table = _INSERT_TABLES[key]
        names = ", ".join(columns)
        if self.postgres and self.background:
            self._copies.append((table, names, rows))
        elif self.postgres:
            self.wait()
            # The raw cursor's COPY: its errors raised as Django's, as the other statements'.
            with connection.wrap_database_errors:
                _copy_rows(self.cursor.cursor, table, names, rows)
        elif self.background and len(rows) >= (per := self._rows_per_statement(len(columns))):
            # Statements of one size per table: SQLite keeps each statement compiled (several
            # MiB for a thousand rows) and Python caches up to 128 of them by their text. The
            # rows beyond the last full statement go in line, when the thread starts.
            full = len(rows) - len(rows) % per
            mark = "(" + ", ".join(["?"] * len(columns)) + ")"
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([mark] * per)  # noqa: S608 model table/column names, ? marks; values are parameters
            for start in range(0, full, per):
                self._pending.append(
                    (sql, list(itertools.chain.from_iterable(rows[start : start + per])))
                )
            if full < len(rows):
                self._in_line.append((table, names, len(columns), rows[full:]))
        elif self.background:
            self._in_line.append((table, names, len(columns), rows))
        else:
            self._insert_many(table, names, len(columns), rows)

    def _rows_per_statement(self, columns: int) -> int:
        # A thousand rows, half a chunk (SQLite takes 32,766 parameters unless built
        # otherwise; with its old limit of 999, a statement a few dozen rows).
        return max(1, min(ROWS_PER_STATEMENT, self._max_params // columns))

    def _insert_many(self, table: str, names: str, columns: int, rows: list[Any]) -> None:
        self.wait()
        marks = ", ".join(["%s"] * columns)
        self.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 model table/column names, %s marks; values are parameters

    def json(self, pairs: Iterable[tuple[str, str]]) -> str:
        function = "jsonb_build_object" if self.postgres else "json_object"
        return f"{function}(" + ", ".join(f"'{key}', {expr}" for key, expr in pairs) + ")"

    def json_bool(self, expr: str) -> str:
        if self.postgres:
            return expr
        return f"CASE WHEN {expr} THEN json('true') ELSE json('false') END"

    def write_chunk(
        self,
        *,
        now: Any,
        synthetic: bool,
        first_person: int,
        first_job: int,
        new_people: list[list[Any]],
        new_certificates: list[tuple[Any, ...]],
        new_jobs: list[list[Any]],
        person_updates: dict[int, list[Any]],
        job_updates: dict[int, list[Any]],
    ) -> None:
        """Insert a chunk's new records and update the stored ones it changed (records
        created in earlier chunks are updated without a version step)."""
        db = self
        # Dates as ISO text, as both backends store them from text (and as SQLite's adapter
        # would make them, in the writing thread).
        db.insert(
            "person",
            _PERSON_INSERT,
            [
                (s[0], now, now, 1, s[1], s[9], s[10], s[2], s[11], s[12].isoformat(),
                 s[3] or "", s[4], s[5] or "", s[6], s[7] or "", s[8] or "", synthetic)
                for s in new_people
            ],
        )  # fmt: skip
        db.insert(
            "certificate",
            _CERTIFICATE_INSERT,
            [
                (c[0], now, now, 1, c[1], c[2], c[3], c[4], c[5].isoformat(), c[6])
                for c in new_certificates
            ],
        )
        db.insert(
            "employment",
            _EMPLOYMENT_INSERT,
            [
                (j[0], now, now, 1, j[3][0], j[3][1], j[1], j[3][2].isoformat(),
                 j[2].isoformat() if j[2] is not None else None, True)
                for j in new_jobs
            ],
        )  # fmt: skip
        if person_updates:
            self.wait()
            sets = ", ".join(f"{name} = %s" for name in _PERSON_FIELDS)
            self.cursor.executemany(
                f"UPDATE {_TABLES['person']} SET {sets}, "  # noqa: S608 model table/column names, %s marks; values are parameters
                "version = version + %s, updated_at = %s WHERE id = %s",
                [
                    (
                        *(value if value is not None else _blank(name) for name, value in
                          zip(_PERSON_FIELDS, state[3:9], strict=True)),
                        0 if pk >= first_person else 1,
                        now,
                        pk,
                    )
                    for pk, state in person_updates.items()
                ],
            )  # fmt: skip
        if job_updates:
            self.wait()
            self.cursor.executemany(
                f"UPDATE {_TABLES['employment']} SET role = %s, ends_on = %s, "  # noqa: S608 model table/column names, %s marks; values are parameters
                "version = version + %s, updated_at = %s WHERE id = %s",
                [
                    (state[1], state[2], 0 if pk >= first_job else 1, now, pk)
                    for pk, state in job_updates.items()
                ],
            )
        # The new rows go to the database while the next chunk is read (background).
        self.flush()


def _copy_rows(cursor: Any, table: str, names: str, rows: list[Any]) -> None:
    """``COPY table (names) FROM STDIN`` of ``rows`` on a psycopg cursor."""
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
