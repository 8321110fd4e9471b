"""The public workforce page and its downloads: exact figures on a small Beijing worked out
by hand, the pipeline, published beside computed, CSV (with a BOM) and XLSX files, bad
input named, aggregates only, and escaping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.divisions.models import Division
from shuniu.targets.models import PublishedFigure
from shuniu.web.views.workforce.public import _agreement
from shuniu.workforce.services import (
    certificate_revoke,
    cohort_record,
    placement_add,
    programme_create,
)
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.workforce.factories import SYSTEM, employ, make_certificate, make_person

d = dt.date
D = d(2012, 11, 30)
PAGE = "/workforce/"
DOWNLOAD = "/workforce/download/"
QUERY = "?region=110000&as_of=2012-11-30"


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def publish(code: str, metric: str, value: int, as_of: dt.date, qualifier: str = "", **extra):
    return PublishedFigure.objects.create(
        region=division(code),
        metric=metric,
        value=Decimal(value),
        qualifier=qualifier,
        as_of=as_of,
        as_of_precision="day",
        source=extra.pop("source", "test report"),
        **extra,
    )


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def world(db):
    """Beijing on 2012-11-30: three certified people (one per level), two of them at an
    agency; one uncertified worker who left; a university; a programme; published figures.

    p1 junior 2009 in 宣武 (merged into 西城) then intermediate 2011 in 海淀, at the agency
    from 2011; p2 junior 2010 in 崇文 (merged into 东城), at the agency from March 2011; p3
    revoked in January 2012; p4 certified only after the date; p5 senior, registered with
    the city; p6 in Shanghai; p7 uncertified, at the agency from June 2010 to October 2012.
    """
    agency = make_organization(name="西城甲社工事务所", division="110102")
    shanghai_agency = make_organization(division="310115", registered_on=d(2008, 1, 1))
    people = {name: make_person(name=f"人员{name}") for name in ("p1", "p2", "p3", "p4", "p5")}
    p1, p2, p3, p4, p5 = people.values()
    make_certificate(p1, issued_on=d(2009, 11, 1), division="110104", number="C-P1-J")
    make_certificate(
        p1, level="intermediate", issued_on=d(2011, 11, 1), division="110108", number="C-P1-I"
    )
    employ(p1, agency, starts_on=d(2011, 1, 1))
    make_certificate(p2, issued_on=d(2010, 3, 1), division="110103", number="C-P2-J")
    employ(p2, agency, starts_on=d(2011, 3, 1))
    revoked = make_certificate(p3, issued_on=d(2010, 11, 1), division="110102")
    certificate_revoke(actor=SYSTEM, certificate=revoked, revoked_on=d(2012, 1, 1))
    make_certificate(p4, issued_on=d(2012, 12, 15), division="110102")
    make_certificate(p5, level="senior", issued_on=d(2011, 11, 1), division="110000")
    p6 = people["p6"] = make_person(name="人员p6")
    make_certificate(p6, issued_on=d(2010, 11, 1), division="310115")
    employ(p6, shanghai_agency, starts_on=d(2011, 1, 1))
    p7 = people["p7"] = make_person(name="人员p7")
    employ(p7, agency, starts_on=d(2010, 6, 1), ends_on=d(2012, 10, 1))
    university = make_organization(
        kind="university", division="110108", legal_form="public_institution", registered_on=None
    )
    for year, level, graduates in (
        (2011, "bachelor", 100),
        (2012, "bachelor", 120),
        (2012, "master", 30),
        (2013, "bachelor", 140),
    ):
        cohort_record(
            actor=SYSTEM, university=university, year=year, degree_level=level, graduates=graduates
        )
    programme = programme_create(actor=SYSTEM, name="计划", region=division("110000"), year=2009)
    for person, code in ((p1, "110104"), (p7, "110105"), (p4, "110108")):
        placement_add(
            actor=SYSTEM,
            programme=programme,
            person=person,
            division=division(code),
            starts_on=d(2009, 9, 1),
        )
    publish("110000", "certified_workers", 3, D, note="持证")
    publish("110000", "programme_placements", 2, d(2009, 12, 31), "over")
    publish("110000", "graduates_per_year", 160, D, "nearly")
    publish("310000", "certified_workers", 14000, D, "nearly")
    return people


def text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return " ".join(match.group(1).split())


def title(html: str) -> str:
    match = re.search(r'<h1[^>]*id="page-title"[^>]*>(.*?)</h1>', html, re.S)
    assert match
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def chart_data(html: str) -> dict:
    match = re.search(r'<script id="workforce-data" type="application/json">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


# --- the page --------------------------------------------------------------------------------


def test_the_figures_of_a_city_on_a_date(english, world):
    # when
    response = english.get(PAGE + QUERY)
    html = response.content.decode()
    # then p1, p2 and p5 are certified, once each at their highest level
    assert response.status_code == 200
    assert text(html, "figure-certified") == "3"
    assert text(html, "figure-agencies") == "2"
    assert text(html, "figure-staff") == "2"
    assert text(html, "figure-placed") == "3"
    assert table_rows(html, "levels-table") == [
        ["Label", "Certified people", "Share (%)"],
        ["Junior social worker", "1", "33.3"],
        ["Intermediate social worker", "1", "33.3"],
        ["Senior social worker", "1", "33.3"],
    ]
    assert table_rows(html, "employment-table") == [
        ["Label", "People"],
        ["Certified", "3"],
        ["Certified, employed in the sector", "2"],
        ["Certified, employed by agencies", "2"],
        ["Agency staff, certified or not", "2"],
    ]


def test_districts_follow_the_divisions_of_the_date(english, world):
    # when
    html = english.get(PAGE + QUERY).content.decode()
    rows = table_rows(html, "districts-table")
    # then 崇文's certificate counts in 东城, and p5's city registration makes the last row
    assert rows[0] == ["Code", "District", "Certified people"]
    assert len(rows) == 1 + 16 + 1
    counted = {row[0]: row[2] for row in rows[1:] if row[2] != "0"}
    assert counted == {"110101": "1", "110108": "1", "110000": "1"}
    assert rows[-1] == ["110000", "Beijing (registered with the city, no district)", "1"]
    assert "1 person registered with the city itself" in text(html, "districts-note")
    # and the chart draws the table's rows in its order
    bars = chart_data(html)["districts"]
    assert [b["value"] for b in bars] == [int(row[2]) for row in rows[1:]]
    assert bars[0] == {"name": "Dongcheng District", "value": 1}


def test_the_pipeline_funnel(english, world):
    # when
    html = english.get(PAGE + QUERY).content.decode()
    # then the 2013 cohort has not graduated; of the three placed only p1 is certified
    assert table_rows(html, "pipeline-table") == [
        ["Label", "People"],
        ["Social-work graduates of the region's universities", "250"],
        ["Placed by programmes", "3"],
        ["Placed by programmes and certified", "1"],
        ["Certified", "3"],
        ["Certified, employed in the sector", "2"],
    ]
    assert table_rows(html, "graduates-table") == [
        ["Year", "Graduates"],
        ["2011", "100"],
        ["2012", "150"],
    ]
    data = chart_data(html)
    assert [b["value"] for b in data["pipeline"]] == [250, 3, 1, 3, 2]
    assert data["graduates"] == [{"name": "2011", "value": 100}, {"name": "2012", "value": 150}]
    assert "Graduates of 1 university of the region" in text(html, "pipeline-note")


def test_retention_after_one_and_three_years(english, world):
    # when
    html = english.get(PAGE + QUERY).content.decode()
    # then a year before, p1, p2 and p7 worked for the agency and two still do; three
    # years before the agency was not yet registered, so there is no rate
    assert table_rows(html, "retention-table") == [
        ["Years", "Base date", "Employed then", "Still employed", "Retention (%)"],
        ["1", "2011-11-30", "3", "2", "66.7"],
        ["3", "2009-11-30", "0", "0", "—"],
    ]
    assert chart_data(html)["retention"] == [
        {"name": "after 1 year", "value": 66.7},
        {"name": "after 3 years", "value": None},
    ]


def test_published_figures_beside_the_computed_ones(english, world):
    # when
    html = english.get(PAGE + QUERY).content.decode()
    # then each published figure is read for what it says: equal, a bound, an approximation
    assert table_rows(html, "published-table") == [
        ["Figure", "Published", "Computed", "Agreement", "Source"],
        ["Certified social workers 持证", "3 2012-11-30", "3 2012-11-30", "matches", "test report"],
        [
            "Social-work graduates per year",
            "nearly 160 2012-11-30",
            "150 2012-11-30",
            "differs",
            "test report",
        ],
        [
            "Programme placements",
            "over 2 2009-12-31",
            # a figure of another date names both, and offers the computed one of its date
            "3 2012-11-30 computed on 2009-12-31",
            "consistent with the qualifier",
            "test report",
        ],
    ]
    assert re.findall(r'class="small computed-on-published" href="([^"]+)"', html) == [
        "?region=110000&amp;as_of=2009-12-31"
    ]
    # and the certified card carries its comparison
    card = re.search(
        r'data-metric="certified_workers" data-agreement="(\w+)">(.*?)<div', html, re.S
    )
    assert card is not None
    assert card.group(1) == "matches"
    assert " ".join(card.group(2).split()) == "published 3 / computed 3"


def test_shanghai_nearly_fourteen_thousand(english, world):
    # when
    html = english.get("/workforce/?region=310000&as_of=2012-11-30").content.decode()
    # then the qualified figure is shown as stated, beside the one certified person
    assert text(html, "figure-certified") == "1"
    assert table_rows(html, "published-table")[1] == [
        "Certified social workers",
        "nearly 14,000 2012-11-30",
        "1 2012-11-30",
        "differs",
        "test report",
    ]


@pytest.mark.parametrize(
    ("published", "qualifier", "computed", "expected"),
    [
        (11723, "", 11723, "matches"),
        (11723, "", 11722, "differs"),
        (14000, "nearly", 13876, "consistent"),  # the demo's Shanghai
        (14000, "nearly", 13300, "consistent"),
        (14000, "nearly", 13299, "differs"),
        (14000, "nearly", 14000, "differs"),
        (5000, "over", 5136, "consistent"),
        (5000, "over", 5000, "differs"),
        (5000, "about", 4750, "consistent"),
        (5000, "about", 5251, "differs"),
        (5000, "at least", 5000, "unknown"),
    ],
)
def test_agreement_of_a_qualified_figure(published, qualifier, computed, expected):
    assert _agreement(published, qualifier, computed) == expected


def test_a_district_page(english, world):
    # when
    html = english.get("/workforce/?region=110108&as_of=2012-11-30").content.decode()
    # then only 海淀's certificate, and the page says which city it lies in
    assert text(html, "figure-certified") == "1"
    assert table_rows(html, "districts-table") == [
        ["Code", "District", "Certified people"],
        ["110108", "Haidian District", "1"],
    ]
    assert title(html) == "Certified social workers · Haidian District Beijing"


def test_the_page_names_nobody(english, world):
    # when
    html = english.get(PAGE + QUERY).content.decode()
    # then aggregates only: no name, ID number or certificate number
    for person in world.values():
        assert person.name not in html
        assert person.id_masked not in html
    for number in ("C-P1-J", "C-P1-I", "C-P2-J"):
        assert number not in html
    # and no link to the people pages for an anonymous reader
    assert 'id="people-link"' not in html


def test_no_inline_script_or_style(english, world):
    response = english.get(PAGE + QUERY)
    html = response.content.decode()
    # the strict policy is sent, and the page needs no exception to it
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all('src="' in s or 'type="application/json"' in s for s in scripts)
    assert " style=" not in html
    assert "<style" not in html


def test_published_source_is_escaped(english, world):
    # given a source with markup in it
    publish("110000", "universities", 1, D, "over", source="<script>alert(1)</script>")
    # when
    html = english.get(PAGE + QUERY).content.decode()
    # then it is shown as text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_takes_a_fixed_number_of_queries(english, world):
    english.get(PAGE + QUERY)  # warm what is cached per process
    with CaptureQueriesContext(connection) as few:
        english.get(PAGE + QUERY)
    agency = make_organization(division="110105")
    for n in range(5):
        person = make_person()
        make_certificate(person, issued_on=d(2011, 1, 1), division="110105")
        employ(person, agency, starts_on=d(2011, 6, 1 + n))
    with CaptureQueriesContext(connection) as more:
        html = english.get(PAGE + QUERY).content.decode()
    assert text(html, "figure-certified") == "8"
    assert len(more) == len(few)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?region=999999", "Region", "“999999” is not one of the regions offered"),
        ("?region=110000&as_of=2012-02-30", "As of", "Not a date: write it as YYYY-MM-DD"),
        (
            "?region=110103&as_of=2012-11-30",
            "Region",
            "崇文区 (110103) no longer existed on 2012-11-30: its territory was part of 东城区",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(english, db, query, field, message):
    # when
    response = english.get(PAGE + query)
    html = response.content.decode()
    # then
    assert response.status_code == 400
    errors = re.search(r'id="query-errors">(.*?)</div>', html, re.S)
    assert errors is not None
    shown = " ".join(re.sub(r"<[^>]+>", "", errors.group(1)).split())
    assert f"{field}: {message}" in shown
    assert 'aria-invalid="true"' in html


# --- downloads -------------------------------------------------------------------------------


def test_levels_csv_has_a_bom_and_the_tables_numbers(english, world):
    # when
    response = english.get(DOWNLOAD + QUERY + "&chart=levels&format=csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="shuniu-workforce-110000-2012-11-30-levels.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbfLevel,Label,Certified people,Share (%)\r\n")
    assert csv_rows(response) == [
        ["Level", "Label", "Certified people", "Share (%)"],
        ["junior", "Junior social worker", "1", "33.3"],
        ["intermediate", "Intermediate social worker", "1", "33.3"],
        ["senior", "Senior social worker", "1", "33.3"],
    ]


def test_pipeline_retention_and_published_csv(english, world):
    # when
    pipeline = csv_rows(english.get(DOWNLOAD + QUERY + "&chart=pipeline&format=csv"))
    retention = csv_rows(english.get(DOWNLOAD + QUERY + "&chart=retention&format=csv"))
    published = csv_rows(english.get(DOWNLOAD + QUERY + "&chart=published&format=csv"))
    # then the files carry the codes scripts need beside the labels
    assert [row[0::2] for row in pipeline] == [
        ["Stage", "People"],
        ["graduates", "250"],
        ["placed", "3"],
        ["placed_certified", "1"],
        ["certified", "3"],
        ["employed_in_sector", "2"],
    ]
    assert retention[1:] == [
        ["1", "2011-11-30", "3", "2", "66.7"],
        ["3", "2009-11-30", "0", "0", ""],
    ]
    assert [row[:7] for row in published] == [
        ["Metric", "Label", "Published", "Qualifier", "Published as of", "Computed", "Agreement"],
        ["certified_workers", "Certified social workers", "3", "", "2012-11-30", "3", "matches"],
        [
            "graduates_per_year",
            "Social-work graduates per year",
            "160",
            "nearly",
            "2012-11-30",
            "150",
            "differs",
        ],
        [
            "programme_placements",
            "Programme placements",
            "2",
            "over",
            "2009-12-31",
            "3",
            "consistent",
        ],
    ]


def test_districts_xlsx(english, world):
    # when
    response = english.get(DOWNLOAD + QUERY + "&chart=districts&format=xlsx")
    # then a workbook with the table's rows, numbers as numbers
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="shuniu-workforce-110000-2012-11-30-districts.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet.title == "districts"
    assert rows[0] == ("Code", "District", "Certified people")
    assert rows[1] == ("110101", "Dongcheng District", 1)
    assert rows[-1] == ("110000", "Beijing (registered with the city, no district)", 1)
    assert sum(row[2] for row in rows[1:]) == 3


def test_every_chart_on_the_page_links_its_files(english, world):
    html = english.get(PAGE + QUERY).content.decode()
    for chart in ("levels", "districts", "employment", "pipeline", "graduates", "retention"):
        assert f'id="{chart}-chart"' in html
        for fmt in ("csv", "xlsx"):
            link = (
                "/workforce/download/?region=110000&amp;as_of=2012-11-30"
                f"&amp;chart={chart}&amp;format={fmt}"
            )
            assert link in html
            response = english.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, (chart, fmt)


def test_the_files_name_nobody(english, world):
    for chart in ("levels", "districts", "employment", "pipeline", "graduates", "retention"):
        body = english.get(DOWNLOAD + QUERY + f"&chart={chart}&format=csv").content.decode()
        for person in world.values():
            assert person.name not in body
            assert person.id_masked not in body


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        (
            "?region=110000&as_of=2012-11-30",
            [
                "chart (Chart): Say which chart: one of levels, districts, employment, pipeline, "
                "graduates, retention, published.",
                "format (File format): Say which file format: one of csv, xlsx.",
            ],
        ),
        (
            "?region=110000&as_of=2012-11-30&chart=map&format=pdf",
            [
                "chart (Chart): Unknown chart “map”: one of levels, districts, employment, "
                "pipeline, graduates, retention, published.",
                "format (File format): Unknown file format “pdf”: one of csv, xlsx.",
            ],
        ),
        (
            "?region=440399&as_of=2012-11-31&chart=levels&format=csv",
            [
                "region (Region): “440399” is not one of the regions offered: choose one from "
                "the list.",
                "as_of (As of): Not a date: write it as YYYY-MM-DD, for example 2010-12-31.",
            ],
        ),
    ],
)
def test_bad_download_parameters_are_named(english, db, query, lines):
    # when
    response = english.get(DOWNLOAD + query)
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == lines
