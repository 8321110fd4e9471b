"""Backing up the database to one file and restoring it into an empty database
(``shuniu backup`` / ``shuniu restore``; docs/cli.md, docs/deploy.md).

SQLite: the online backup API (``sqlite3.Connection.backup``) from a connection that holds one
read transaction for the whole copy, so the file is one consistent snapshot while the app goes
on reading and writing (WAL). The copy is a self-contained file (rollback journal, not WAL).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, with the connection passed in
``PG*`` environment variables (never a password on the command line).

A restore goes only into an empty database, and checks before and after: the file's kind, its
integrity (``PRAGMA integrity_check``; ``pg_restore --list``), and that the migrations it
records are ones this code knows (a backup made by a newer version is refused).

The ID-number key is not in the database and not in the backup: keep it apart (docs/keys.md).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

Progress = Callable[[int, int], None]
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
SQLITE_STEP_PAGES = 1024
DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"


class BackupError(Exception):
    """What went wrong, in one line for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    migrations: int
    missing_migrations: int  # the code has migrations the backup predates (run migrate)


def _noop(done: int, total: int) -> None:
    pass


def file_kind(path: Path) -> str:
    """``sqlite``, ``postgresql`` or ``unknown``, from the file's first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(
            _("%(file)s cannot be read: %(reason)s") % {"file": path, "reason": exc.strerror}
        ) from None
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return "unknown"


def _vendor(database: dict[str, Any]) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(
        _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": engine}
    )


@contextmanager
def _writing(path: Path, *, force: bool) -> Iterator[Path]:
    """A partial file beside ``path``, moved onto it only when complete."""
    if path.exists() and not force:
        raise BackupError(
            _("%(file)s exists; give another name or --force to replace it.") % {"file": path}
        )
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(dir)s does not exist.") % {"dir": path.parent})
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def database_backup(
    *, path: Path, database: dict[str, Any], force: bool = False, progress: Progress = _noop
) -> str:
    """Write a backup of ``database`` (a Django DATABASES entry) to ``path``; its kind."""
    vendor = _vendor(database)
    with _writing(path, force=force) as partial:
        if vendor == "sqlite":
            _sqlite_backup(database, partial, progress)
        else:
            _pg_backup(database, partial, progress)
    return vendor


def database_restore(
    *, path: Path, database: dict[str, Any], progress: Progress = _noop
) -> RestoreResult:
    """Restore the backup at ``path`` into ``database``, which must be empty."""
    vendor = _vendor(database)
    kind = file_kind(path)
    if kind == "unknown":
        raise BackupError(
            _(
                "%(file)s is not a Shuniu backup (neither a SQLite database nor a pg_dump "
                "custom-format archive)."
            )
            % {"file": path}
        )
    if kind != vendor:
        raise BackupError(
            _("%(file)s is a %(kind)s backup; this database is %(vendor)s.")
            % {"file": path, "kind": _KIND_NAMES[kind], "vendor": _KIND_NAMES[vendor]}
        )
    if vendor == "sqlite":
        return _sqlite_restore(path, database, progress)
    return _pg_restore(path, database, progress)


_KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_migrations(recorded: set[tuple[str, str]], path: Path) -> int:
    """Refuse a backup with migrations this code does not have; the number it lacks."""
    if not recorded:
        raise BackupError(
            _("%(file)s records no migrations: it is not a Shuniu database.") % {"file": path}
        )
    known = _known_migrations()
    unknown = sorted(recorded - known)
    if unknown:
        raise BackupError(
            _(
                "%(file)s was made by a newer version of Shuniu (migration %(name)s is unknown "
                "here); restore it with that version."
            )
            % {"file": path, "name": ".".join(unknown[0])}
        )
    return len(known - recorded)


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_connect(name: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    text = str(name)
    if text.startswith("file:"):  # an in-memory test database shared by URI
        return sqlite3.connect(text, uri=True, isolation_level=None)
    if read_only:
        return sqlite3.connect(
            f"file:{Path(text).resolve()}?mode=ro", uri=True, isolation_level=None
        )
    return sqlite3.connect(text, isolation_level=None, timeout=20)


def _sqlite_check(db: sqlite3.Connection, path: Path) -> None:
    try:
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("%(file)s is damaged: %(reason)s") % {"file": path, "reason": exc}
        ) from None
    if result != ["ok"]:
        raise BackupError(
            _("%(file)s is damaged: %(reason)s") % {"file": path, "reason": result[0]}
        )


def _sqlite_copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress
) -> None:
    def step(status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    source.backup(target, pages=SQLITE_STEP_PAGES, progress=step)


def _sqlite_backup(database: dict[str, Any], partial: Path, progress: Progress) -> None:
    name = str(database["NAME"])
    if not name.startswith("file:") and not Path(name).is_file():
        # (Connecting would create an empty one, and back that up.)
        raise BackupError(_("The database %(name)s does not exist.") % {"name": name})
    with closing(_sqlite_connect(name)) as source:
        # One read transaction for the whole copy: a consistent snapshot that writers in
        # other connections neither block nor restart (WAL).
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with closing(sqlite3.connect(partial, isolation_level=None)) as target:
            _sqlite_copy(source, target, progress)
            source.execute("COMMIT")
            target.execute("PRAGMA journal_mode=DELETE")
            _sqlite_check(target, partial)


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def _sqlite_restore(path: Path, database: dict[str, Any], progress: Progress) -> RestoreResult:
    with closing(_sqlite_connect(path, read_only=True)) as source:
        _sqlite_check(source, path)
        tables = _sqlite_tables(source)
        recorded: set[tuple[str, str]] = set()
        if "django_migrations" in tables:
            recorded = {
                (app, name)
                for app, name in source.execute("SELECT app, name FROM django_migrations")
            }
        missing = _check_migrations(recorded, path)
        with closing(_sqlite_connect(database["NAME"])) as target:
            present = _sqlite_tables(target)
            if present:
                raise BackupError(
                    _(
                        "The database %(name)s is not empty (%(n)s tables); restore only into "
                        "an empty one."
                    )
                    % {"name": database["NAME"], "n": len(present)}
                )
            _sqlite_copy(source, target, progress)
            target.execute("PRAGMA journal_mode=WAL")
            _sqlite_check(target, Path(str(database["NAME"])))
            copied = {
                (app, name)
                for app, name in target.execute("SELECT app, name FROM django_migrations")
            }
            if copied != recorded:
                raise BackupError(_("The restored database lost migration records."))
    return RestoreResult(tables=len(tables), migrations=len(recorded), missing_migrations=missing)


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """PG_BIN first (matching the server's version), then PATH, then the Debian default."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    candidates.append(Path(DEFAULT_PG_BIN) / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        _("%(tool)s not found: install the PostgreSQL client or set PG_BIN.") % {"tool": name}
    )


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = str(database.get(key) or "")
        if value:
            env[var] = value
        else:
            env.pop(var, None)
    return env


def _run(
    command: list[str], env: dict[str, str], progress: Progress, total: int, pattern: str
) -> None:
    """Run a pg tool with --verbose, counting its lines that match ``pattern`` as progress;
    a failure is its last error line."""
    done = 0
    errors: list[str] = []
    with subprocess.Popen(  # noqa: S603 an argument list from _pg_tool, no shell
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if re.search(pattern, line):
                done += 1
                progress(min(done, total), total)
            elif "error" in line.lower() or "fatal" in line.lower():
                errors.append(line.strip())
    if process.returncode != 0:
        reason = errors[-1] if errors else f"exit code {process.returncode}"
        raise BackupError(f"{Path(command[0]).name}: {reason}")


def _pg_connect(database: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    )


def _pg_tables(database: dict[str, Any]) -> int:
    with closing(_pg_connect(database)) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
            ).fetchone()[0]
        )


def _pg_backup(database: dict[str, Any], partial: Path, progress: Progress) -> None:
    env = _pg_env(database)
    total = _pg_tables(database)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--verbose", f"--file={partial}"],
        env,
        progress,
        total,
        r"dumping contents of table",
    )
    _pg_list(partial, env)


def _pg_list(path: Path, env: dict[str, str]) -> list[str]:
    """The archive's table of contents (reading it checks the archive)."""
    listed = subprocess.run(  # noqa: S603 an argument list from _pg_tool, no shell
        [_pg_tool("pg_restore"), "--list", str(path)],
        env=env,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        reason = (listed.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise BackupError(_("%(file)s is damaged: %(reason)s") % {"file": path, "reason": reason})
    return [line for line in listed.stdout.splitlines() if line and not line.startswith(";")]


def _pg_recorded(path: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    """The django_migrations rows inside the archive, read without restoring it."""
    dumped = subprocess.run(  # noqa: S603 an argument list from _pg_tool, no shell
        [
            _pg_tool("pg_restore"),
            "--data-only",
            "--table=django_migrations",
            "--file=-",
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    recorded: set[tuple[str, str]] = set()
    inside = False
    for line in dumped.stdout.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside:
            fields = line.split("\t")
            if len(fields) >= 3:
                recorded.add((fields[1], fields[2]))
    return recorded


def _pg_restore(path: Path, database: dict[str, Any], progress: Progress) -> RestoreResult:
    env = _pg_env(database)
    toc = _pg_list(path, env)
    recorded = _pg_recorded(path, env)
    missing = _check_migrations(recorded, path)
    present = _pg_tables(database)
    if present:
        raise BackupError(
            _("The database %(name)s is not empty (%(n)s tables); restore only into an empty one.")
            % {"name": database["NAME"], "n": present}
        )
    total = sum(" TABLE DATA " in line for line in toc)
    _run(
        [
            _pg_tool("pg_restore"),
            "--verbose",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={database['NAME']}",
            str(path),
        ],
        env,
        progress,
        total,
        r"processing data for table",
    )
    with closing(_pg_connect(database)) as db:
        copied = {
            (app, name) for app, name in db.execute("SELECT app, name FROM django_migrations")
        }
    if copied != recorded:
        raise BackupError(_("The restored database lost migration records."))
    return RestoreResult(
        tables=_pg_tables(database), migrations=len(recorded), missing_migrations=missing
    )
