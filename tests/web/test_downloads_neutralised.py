"""Every CSV and XLSX the platform writes keeps text that looks like a formula as text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from shuniu.divisions.models import Division
from shuniu.interop.cells import neutralise, neutralise_row
from shuniu.registry.models import ServiceField

HOSTILE = {
    "110101": '=HYPERLINK("http://x","y")',
    "110102": "@SUM(1)",
    "110105": "-2+3",
    "110106": "\tx",
}
SAFE = {
    "110101": '\'=HYPERLINK("http://x","y")',
    "110102": "'@SUM(1)",
    "110105": "'-2+3",
    "110106": "'\tx",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("东城区", "东城区"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
        (dt.date(2010, 1, 1), dt.date(2010, 1, 1)),
    ],
)
def test_neutralise_prefixes_text_that_starts_a_formula_and_keeps_numbers(value, expected):
    # given a cell value / when / then
    assert neutralise(value) == expected


@given(st.text())
def test_no_neutralised_text_starts_a_formula_and_none_loses_a_character(text):
    # given any text / when
    safe = neutralise(text)
    # then it does not start like a formula, and it is the text or the text after a quote
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe in (text, "'" + text)


@given(st.integers() | st.floats(allow_nan=False))
def test_numbers_are_never_changed(number):
    assert neutralise(number) == number


def test_neutralise_row_keeps_the_order():
    assert neutralise_row(["=1", 1, "x"]) == ["'=1", 1, "x"]


@pytest.fixture
def hostile_divisions(db):
    """Division names that a spreadsheet would run, were they written as they are."""
    for code, name in HOSTILE.items():
        Division.objects.filter(code=code).update(name=name)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    # A formula would be stored as such (data type "f"); every cell here must not be.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _names(rows, column: int) -> dict[str, object]:
    return {row[0]: row[column] for row in rows[1:] if row[0] in HOSTILE}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_download_neutralises_names(client, hostile_divisions, fmt):
    # given divisions named like formulas
    # when the districts chart is downloaded
    response = client.get(
        f"/dashboard/download/?region=110000&as_of=2012-11-30&chart=districts&format={fmt}"
    )
    # then each name is text starting with a quote, and the counts stay numbers
    rows = _csv(response) if fmt == "csv" else _xlsx(response)
    assert _names(rows, 1) == SAFE
    if fmt == "xlsx":
        assert all(isinstance(row[3], int) for row in rows[1:])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_workforce_download_neutralises_names(client, hostile_divisions, fmt):
    # given divisions named like formulas
    # when the workforce districts chart is downloaded
    response = client.get(
        f"/workforce/download/?region=110000&as_of=2012-11-30&chart=districts&format={fmt}"
    )
    # then
    rows = _csv(response) if fmt == "csv" else _xlsx(response)
    assert _names(rows, 1) == SAFE


def test_import_template_neutralises_help_values(db, tmp_path):
    # given a service field whose names look like formulas
    ServiceField.objects.create(code="zz", name='=HYPERLINK("http://x","y")', name_en="@SUM(1)")
    path = tmp_path / "template.xlsx"
    # when the template is written
    call_command("import", "template", "organizations", str(path))
    # then the help sheet holds them as text, and no cell anywhere is a formula
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    help_rows = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert ('\'=HYPERLINK("http://x","y")', "zz", "'@SUM(1)", None) in help_rows
