"""``shuniu backup`` and ``shuniu restore``: a round trip on the database the suite runs on
(SQLite or PostgreSQL) gives identical table counts, identical statistics and ID numbers
that all decrypt; a restore refuses a non-empty database and files of the wrong kind."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from shuniu.core.backup import BackupError, database_backup, database_restore
from shuniu.workforce import identity
from shuniu.workforce.models import Person
from tests.factories import make_organization
from tests.workforce.factories import employ, id_number, make_certificate, make_person

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = connection.vendor == "postgresql"


def make_world() -> dict[int, str]:
    """Organizations in two districts and certified, employed people; their numbers by pk."""
    orgs = [
        make_organization(division="110101"),
        make_organization(division="110102", registered_on=dt.date(2012, 5, 1)),
        make_organization(division="110105", kind="association", association_level="district"),
    ]
    numbers = {}
    for index in range(6):
        number = id_number(dt.date(1980 + index, 3, 1))
        person = make_person(number=number)
        make_certificate(person, division=("110101", "110102")[index % 2])
        employ(person, orgs[index % 2])
        numbers[person.pk] = number
    return numbers


def table_counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 test tables and constants of the code; no outside input
        counts[table] = cursor.fetchone()[0]
    return counts


def stats_here(figure: str) -> Any:
    out = io.StringIO()
    call_command(
        "stats", figure, "--region", "110000", "--as-of", "2015-06-30", "--format", "json",
        stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())


def shuniu(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line against another database (the restored one)."""
    # Without the read replica too: it is a copy of the suite's database, not of this one.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    env.update(DATABASE_URL=url, SHUNIU_LOG_LEVEL="ERROR")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _pg_admin() -> Any:
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Writes that other connections and processes (the backup's, pg_dump) see: the test
    commits instead of running in a rolled-back transaction, and afterwards deletes every row
    it added. Not ``transaction=True``: its flush would also remove the reference data loaded
    by migrations, which the tests that follow in this process read."""
    with django_db_blocker.unblock():
        tables = {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.pk is not None
            and model._meta.pk.column == "id"
            and model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}
        }
        with connection.cursor() as cursor:
            marks = {}
            for table in sorted(tables):
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 test tables and constants of the code; no outside input
                marks[table] = cursor.fetchone()[0]
        try:
            yield
        finally:
            # Foreign keys are deferred (both databases): any order of deletes will do.
            with transaction.atomic(), connection.cursor() as cursor:
                for table, mark in marks.items():
                    cursor.execute(f'DELETE FROM "{table}" WHERE id > %s', [mark])  # noqa: S608 test tables and constants of the code; no outside input


@pytest.fixture
def empty_database(tmp_path) -> Iterator[tuple[dict[str, Any], str]]:
    """A new, empty database of the suite's kind: (Django settings, DATABASE_URL)."""
    settings = dict(connection.settings_dict)
    if not POSTGRES:
        path = tmp_path / "restored.sqlite3"
        settings["NAME"] = str(path)
        yield settings, f"sqlite://{path}"
        return
    name = f"{settings['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with closing(_pg_admin()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    settings["NAME"] = name
    host = settings["HOST"] or ""
    url = f"postgresql://{settings['USER']}@/{name}?host={host}&port={settings['PORT']}"
    try:
        yield settings, url
    finally:
        with closing(_pg_admin()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _connect(settings: dict[str, Any]) -> Any:
    if POSTGRES:
        import psycopg

        return psycopg.connect(
            dbname=settings["NAME"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
        )
    return sqlite3.connect(settings["NAME"])


def test_backup_and_restore_round_trip_keeps_counts_statistics_and_numbers(
    committed, tmp_path, empty_database, capsys
):
    # given organizations and people with encrypted numbers
    numbers = make_world()
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        counts = table_counts(cursor, tables)
    organizations, workforce = stats_here("organizations"), stats_here("workforce")
    assert organizations["total"] == 3
    # when the database is backed up while the app could be running
    backup = tmp_path / "shuniu.backup"
    call_command("backup", str(backup))
    assert "Backup written to" in capsys.readouterr().err
    # and restored into a new, empty database from the command line
    settings, url = empty_database
    restored = shuniu(url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert str(backup) in restored.stderr
    # then every table holds as many rows
    with closing(_connect(settings)) as db:
        cursor = db.cursor()
        assert table_counts(cursor, tables) == counts
        cursor.execute(f"SELECT id, id_cipher FROM {Person._meta.db_table} ORDER BY id")  # noqa: S608 test tables and constants of the code; no outside input
        stored = cursor.fetchall()
    # and every ID number decrypts, on its own row
    assert {pk: identity.decrypt(token, row=pk) for pk, token in stored} == numbers
    # and the statistics are the same, computed on the restored database
    for figure, expected in (("organizations", organizations), ("workforce", workforce)):
        answer = shuniu(
            url, "stats", figure, "--region", "110000", "--as-of", "2015-06-30", "--format", "json"
        )
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout) == expected


def test_restore_refuses_a_database_that_is_not_empty(committed, tmp_path, empty_database):
    # given a backup, restored once
    make_organization()
    backup = tmp_path / "shuniu.backup"
    call_command("backup", str(backup))
    settings, url = empty_database
    assert shuniu(url, "restore", str(backup)).returncode == 0
    tables = connection.introspection.table_names()
    with closing(_connect(settings)) as db:
        cursor = db.cursor()
        before = table_counts(cursor, ["registry_organization", "core_auditrecord"])
    # when it is restored again into the same, now full, database
    again = shuniu(url, "restore", str(backup))
    # then one line (in the default language, zh-hans) says why, and nothing changed
    assert again.returncode != 0
    reason = f"数据库 {settings['NAME']} 不是空的（有 {len(tables)} 张表）；只能恢复到空数据库。"
    assert again.stderr.strip().splitlines() == [f"CommandError: {reason}"]
    with closing(_connect(settings)) as db:
        cursor = db.cursor()
        assert table_counts(cursor, ["registry_organization", "core_auditrecord"]) == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, empty_database):
    settings, _url = empty_database
    path = tmp_path / "notes.txt"
    path.write_text("not a backup\n")
    with pytest.raises(BackupError) as caught:
        database_restore(path=path, database=settings)
    assert str(caught.value) == (
        f"{path} is not a Shuniu backup (neither a SQLite database nor a pg_dump "
        "custom-format archive)."
    )


def test_restore_refuses_a_backup_of_the_other_kind(tmp_path, empty_database):
    settings, _url = empty_database
    other = tmp_path / "other.backup"
    if POSTGRES:
        with closing(sqlite3.connect(other)) as db:
            db.execute("CREATE TABLE t (x)")
        expected = "other.backup is a SQLite backup; this database is PostgreSQL."
    else:
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        expected = "other.backup is a PostgreSQL backup; this database is SQLite."
    with pytest.raises(BackupError) as caught:
        database_restore(path=other, database=settings)
    assert str(caught.value) == str(tmp_path / expected)


@pytest.mark.skipif(POSTGRES, reason="a SQLite file")
def test_restore_refuses_a_damaged_sqlite_backup(tmp_path, empty_database):
    # given a SQLite database whose pages were overwritten
    damaged = tmp_path / "damaged.backup"
    with closing(sqlite3.connect(damaged)) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 200)
        db.commit()
    data = bytearray(damaged.read_bytes())
    data[4096 + 100 : 4096 * 3] = b"\xff" * (4096 * 2 - 100)
    damaged.write_bytes(bytes(data))
    settings, _url = empty_database
    # when / then
    with pytest.raises(BackupError) as caught:
        database_restore(path=damaged, database=settings)
    assert str(caught.value).startswith(f"{damaged} is damaged: ")
    assert not Path(settings["NAME"]).exists() or Path(settings["NAME"]).stat().st_size == 0


@pytest.mark.skipif(POSTGRES, reason="a SQLite file")
def test_restore_refuses_a_sqlite_database_that_is_not_shuniu(tmp_path, empty_database):
    foreign = tmp_path / "foreign.sqlite3"
    with closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE t (x)")
    settings, _url = empty_database
    with pytest.raises(BackupError) as caught:
        database_restore(path=foreign, database=settings)
    assert str(caught.value) == f"{foreign} records no migrations: it is not a Shuniu database."


@pytest.mark.django_db
def test_backup_does_not_overwrite_a_file_without_force(tmp_path):
    existing = tmp_path / "shuniu.backup"
    existing.write_text("keep me")
    with pytest.raises(CommandError) as caught:
        call_command("backup", str(existing))
    assert str(caught.value) == f"{existing} exists; give another name or --force to replace it."
    assert existing.read_text() == "keep me"
    assert not (tmp_path / "shuniu.backup.partial").exists()


def test_restore_of_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(tmp_path / "nothing.backup"))
    assert str(caught.value) == f"{tmp_path / 'nothing.backup'} does not exist."


def test_a_sqlite_backup_is_one_snapshot_while_others_write(tmp_path, monkeypatch):
    # given a SQLite database in WAL mode, as the app runs it, copied a page at a time
    live = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 200)
    monkeypatch.setattr("shuniu.core.backup.SQLITE_STEP_PAGES", 1)
    writer = sqlite3.connect(live, isolation_level=None, timeout=1)
    steps = []

    def write_meanwhile(done: int, total: int) -> None:
        # another process commits a row during the copy; it must neither wait nor restart it
        steps.append(done)
        writer.execute("INSERT INTO t VALUES ('z')")

    # when
    backup = tmp_path / "live.backup"
    with closing(writer):
        database_backup(
            path=backup,
            database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)},
            progress=write_meanwhile,
        )
    # then the copy holds the database as it was when the copy began, and the writes went on
    assert len(steps) > 10
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("SELECT count(*) FROM t").fetchone() == (200,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (200 + len(steps),)


def test_backup_of_a_sqlite_database_that_does_not_exist_creates_nothing(tmp_path):
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(BackupError) as caught:
        database_backup(
            path=tmp_path / "b.backup",
            database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(missing)},
        )
    assert str(caught.value) == f"The database {missing} does not exist."
    assert sorted(p.name for p in tmp_path.iterdir()) == []
