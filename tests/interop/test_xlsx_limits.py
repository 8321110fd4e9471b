"""Workbooks beyond the reading limits, and formula cells without computed values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from shuniu.interop import tables
from shuniu.interop.tables import FileRefused, check_workbook_archive, open_table, read_table
from shuniu.registry.models import Organization
from tests.interop.conftest import run_command

MiB = 1 << 20


def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["名称", "类型", "登记管理机关区划"])
    sheet.append(["甲", "社工事务所", "110101"])
    workbook.save(path)
    return path


def _bomb(path: Path, part: str, megabytes: int, *, extra_entries: int = 0) -> Path:
    """A real workbook with ``part`` replaced by ``megabytes`` of repeated bytes, deflated."""
    source = _workbook(path.with_name("source.xlsx"))
    chunk = b" " * MiB
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as bomb:
        for entry in original.infolist():
            if entry.filename == part:
                continue
            bomb.writestr(entry, original.read(entry.filename), zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(part)
        info.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(info, "w", force_zip64=True) as stream:
            for _ in range(megabytes):
                stream.write(chunk)
        for number in range(extra_entries):
            bomb.writestr(f"xl/media/pad{number}.bin", b"")
    return path


@pytest.fixture(scope="module")
def sheet_bomb(tmp_path_factory):
    # 600 MB of sheet XML in a file of well under 1 MB
    return _bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", "xl/worksheets/sheet1.xml", 600)


def _refuse_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", fail)


def test_a_sheet_zip_bomb_is_refused_before_parsing(sheet_bomb, monkeypatch):
    # given a 1 MB workbook whose sheet inflates to 600 MB, and openpyxl that must not run
    assert sheet_bomb.stat().st_size < MiB
    _refuse_parsing(monkeypatch)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        open_table(sheet_bomb)
    assert str(refused.value) == (
        "cannot read bomb.xlsx: xl/worksheets/sheet1.xml inflates 1,028 times (at most 200); "
        "this is beyond what an import reads. Split the workbook or save it as CSV (UTF-8)."
    )


def test_shared_strings_beyond_the_loaded_part_limit_are_refused(tmp_path, monkeypatch):
    # given shared strings (which openpyxl loads whole) of 20 MB, above the 10 MB limit
    path = _bomb(tmp_path / "strings.xlsx", "xl/sharedStrings.xml", 20)
    monkeypatch.setattr(tables, "MAX_XLSX_RATIO", 10_000)
    _refuse_parsing(monkeypatch)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        read_table(path)
    assert str(refused.value).startswith(
        "cannot read strings.xlsx: xl/sharedStrings.xml holds 20 MB (at most 10 MB);"
    )


def test_parts_read_whole_are_limited_together(tmp_path, monkeypatch):
    # given shared strings of 6 MB and styles of 6 MB: each within 10 MB, not together
    path = _bomb(tmp_path / "parts.xlsx", "xl/sharedStrings.xml", 6)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/extra-styles.xml", b" " * (6 * MiB), zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(tables, "MAX_XLSX_RATIO", 10_000)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        check_workbook_archive(path)
    assert "the parts read whole hold 12 MB (at most 10 MB)" in str(refused.value)


def test_total_size_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    # given a sheet of 40 MB, a ratio check out of the way and a total limit of 32 MB
    path = _bomb(tmp_path / "big.xlsx", "xl/worksheets/sheet1.xml", 40)
    monkeypatch.setattr(tables, "MAX_XLSX_RATIO", 10_000)
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED", 32 * MiB)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        check_workbook_archive(path)
    assert "40 MB of data once unzipped (at most 32 MB)" in str(refused.value)


def test_too_many_parts_are_refused(tmp_path, monkeypatch):
    # given a workbook of 1,001 parts and more
    path = _bomb(tmp_path / "parts.xlsx", "xl/worksheets/sheet1.xml", 0, extra_entries=1001)
    _refuse_parsing(monkeypatch)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        read_table(path)
    assert "parts in the archive (at most 1,000)" in str(refused.value)


def test_a_workbook_within_the_limits_is_read(tmp_path):
    # given an ordinary workbook
    path = _workbook(tmp_path / "orgs.xlsx")
    # when
    table = read_table(path)
    # then
    assert table.rows == [(2, ["甲", "社工事务所", "110101"])]


def test_the_import_command_refuses_a_bomb_in_one_line(db, sheet_bomb):
    # given the zip bomb
    # when
    outcome = run_command("organizations", str(sheet_bomb), "--lang", "en")
    # then
    assert outcome.code == 1
    assert outcome.err_lines == [
        "CommandError: cannot read bomb.xlsx: xl/worksheets/sheet1.xml inflates 1,028 times "
        "(at most 200); this is beyond what an import reads. Split the workbook or save it "
        "as CSV (UTF-8)."
    ]
    assert Organization.objects.count() == 0


_MEASURE = """
import json, resource, sys
import django
django.setup()
from shuniu.interop.tables import FileRefused, open_table
try:
    for _row in open_table(sys.argv[1]).rows:
        pass
    outcome = "read"
except FileRefused:
    outcome = "refused"
# On Linux ru_maxrss starts at the RSS of the parent that started this process (a pytest
# worker grown past 300 MB by earlier tests); VmHWM is this process's own peak.
try:
    with open("/proc/self/status") as status:
        peak_kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
except OSError:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "peak_mb": peak_kib / 1024}))
"""


def test_reading_a_bomb_stays_under_300_mb(sheet_bomb):
    # given the zip bomb, read in a fresh process (peak memory is per process)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    # when
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(sheet_bomb)],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    # then
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["outcome"] == "refused"
    assert measured["peak_mb"] < 300, measured


def _shared_strings_workbook(path: Path, megabytes: float) -> Path:
    """A workbook whose shared strings are the shortest distinct ones: the most objects
    openpyxl can make of that many bytes."""
    source = _workbook(path.with_name("plain.xlsx"))
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            if entry.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            out.writestr(entry.filename, data, zipfile.ZIP_DEFLATED)
        parts = [b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
        size, number = 0, 0
        while size < megabytes * MiB:
            part = b"<si><t>%x</t></si>" % number
            parts.append(part)
            size, number = size + len(part), number + 1
        parts.append(b"</sst>")
        out.writestr("xl/sharedStrings.xml", b"".join(parts), zipfile.ZIP_DEFLATED)
    return path


def _styles_workbook(path: Path, megabytes: float) -> Path:
    """A workbook whose styles.xml holds that many bytes of distinct cell formats."""
    source = _workbook(path.with_name("plain.xlsx"))
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename == "xl/styles.xml":
                formats, size = [], 0
                while size < megabytes * MiB:
                    number = len(formats)
                    part = b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"/>' % (
                        (number * 7919) % 1_000_003
                    )
                    formats.append(part)
                    size += len(part)
                start, end = data.index(b"<cellXfs"), data.index(b"</cellXfs>")
                data = (
                    data[:start]
                    + b'<cellXfs count="%d">' % len(formats)
                    + b"".join(formats)
                    + data[end:]
                )
            out.writestr(entry.filename, data, zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize("build", [_shared_strings_workbook, _styles_workbook])
def test_parts_read_whole_just_within_the_limit_stay_under_300_mb(tmp_path, build):
    # given 9.9 MB of the shortest distinct shared strings (about 500,000 of them), or of
    # distinct cell formats
    path = build(tmp_path / "parts.xlsx", 9.9)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    # when the workbook is read in a fresh process
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    # then it is read, within the memory promised
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["outcome"] == "read"
    assert measured["peak_mb"] < 300, measured


def test_a_formula_without_a_computed_value_is_a_cell_error(db, tmp_path):
    # given a workbook written by a program: openpyxl stores =A1+1 with no computed value
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["名称", "类型", "登记管理机关区划", "地址"])
    sheet.append(["甲社工事务所", "社工事务所", "110101", "=A1+1"])
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    # when
    outcome = run_command("organizations", str(path), "--lang", "en")
    # then
    assert outcome.code == 1
    assert outcome.err_lines[0] == (
        "row 2, column 地址: a formula without a computed value; save the file in Excel or "
        "paste values"
    )
    assert Organization.objects.count() == 0


def test_a_formula_with_a_computed_value_is_read_as_its_value(tmp_path):
    # given a sheet as Excel saves it: the formula and its computed value
    path = _workbook(tmp_path / "saved.xlsx")
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace(
        "<t>110101</t></is></c>",
        '<t>110101</t></is></c><c r="D2"><f>1+1</f><v>2</v></c>'
        '<c r="E2" t="str"><f>""</f><v></v></c><c r="F2"><f>1+2</f></c>',
    )
    assert "<f>1+1</f>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as rewritten:
        for name, data in parts.items():
            rewritten.writestr(name, data)
    # when
    table = read_table(path)
    # then the computed value is read, an empty result is blank, a missing one is marked
    assert table.rows == [
        (2, ["甲", "社工事务所", "110101", 2, None, tables.FORMULA_WITHOUT_VALUE]),
    ]


def test_the_web_upload_refuses_a_bomb_without_parsing_it(
    db, sheet_bomb, xicheng_officer, settings, tmp_path, monkeypatch
):
    # given an officer uploading the zip bomb, and openpyxl that must not run
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.workspace_helpers import logged_in, text_of

    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    client = logged_in(xicheng_officer)
    _refuse_parsing(monkeypatch)
    upload = SimpleUploadedFile("bomb.xlsx", sheet_bomb.read_bytes())
    # when
    response = client.post("/workspace/import/", {"file": upload})
    # then the page says why in one line and nothing is written
    assert text_of(response.content.decode(), "import-refused") == (
        "cannot read bomb.xlsx: xl/worksheets/sheet1.xml inflates 1,028 times (at most 200); "
        "this is beyond what an import reads. Split the workbook or save it as CSV (UTF-8)."
    )
    assert Organization.objects.count() == 0


def test_the_people_import_reports_a_formula_without_a_value_too(db, tmp_path):
    # given a people workbook whose name cell is a formula written by a program
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号"])
    sheet.append(['=CONCAT("张","三")', "110101199003070014"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    # when
    outcome = run_command("people", str(path), "--lang", "en")
    # then
    assert outcome.code == 1
    assert outcome.err_lines[0] == (
        "row 2, column 姓名: a formula without a computed value; save the file in Excel or "
        "paste values"
    )


def _read_or_refusal(path: Path) -> str:
    try:
        with translation.override("en"):
            list(read_table(path).rows)
    except FileRefused as refused:
        return str(refused)
    return "read"


@settings_hypothesis(max_examples=60, deadline=None)
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_are_read_or_refused_with_a_message(data, suffix):
    # given any bytes in a file named .csv or .xlsx
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(data)
        # when
        outcome = _read_or_refusal(path)
        # then the table is read, or refused with FileRefused: never another error
        assert outcome == "read" or outcome.startswith(f"cannot read file{suffix}: ")


@settings_hypothesis(max_examples=30, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000))
def test_any_bytes_in_a_workbook_s_parts_are_read_or_refused(data):
    # given a real workbook whose sheet XML is replaced by any bytes
    with tempfile.TemporaryDirectory() as folder:
        source = _workbook(Path(folder) / "source.xlsx")
        path = Path(folder) / "broken.xlsx"
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as broken:
            for entry in original.infolist():
                content = original.read(entry.filename)
                if entry.filename == "xl/worksheets/sheet1.xml":
                    content = data
                broken.writestr(entry, content)
        # when
        outcome = _read_or_refusal(path)
        # then
        assert outcome == "read" or outcome.startswith("cannot read broken.xlsx: ")


def test_a_damaged_sheet_is_refused_in_one_line(db, tmp_path):
    # given a workbook whose sheet XML is cut short
    source = _workbook(tmp_path / "source.xlsx")
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as damaged:
        for entry in original.infolist():
            content = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            damaged.writestr(entry, content)
    # when
    outcome = run_command("organizations", str(path), "--lang", "en")
    # then
    assert outcome.code == 1
    assert outcome.err_lines == [
        "CommandError: cannot read damaged.xlsx: the workbook is damaged (ParseError)"
    ]
