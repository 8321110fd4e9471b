"""Reading files, cells and headers (no database)."""

from __future__ import annotations

import codecs
import datetime as dt

import openpyxl
import pytest
from django.utils import translation

from shuniu.interop import values
from shuniu.interop.columns import map_headers
from shuniu.interop.organizations import COLUMNS, choice_sets
from shuniu.interop.tables import FileRefused, Table, decode_csv, read_table

TEXT = "名称,类型\r\n东城区助人社工事务所,社工事务所\r\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("gb18030"),
        TEXT.encode("gbk"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gb18030", "gbk"],
)
def test_csv_in_utf8_or_gb18030_is_decoded(data):
    # given a CSV in one of the encodings Excel writes
    # when
    text = decode_csv(data, "orgs.csv")
    # then
    assert text == TEXT


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-le"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "名称".encode() + b"\x80\x80",
    ],
    ids=["utf-16 with BOM", "utf-16 without BOM", "binary", "neither"],
)
def test_csv_in_another_encoding_is_refused(data):
    # given bytes that are neither UTF-8 nor GB18030 text
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        decode_csv(data, "orgs.csv")
    assert str(refused.value) == "cannot read orgs.csv: not UTF-8 or GB18030 text"


def test_rows_keep_their_spreadsheet_numbers(tmp_path):
    # given a CSV with a blank line and an empty record between data rows
    path = tmp_path / "orgs.csv"
    path.write_text("名称,类型,\r\n甲,社工事务所,\r\n\r\n,,\r\n乙,协会,\r\n", encoding="utf-8")
    # when
    table = read_table(path)
    # then the header is row 1 and the blank rows count but are skipped
    assert table.headers == ["名称", "类型"]
    assert table.rows == [(2, ["甲", "社工事务所", ""]), (5, ["乙", "协会", ""])]


def test_xlsx_first_sheet_is_read_with_typed_cells(tmp_path):
    # given a workbook whose data sheet comes first and help sheet second
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["名称", "登记管理机关区划", "登记日期"])
    sheet.append(["甲", 110101, dt.date(2010, 7, 1)])
    workbook.create_sheet("help").append(["not data"])
    path = tmp_path / "orgs.xlsx"
    workbook.save(path)
    # when
    table = read_table(path)
    # then
    assert table.headers == ["名称", "登记管理机关区划", "登记日期"]
    assert table.rows == [(2, ["甲", 110101, dt.datetime(2010, 7, 1)])]  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orgs.xls", b"x", "cannot read orgs.xls: unsupported file type .xls; use .csv or .xlsx"),
        ("orgs", b"x", "cannot read orgs: unsupported file type -; use .csv or .xlsx"),
        ("orgs.xlsx", b"name,kind\n", "cannot read orgs.xlsx: not an Excel workbook (.xlsx)"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, message):
    # given
    path = tmp_path / name
    path.write_bytes(content)
    # when / then
    with translation.override("en"), pytest.raises(FileRefused) as refused:
        read_table(path)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2010-07-01", (dt.date(2010, 7, 1), "day")),
        ("2010/7/1", (dt.date(2010, 7, 1), "day")),
        ("2010年7月1日", (dt.date(2010, 7, 1), "day")),
        ("2010-07-01 00:00:00", (dt.date(2010, 7, 1), "day")),
        ("2010-07", (dt.date(2010, 7, 1), "month")),
        ("2010/7", (dt.date(2010, 7, 1), "month")),
        ("2010年7月", (dt.date(2010, 7, 1), "month")),
        ("2010", (dt.date(2010, 1, 1), "year")),
        (2010, (dt.date(2010, 1, 1), "year")),
        (dt.datetime(2010, 7, 1), (dt.date(2010, 7, 1), "day")),  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone
        (dt.date(2010, 7, 1), (dt.date(2010, 7, 1), "day")),
        ("", None),
        (None, None),
    ],
)
def test_dates_are_read_as_people_write_them(cell, expected):
    # given / when / then
    assert values.date(cell) == expected


@pytest.mark.parametrize("cell", ["2010-02-30", "2010-13", "01/07/2010", "July 2010", 40360])
def test_other_dates_are_refused(cell):
    # given / when / then
    with translation.override("en"), pytest.raises(values.CellError) as refused:
        values.date(cell)
    assert str(refused.value) == (
        f"{cell} is not a date; write YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日 or YYYY-MM."
    )


@pytest.mark.parametrize(
    ("field", "cell", "code"),
    [
        ("kind", "agency", "agency"),
        ("kind", "社工事务所", "agency"),
        ("kind", "社会工作服务机构", "agency"),
        ("kind", "Social-work agency", "agency"),
        ("kind", " 社工协会 ", "association"),
        ("kind", "第三方评估机构", "evaluation"),
        ("legal_form", "民办非企业单位", "social_service"),
        ("legal_form", "社会团体", "social_group"),
        ("formation", "校地合作", "university_local"),
        ("formation", "University-local cooperation", "university_local"),
        ("formation", "以会带所", "association_led"),
        ("association_level", "区级", "district"),
        ("kind", "", ""),
    ],
)
def test_choices_are_read_by_code_label_or_chinese_name(field, cell, code):
    # given / when / then
    assert choice_sets()[field].parse(cell) == code


def test_unknown_choice_lists_the_allowed_values():
    # given / when / then
    with translation.override("en"), pytest.raises(values.CellError) as refused:
        choice_sets()["formation"].parse("外包")
    assert str(refused.value) == (
        "Unknown value 外包; one of: 整合改造 (transformation), 校地合作 (university_local), "
        "以会带所 (association_led), 民间自办 (independent)."
    )


def test_lists_split_on_chinese_and_western_separators():
    # given / when / then
    assert values.split_list("青少年；老年人，残障、家庭;school,medical|other") == [
        "青少年",
        "老年人",
        "残障",
        "家庭",
        "school",
        "medical",
        "other",
    ]


def test_cells_read_as_text_without_excel_float_noise():
    # given / when / then
    assert [values.text(v) for v in (110101, 110101.0, " 甲  乙 ", None)] == [
        "110101",
        "110101",
        "甲 乙",
        "",
    ]


def test_headers_match_in_either_language_ignoring_case_and_spaces():
    # given headers mixing Chinese and English, odd case and spacing
    table = Table("f.csv", ["名称", "Registrar Division", " KIND ", "name_en", "成立日期"])
    # when
    headers = map_headers(table, COLUMNS)
    # then
    assert headers.problems == []
    assert headers.positions == {
        "name": 0,
        "registrar_division": 1,
        "kind": 2,
        "name_en": 3,
        "founded_on": 4,
    }
    assert headers.label("registrar_division") == "Registrar Division"
    assert headers.label("address") == "地址/address"


def test_unknown_repeated_and_missing_columns_are_header_problems():
    # given a header row with an unknown, a repeated, a blank-but-used column and no kind
    table = Table(
        "f.csv",
        ["名称", "备注", "name", "", "登记管理机关区划"],
        [(2, ["甲", "", "", "x", "东城区"])],
    )
    # when
    with translation.override("en"):
        headers = map_headers(table, COLUMNS)
    # then
    with translation.override("en"):
        assert [str(p) for p in headers.problems] == [
            "row 1, column 备注: unknown column; the template lists the columns allowed",
            "row 1, column name: the same column as 名称",
            "row 1, column D: this column has no header",
            "row 1, column 类型/kind: this required column is missing",
        ]


def test_column_keys_and_headers_are_all_distinct():
    # given the organization columns / when
    keys = [c.key for c in COLUMNS] + [c.header for c in COLUMNS]
    # then no header can be read as two columns
    assert len(set(keys)) == len(keys) == 28
