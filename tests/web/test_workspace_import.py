"""Importing organizations from the browser: the dry run, the confirmation, and the waiting
file between the two (where it waits, who may use it, when it goes)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization
from shuniu.web.views.workspace import imports
from tests.settings_env import load_settings
from tests.web.html import table_rows
from tests.web.workspace_helpers import logged_in, make_orgs, read_page, snapshot, text_of

UPLOAD = "/workspace/import/"
CONFIRM = "/workspace/import/confirm/"
CLEAN_ROWS = [
    ["名称", "类型", "登记管理机关区划", "地址"],
    ["西城区新航社会工作事务所", "社工事务所", "西城区", "西城区新街口外大街 8 号"],
    ["西城区同心社会工作事务所", "社工事务所", "110102", ""],
    # An existing organization, matched by name and division: its address changes.
    ["西城悦群社工事务所", "社工事务所", "西城区", "西城区月坛南街 5 号"],
]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    return tmp_path / "imports"


@pytest.fixture
def orgs(db):
    return make_orgs()


@pytest.fixture
def officer(orgs, xicheng_officer):
    return logged_in(xicheng_officer)


def csv_upload(lines: list[str], name: str = "机构.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8-sig"), "text/csv")


def xlsx_upload(rows: list[list[str]], name: str = "机构.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


def waiting(upload_dir) -> list[str]:
    return sorted(p.name for p in upload_dir.iterdir()) if upload_dir.exists() else []


def test_a_preview_with_errors_lists_them_and_writes_nothing(officer, upload_dir):
    # given a file with a row of another district and a row of an unknown kind
    before = snapshot()
    upload = csv_upload(
        [
            "名称,类型,登记管理机关区划",
            "西城社工事务所,社工事务所,西城区",
            "东城社工事务所,社工事务所,东城区",
            "西城社企,社企,西城区",
        ]
    )
    # when it is uploaded
    response = officer.post(UPLOAD, {"file": upload})
    html = response.content.decode()
    # then every problem is listed by row and column, in the reader's language
    assert response.status_code == 400
    items = read_page(html).texts
    assert items["problems-heading"] == "机构.csv: 2 problems found; nothing was written."
    problems = html.split('id="import-problem-list">')[1].split("</ul>")[0]
    assert [unescape(item) for item in re.findall(r"<li>(.*?)</li>", problems)] == [
        "row 3, column 登记管理机关区划: 东城区 is outside your jurisdiction.",
        "row 4, column 类型: Unknown value 社企; one of: 社工事务所 (agency), 社工协会 "
        "(association), 培训机构 (training), 评估机构 (evaluation), 高校 (university), "
        "政府部门 (government), 其他 (other).",
    ]
    # and nothing was written, nothing waits, and there is nothing to confirm
    assert snapshot() == before
    assert waiting(upload_dir) == []
    assert "confirm-import" not in html
    assert imports.SESSION_KEY not in officer.session


def test_a_clean_file_is_previewed_then_imported_as_the_officer(officer, upload_dir):
    # given
    before = snapshot()
    # when the file is uploaded
    response = officer.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)})
    html = response.content.decode()
    # then the dry run says what would change, and writes nothing
    assert response.status_code == 200
    page = read_page(html)
    assert page.texts["result-heading"] == "Dry run of 机构.xlsx: nothing has been written yet."
    assert [page.texts[f"count-{k}"] for k in ("created", "updated", "unchanged")] == [
        "2",
        "1",
        "0",
    ]
    assert table_rows(html, "import-changes") == [
        ["Row", "Name", "Columns that change"],
        ["4", "西城悦群社工事务所", "地址"],
    ]
    assert snapshot() == before
    token = page.values["token"]
    assert waiting(upload_dir) == [token]

    # when the officer confirms
    response = officer.post(CONFIRM, {"token": token})
    html = response.content.decode()
    # then the same file is imported, as the officer
    assert response.status_code == 200
    page = read_page(html)
    assert page.texts["result-heading"] == "机构.xlsx was imported."
    assert [page.texts[f"count-{k}"] for k in ("created", "updated", "unchanged")] == [
        "2",
        "1",
        "0",
    ]
    created = Organization.objects.get(name="西城区新航社会工作事务所")
    assert created.registrar_division.code == "110102"
    assert Organization.objects.get(name="西城悦群社工事务所").address == "西城区月坛南街 5 号"
    actors = set(AuditRecord.objects.filter(at__gte=created.created_at).values_list("actor_label"))
    assert actors == {("xc_officer",)}
    # and the waiting file is gone
    assert waiting(upload_dir) == []
    assert imports.SESSION_KEY not in officer.session
    # and confirming again imports nothing twice
    again = snapshot()
    response = officer.post(CONFIRM, {"token": token})
    assert response.status_code == 400
    assert snapshot() == again


NOT_WAITING = (
    "This upload is no longer waiting (it was imported, cancelled, is older than an hour, "
    "or belongs to another session): upload the file again."
)


def test_a_token_that_is_not_this_sessions_is_refused(officer, xicheng_officer, upload_dir):
    # given this session waits on its own file, and the same officer uploaded another file
    # in a second browser
    mine = officer.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS[:2])}).content.decode()
    mine = read_page(mine).values["token"]
    other = logged_in(xicheng_officer)
    theirs = other.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)}).content.decode()
    theirs = read_page(theirs).values["token"]
    before = snapshot()
    # when this session confirms with the other's token, or with made-up ones
    for guess in (theirs, "../" + mine, "made-up", ""):
        response = officer.post(CONFIRM, {"token": guess})
        # then nothing is imported
        assert response.status_code == 400, guess
        assert text_of(response.content.decode(), "import-refused") == NOT_WAITING
    assert snapshot() == before
    assert waiting(upload_dir) == sorted([mine, theirs])
    # and each session imports its own file only
    response = officer.post(CONFIRM, {"token": mine})
    assert read_page(response.content.decode()).texts["count-created"] == "1"
    assert waiting(upload_dir) == [theirs]


def test_a_file_waiting_longer_than_an_hour_is_not_imported(officer, upload_dir):
    # given an upload whose session entry is an hour and a minute old
    response = officer.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)})
    token = read_page(response.content.decode()).values["token"]
    session = officer.session
    old = dt.datetime.fromisoformat(session[imports.SESSION_KEY]["at"]) - dt.timedelta(minutes=61)
    session[imports.SESSION_KEY] = session[imports.SESSION_KEY] | {"at": old.isoformat()}
    session.save()
    before = snapshot()
    # when
    response = officer.post(CONFIRM, {"token": token})
    # then
    assert response.status_code == 400
    assert text_of(response.content.decode(), "import-refused") == NOT_WAITING
    assert snapshot() == before


def test_cancel_removes_the_waiting_file(officer, upload_dir):
    response = officer.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)})
    token = read_page(response.content.decode()).values["token"]
    before = snapshot()
    response = officer.post(CONFIRM, {"token": token, "cancel": "1"}, follow=True)
    assert text_of(response.content.decode(), "import-refused") is None
    assert "Import cancelled; nothing was written." in response.content.decode()
    assert waiting(upload_dir) == []
    assert snapshot() == before


def test_abandoned_uploads_are_swept_after_an_hour(officer, upload_dir):
    # given two abandoned uploads, one two hours old and one ten minutes old
    for name, age in (("old", 2 * 3600), ("recent", 600)):
        folder = upload_dir / name
        folder.mkdir(parents=True)
        (folder / "x.csv").write_text("名称\n")
        stamp = time.time() - age
        os.utime(folder, (stamp, stamp))
    # when someone uploads
    response = officer.post(UPLOAD, {"file": xlsx_upload(CLEAN_ROWS)})
    token = read_page(response.content.decode()).values["token"]
    # then the old one is gone
    assert waiting(upload_dir) == sorted(["recent", token])


def test_a_file_over_the_limit_is_refused_while_it_arrives(officer, upload_dir, monkeypatch):
    # given a limit of 1 MB and a file of 1.2 MB
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1024 * 1024)
    line = "西城社工事务所,社工事务所,西城区"
    lines = ["名称,类型,登记管理机关区划"] + [line] * (1_200_000 // len(line.encode()))
    # when
    response = officer.post(UPLOAD, {"file": csv_upload(lines)})
    # then
    assert response.status_code == 400
    assert text_of(response.content.decode(), "file-errors") == (
        "The file is larger than 1 MB: split it into several files and import them one after "
        "the other."
    )
    assert waiting(upload_dir) == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
            ("file-errors", "notes.txt is not a .csv or .xlsx file."),
        ),
        (
            SimpleUploadedFile("broken.xlsx", b"not a zip", "application/octet-stream"),
            ("import-refused", "cannot read broken.xlsx: not an Excel workbook (.xlsx)"),
        ),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(officer, upload_dir, upload, message):
    before = snapshot()
    response = officer.post(UPLOAD, {"file": upload})
    assert response.status_code == 400
    element, text = message
    assert text_of(response.content.decode(), element) == text
    assert snapshot() == before
    assert waiting(upload_dir) == []


def test_no_file_is_named_as_the_problem(officer):
    response = officer.post(UPLOAD, {})
    assert response.status_code == 400
    assert text_of(response.content.decode(), "file-errors") == "Choose a file to upload."


def test_the_template_downloads_as_a_workbook(officer):
    response = officer.get("/workspace/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="organizations-template.xlsx"')
    assert b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "{var}/uploads"), ("  ", "{var}/uploads"), ("/srv/shared", "/srv/shared")],
)
def test_the_upload_directory_comes_from_the_environment(monkeypatch, tmp_path, value, expected):
    # given SHUNIU_UPLOAD_DIR unset, blank, or naming a directory every machine shares
    env = {} if value is None else {"SHUNIU_UPLOAD_DIR": value}

    # when the settings are read
    loaded = load_settings(monkeypatch, tmp_path, **env)

    # then uploads wait there, by default under SHUNIU_VAR_DIR
    assert loaded["SHUNIU_UPLOAD_DIR"] == Path(expected.format(var=tmp_path))


def test_uploads_wait_under_the_configured_directory(settings, tmp_path):
    # given an installation whose uploads go to a shared directory
    settings.SHUNIU_UPLOAD_DIR = tmp_path / "shared"

    # when an upload is put aside, then it waits under that directory
    assert imports.upload_root() == tmp_path / "shared" / "imports"
