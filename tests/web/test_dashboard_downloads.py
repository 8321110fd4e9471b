"""Downloads of each chart's numbers as CSV (UTF-8 with a BOM) and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_organization
from tests.web.html import table_rows

BASE = "/dashboard/download/"


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> tuple[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[0]
    return sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_districts_csv(english, small_beijing):
    # given 崇文's agency, in a division that still existed at the end of 2009
    # when
    response = english.get(f"{BASE}?region=110000&as_of=2009-12-31&chart=districts&format=csv")
    # then one row per division of the date, with the shape it is drawn in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="shuniu-110000-2009-12-31-districts.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbfCode,District,English name,Count,Drawn as\r\n")
    rows = csv_rows(response)
    assert rows[0] == ["Code", "District", "English name", "Count", "Drawn as"]
    assert rows[1:5] == [
        ["110101", "东城区", "Dongcheng District", "0", "110101"],
        ["110102", "西城区", "Xicheng District", "0", "110102"],
        ["110103", "崇文区", "Chongwen District", "1", "110101"],
        ["110104", "宣武区", "Xuanwu District", "0", "110102"],
    ]
    assert rows[-2:] == [
        ["110228", "密云县", "Miyun County", "0", "110118"],
        ["110229", "延庆县", "Yanqing County", "0", "110119"],
    ]
    assert len(rows) == 1 + 18


def test_series_csv(english, small_beijing):
    # given / when
    response = english.get(f"{BASE}?region=110000&as_of=2011-12-31&chart=series&format=csv")
    # then
    assert csv_rows(response) == [
        [
            "Year end",
            "Total",
            "Registered",
            "Registering",
            "Districts covered",
            "Districts total",
        ],
        ["2009-12-31", "1", "1", "0", "1", "18"],
        ["2010-12-31", "2", "2", "0", "1", "16"],
        ["2011-12-31", "3", "2", "1", "2", "16"],
        ["2012-12-31", "3", "2", "1", "2", "16"],
    ]


def test_kinds_and_formations_csv_for_every_kind(english, small_beijing):
    # given / when
    kinds = english.get(f"{BASE}?region=110000&as_of=2011-12-31&kind=all&chart=kinds&format=csv")
    formations = english.get(
        f"{BASE}?region=110000&as_of=2011-12-31&kind=all&chart=formations&format=csv"
    )
    # then the kind is in the file name when it is not the default
    assert kinds["Content-Disposition"] == (
        'attachment; filename="shuniu-110000-2011-12-31-all-kinds.csv"'
    )
    assert csv_rows(kinds) == [
        ["Kind", "Label", "Count"],
        ["agency", "Social-work agency", "3"],
        ["association", "Association", "1"],
    ]
    assert csv_rows(formations) == [
        ["Formation", "Label", "Count"],
        ["transformation", "Transformation", "1"],
        ["university_local", "University-local cooperation", "1"],
        ["association_led", "Association-led", "1"],
        ["unknown", "Not recorded", "1"],
    ]


def test_csv_headers_follow_the_readers_language(client, small_beijing):
    # given no language chosen (the default, Chinese)
    # when
    response = client.get(f"{BASE}?region=110000&as_of=2011-12-31&chart=kinds&format=csv")
    # then the labels are those the page shows
    assert csv_rows(response)[1] == ["agency", "社会工作服务机构", "3"]


def test_district_region_csv(english, small_beijing):
    # given / when
    response = english.get(f"{BASE}?region=110101&as_of=2011-12-31&chart=districts&format=csv")
    # then
    assert response["Content-Disposition"] == (
        'attachment; filename="shuniu-110101-2011-12-31-districts.csv"'
    )
    assert csv_rows(response)[1:] == [["110101", "东城区", "Dongcheng District", "2", "110101"]]


def test_districts_xlsx_reads_back(english, small_beijing):
    # given / when
    response = english.get(f"{BASE}?region=110000&as_of=2011-12-31&chart=districts&format=xlsx")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="shuniu-110000-2011-12-31-districts.xlsx"'
    )
    title, rows = xlsx_rows(response)
    assert title == "districts"
    assert rows[0] == ("Code", "District", "English name", "Count", "Drawn as")
    assert rows[1:3] == [
        ("110101", "东城区", "Dongcheng District", 2, "110101"),
        ("110102", "西城区", "Xicheng District", 1, "110102"),
    ]
    assert len(rows) == 1 + 16
    assert sum(row[3] for row in rows[1:]) == 3


def test_series_xlsx_has_real_dates(english, small_beijing):
    # given / when
    response = english.get(f"{BASE}?region=110000&as_of=2011-12-31&chart=series&format=xlsx")
    # then
    _title, rows = xlsx_rows(response)
    assert rows[1] == (dt.datetime(2009, 12, 31), 1, 1, 0, 1, 18)  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone
    assert rows[4] == (dt.datetime(2012, 12, 31), 3, 2, 1, 2, 16)  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone


def test_downloads_hold_the_numbers_the_page_shows(english, small_beijing):
    # given
    query = "region=110000&as_of=2011-12-31"
    page = english.get(f"/?{query}").content.decode()
    # when
    districts = csv_rows(english.get(f"{BASE}?{query}&chart=districts&format=csv"))
    formations = csv_rows(english.get(f"{BASE}?{query}&chart=formations&format=csv"))
    # then
    assert [[code, count] for code, _name, count in table_rows(page, "district-table")[1:-1]] == [
        [row[0], row[3]] for row in districts[1:]
    ]
    assert table_rows(page, "formation-table")[1:] == [[row[1], row[2]] for row in formations[1:]]


def test_page_links_to_every_download(client, small_beijing):
    # given / when
    html = client.get("/?region=110102&as_of=2011-12-31&kind=all").content.decode()
    # then
    for chart in ("series", "districts", "kinds", "formations"):
        for fmt in ("csv", "xlsx"):
            link = (
                f'href="/dashboard/download/?region=110102&amp;as_of=2011-12-31&amp;kind=all'
                f'&amp;chart={chart}&amp;format={fmt}"'
            )
            assert link in html


@pytest.mark.parametrize(
    ("query", "line"),
    [
        (
            "format=csv",
            "chart (Chart): Say which chart: one of series, districts, kinds, formations.",
        ),
        (
            "chart=pie&format=csv",
            "chart (Chart): Unknown chart “pie”: one of series, districts, kinds, formations.",
        ),
        ("chart=series", "format (File format): Say which file format: one of csv, xlsx."),
        (
            "chart=series&format=pdf",
            "format (File format): Unknown file format “pdf”: one of csv, xlsx.",
        ),
        (
            "chart=series&format=csv&as_of=2010-02-30",
            "as_of (As of): Not a date: write it as YYYY-MM-DD, for example 2010-12-31.",
        ),
        (
            "chart=series&format=csv&kind=robot",
            "kind (Organization kind): Unknown organization kind “robot”: "
            "choose one from the list.",
        ),
        (
            "chart=series&format=csv&region=999999",
            "region (Region): “999999” is not one of the regions offered: "
            "choose one from the list.",
        ),
        (
            "chart=districts&format=csv&region=110103&as_of=2011-01-01",
            "region (Region): 崇文区 (110103) no longer existed on 2011-01-01: "
            "its territory was part of 东城区 (110101).",
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(english, db, query, line):
    # given / when
    response = english.get(f"{BASE}?{query}")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == line + "\n"
    assert "Content-Disposition" not in response


def test_every_bad_parameter_is_named_at_once(english, db):
    # given / when
    response = english.get(f"{BASE}?chart=x&format=y&as_of=z")
    # then
    assert response.status_code == 400
    assert [line.split(" ")[0] for line in response.content.decode().splitlines()] == [
        "as_of",
        "chart",
        "format",
    ]


def test_bad_value_is_not_rendered_as_markup(english, db):
    # given / when
    response = english.get(f"{BASE}?chart=<script>&format=csv")
    # then plain text, never HTML
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_only_reading_methods_are_allowed(client, small_beijing):
    # given / when
    response = client.post(f"{BASE}?region=110000&chart=series&format=csv")
    # then
    assert response.status_code == 405


@pytest.mark.parametrize("chart", ["series", "districts", "kinds", "formations"])
def test_download_query_count_does_not_grow(client, small_beijing, chart):
    # given
    url = f"{BASE}?region=110000&as_of=2011-12-31&kind=all&chart={chart}&format=xlsx"

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count_queries()
    for n in range(8):
        make_organization(division=("110105", "110103")[n % 2], registered_on=dt.date(2009, 5, 1))
    # when
    many = count_queries()
    # then
    assert many == few
