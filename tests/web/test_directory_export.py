"""The directory's search as CSV or XLSX: every match, public fields, no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuniu.registry.models import Organization
from shuniu.web.views import directory_export
from tests.factories import make_organization

URL = "/organizations/export"
HEADERS_EN = [
    "Unified social credit code",
    "Name",
    "English name",
    "Kind",
    "Status",
    "District",
    "Formation",
    "Founded on",
    "Registered on",
    "Service fields",
]
HOSTILE = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.cookies["django_language"] = "en"
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def orgs(db):
    hostile = make_organization(
        name=HOSTILE, name_en="@SUM(1)", division="110101", registered_on=dt.date(2010, 7, 1)
    )
    Organization.objects.filter(pk=hostile.pk).update(
        uscc_override_reason="内部说明，不公开", source="内部来源"
    )
    plain = make_organization(name="东城区助人社工事务所", division="110101")
    other = make_organization(name="西城区仁助社会工作事务所", division="110102")
    return {"hostile": hostile, "plain": plain, "other": other}


def test_csv_of_a_search_holds_every_match_with_public_fields_neutralised(english, orgs):
    # given three organizations, two of them in 东城
    # when anyone (not logged in) downloads the search for 东城
    response = english.get(f"{URL}.csv?district=110101")
    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="shuniu-organizations-{today}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == HEADERS_EN
    hostile = orgs["hostile"]
    assert rows[1:] == [
        [
            hostile.uscc,
            "'" + HOSTILE,
            "'@SUM(1)",
            "Social-work agency",
            "Registered",
            "Dongcheng District",
            "",
            "",
            "2010-07-01",
            "",
        ],
        [
            orgs["plain"].uscc,
            "东城区助人社工事务所",
            "",
            "Social-work agency",
            "Registered",
            "Dongcheng District",
            "",
            "",
            "2010-01-01",
            "",
        ],
    ]
    body = "\n".join(",".join(row) for row in rows)
    assert "内部" not in body


def test_xlsx_of_a_search_in_chinese(client, orgs):
    # given the default language (zh-hans)
    # when the search for 仁助 is downloaded as XLSX
    response = client.get(f"{URL}.xlsx?q=仁助")
    # then the headers are in Chinese, dates are dates and no cell is a formula
    rows = xlsx_rows(response)
    assert rows[0][:3] == ("统一社会信用代码", "名称", "英文名称")
    assert [row[1] for row in rows[1:]] == ["西城区仁助社会工作事务所"]
    assert rows[1][8] == dt.datetime(2010, 1, 1)  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone


def test_xlsx_keeps_a_formula_name_as_text(english, orgs):
    # when
    rows = xlsx_rows(english.get(f"{URL}.xlsx?q=HYPERLINK"))
    # then
    assert [row[1:3] for row in rows[1:]] == [("'" + HOSTILE, "'@SUM(1)")]


def test_the_directory_page_links_the_export_of_its_search(english, orgs):
    # when
    page = english.get("/organizations/?district=110101&sort=name").content.decode()
    # then
    assert 'href="/organizations/export.csv?district=110101&amp;sort=name"' in page
    assert 'href="/organizations/export.xlsx?district=110101&amp;sort=name"' in page


def test_a_bad_query_is_a_400_naming_the_field(english, db):
    # when
    response = english.get(f"{URL}.csv?kind=nonsense")
    # then
    assert response.status_code == 400
    assert response.content.decode() == (
        "kind (Kind): Unknown organization kind “nonsense”: choose one from the list.\n"
    )


def test_an_unknown_format_is_a_404(english, db):
    assert english.get(f"{URL}.pdf").status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(captured)


def test_the_query_count_depends_on_chunks_not_rows(english, db, monkeypatch):
    # given reads of 2 organizations at a time, and 3, 5 then 7 organizations (2, 3 and 4
    # chunks, the last one part full)
    monkeypatch.setattr(directory_export, "CHUNK", 2)
    counts = []
    for total in (3, 5, 7):
        while Organization.objects.count() < total:
            make_organization()
        # when
        counts.append(_queries(english, f"{URL}.csv"))
    # then each chunk costs the same two queries (page, service fields): the matches are
    # not counted again for every chunk, and the rows of a chunk cost nothing more
    assert [counts[1] - counts[0], counts[2] - counts[1]] == [2, 2]
    # and one chunk of 100 reads them all in one round
    monkeypatch.setattr(directory_export, "CHUNK", 100)
    assert _queries(english, f"{URL}.csv") == counts[0] - 2
