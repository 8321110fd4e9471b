"""One import at a time: a second one, from another process, is refused with one line (or
waits with --wait), on the command line and in the browser; never a traceback."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections

from shuniu.core import locks
from shuniu.registry.models import Organization
from tests.interop.conftest import HEADER_EN, code, run_command
from tests.web.workspace_helpers import logged_in, read_page

HOLDER = "shuniu import people, process 4242, since 2026-12-05 22:00:00 UTC"
_HOLD = """
import fcntl, sys
handle = open(sys.argv[1], "a+", encoding="utf-8")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.seek(0); handle.truncate(); handle.write(sys.argv[2]); handle.flush()
print("held", flush=True)
sys.stdin.read()
"""


class Other:
    """The other process's import, holding the lock until released."""

    def __init__(self) -> None:
        self.release = lambda: None
        self.holder = ""

    def wait_for_release(self, text: str) -> None:
        # A stderr that ends the other import as soon as the command says it waits.
        if "Waiting" in text or "等待" in text:
            self.release()


@contextmanager
def another_import_running() -> Iterator[Other]:
    """Another process holds the import lock: a process with the lock file (SQLite), a
    database session with the advisory lock (PostgreSQL)."""
    other = Other()
    if connection.vendor == "postgresql":
        holder = connection.get_new_connection(connection.get_connection_params())
        holder.autocommit = True
        holder.execute("SELECT pg_advisory_lock(%s)", [locks.ADVISORY_KEY])
        other.holder = "database session {}".format(
            holder.execute("SELECT pg_backend_pid()").fetchone()[0]
        )
        other.release = holder.close
        try:
            yield other
        finally:
            holder.close()
        return
    path = locks._lock_file("import", DEFAULT_DB_ALIAS)
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), HOLDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    assert process.stdout.readline() == "held\n"

    def release() -> None:
        if process.poll() is None:
            process.stdin.close()  # type: ignore[union-attr]
            process.wait(timeout=30)

    other.holder = HOLDER
    other.release = release
    try:
        yield other
    finally:
        release()


@pytest.fixture
def csv_file(tmp_path):
    def write(lines: list[str], *, encoding: str = "utf-8"):
        path = tmp_path / "orgs.csv"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write


def rows() -> list[str]:
    return [HEADER_EN, f"{code(1)},东城区助人社工事务所,agency,110101,2009-06-01,2009-06-15,,"]


def test_a_second_import_is_refused_with_one_line_and_writes_nothing(db, csv_file):
    # given another process is importing
    path = csv_file(rows())
    with another_import_running() as other:
        # when an import starts
        result = run_command("organizations", str(path), "--lang", "en")
    # then it is refused in one line, with the temporary-failure exit status
    assert result.code == 75
    assert result.out == ""
    if connection.vendor == "sqlite":
        holder = other.holder
    else:
        holder = result.err_lines[0].split("(", 1)[1].split(")", 1)[0]
        assert holder.startswith(other.holder + ", since ")
    assert result.err_lines == [
        f"CommandError: another import is running ({holder}); nothing was written. Try again "
        "when it has finished, or give --wait to wait for it."
    ]
    assert not Organization.objects.exists()
    # and once the other import has ended, the same command imports
    again = run_command("organizations", str(path), "--lang", "en")
    assert (again.code, again.err_lines) == (0, ["created 1, updated 0, unchanged 0"])


def test_with_wait_a_second_import_waits_for_the_first_then_imports(db, csv_file):
    # given another process is importing
    path = csv_file(rows())
    out, err = io.StringIO(), io.StringIO()
    with another_import_running() as other:

        class Stderr(io.StringIO):
            def write(self, text: str) -> int:
                written = err.write(text)
                other.wait_for_release(text)
                return written

        # when an import starts with --wait (the other ends as soon as it says it waits)
        from django.core.management import call_command

        call_command(
            "import", "organizations", str(path), "--wait", "--lang", "en", stdout=out,
            stderr=Stderr(),
        )  # fmt: skip
    # then it said so once, waited, and imported
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Waiting for the other import to finish (")
    assert lines[1:] == ["created 1, updated 0, unchanged 0"]
    if connection.vendor == "sqlite":
        assert lines[0] == f"Waiting for the other import to finish ({HOLDER})…"
    assert Organization.objects.filter(uscc=code(1)).count() == 1


def test_the_lock_is_free_again_after_an_import_that_failed(db, csv_file):
    # given an import refused for its file
    bad = csv_file(["名称,类型", "x"], encoding="utf-16")
    assert run_command("organizations", str(bad)).code != 0
    # then the lock is free: another holder takes it at once
    with locks.import_lock("test"):
        pass


def test_the_lock_is_one_per_database_and_refuses_a_second_holder(db):
    # given the lock is held
    with locks.import_lock("first"):
        # when a second holder (another open file, another session) asks for it
        second = connections.create_connection(DEFAULT_DB_ALIAS)
        connections["second"] = second
        try:
            with pytest.raises(locks.LockHeld), locks.import_lock("second", using="second"):
                pass
        finally:
            if second.connection is not None and connection.vendor == "postgresql":
                second.close()
            del connections["second"]


UPLOAD = "/workspace/import/"
CONFIRM = "/workspace/import/confirm/"


def upload_file() -> SimpleUploadedFile:
    content = "\n".join(
        ["名称,类型,登记管理机关区划", "西城区新航社会工作事务所,社工事务所,西城区"]
    )
    return SimpleUploadedFile("机构.csv", (content + "\n").encode("utf-8-sig"), "text/csv")


@pytest.fixture
def officer(settings, tmp_path, xicheng_officer):
    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    settings.SHUNIU_BUSY_RETRY_AFTER = 7
    return logged_in(xicheng_officer)


def test_the_web_import_waits_its_turn_and_keeps_the_file(officer, tmp_path):
    # when the officer uploads a file while another import runs
    with another_import_running():
        refused = officer.post(UPLOAD, {"file": upload_file()})
    # then 503 with Retry-After, saying why, and nothing waits
    assert (refused.status_code, refused["Retry-After"]) == (503, "7")
    assert read_page(refused.content.decode()).texts["import-refused"] == (
        "Another import is running; nothing was checked or written. Upload the file again in "
        "a minute."
    )
    assert list((tmp_path / "imports").iterdir()) == []
    # given the file checked once the other import has ended
    preview = officer.post(UPLOAD, {"file": upload_file()})
    assert preview.status_code == 200
    token = read_page(preview.content.decode()).values["token"]
    with another_import_running():
        # when the officer confirms while another import runs
        busy = officer.post(CONFIRM, {"token": token})
    # then 503 again, and nothing is written
    assert (busy.status_code, busy["Retry-After"]) == (503, "7")
    assert read_page(busy.content.decode()).texts["import-refused"] == (
        "Another import is running; nothing was written. Your file is still waiting: go back "
        "and confirm it again in a minute."
    )
    assert not Organization.objects.filter(name="西城区新航社会工作事务所").exists()
    # and the file still waits: confirming again imports it
    done = officer.post(CONFIRM, {"token": token})
    assert done.status_code == 200
    assert Organization.objects.filter(name="西城区新航社会工作事务所").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the command line waits without limit on PostgreSQL"
)
def test_an_import_that_finds_the_database_busy_says_so_in_one_line(csv_file):
    # given another process (not an import: a long command) holds the write lock
    from tests.core.conftest import holding_writer

    path = csv_file(rows())
    with holding_writer():
        # when an import starts
        result = run_command("organizations", str(path), "--lang", "en")
    # then one line and the temporary-failure status, not a traceback
    assert (result.code, result.out) == (75, "")
    assert result.err_lines == [
        "CommandError: the database is busy: another process is writing to it. Nothing was "
        "written; try again in a moment."
    ]
    assert not Organization.objects.exists()
