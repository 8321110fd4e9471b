"""The comparison page's "operating models" section: the table, the sentences, the chart's
numbers and the download, all from ``stats.operating``."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from tests.factories import make_organization
from tests.factories_operating import beijing_scene
from tests.web.html import table_rows

PAGE = "/compare/?as_of=2012-06-30"


@pytest.fixture
def beijing(db):
    return beijing_scene()


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_anyone_sees_the_section_in_chinese_first(client, beijing):
    # Given the scene; when an anonymous reader opens the page in the default language
    response = client.get(PAGE)
    html = response.content.decode()
    # Then the section is there, in zh-hans, with a column per city
    assert response.status_code == 200
    assert "运营模式" in html
    rows = table_rows(html, "compare-operating")
    assert rows[0] == ["指标", "北京市", "上海市", "深圳市"]
    assert rows[1] == ["社工机构数", "3", "0", "0"]
    assert ["由枢纽型组织带领", "33.33% (1)", "—", "—"] in rows
    # And one sentence per city from the template, numbers filled in
    assert response.context["operating_sentences"] == [
        "北京市：33.33% 的机构形成路径为“整合改造”；33.33% 由枢纽型组织带领；"
        "每万常住人口 0.0015 家机构（2010年普查）；购买金额中岗位占 75.00%。",
        "上海市：该日期没有社工机构。",
        "深圳市：该日期没有社工机构。",
    ]


def test_the_table_in_english(english, beijing):
    rows = table_rows(english.get(PAGE).content.decode(), "compare-operating")
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert rows[0] == ["Figure", "Beijing", "Shanghai", "Shenzhen"]
    assert by_label["Formation: university-local cooperation"] == ["33.33% (1)", "—", "—"]
    assert by_label["Hub-led, by a hub of city level"] == ["100.00% (1)", "—", "—"]
    assert by_label["Agencies per district"] == ["0.19", "0.00", "0.00"]
    assert by_label["Resident population (census)"] == ["19,612,368", "23,019,196", "10,358,381"]
    assert by_label["Agencies per 10,000 residents"] == ["0.0015", "0.0000", "0.0000"]
    assert by_label["Certified workers per agency"] == ["0.67", "—", "—"]
    assert by_label["Money support received (yuan)"] == ["100,000.00", "0.00", "0.00"]
    assert by_label["Share of the purchased amount: post purchase"] == ["75.00%", "0.00%", "—"]


def test_the_chart_draws_the_shares_of_the_table(english, beijing):
    data = english.get(PAGE).context["compare_data"]["operating"]
    assert data["categories"] == [
        "Formation: transformation",
        "Formation: university-local cooperation",
        "Formation: association-led",
        "Formation: independent",
        "Led by a hub",
        "Share of the purchased amount: post purchase",
    ]
    assert data["values"][0] == [33.33, 33.33, 33.33, 0.0, 33.33, 75.0]
    # Shanghai bought a service only; Shenzhen has nothing: no share at all
    assert data["values"][1] == [None, None, None, None, None, 0.0]
    assert data["values"][2] == [None] * 6


def test_the_section_names_no_organization_or_person(client, beijing):
    html = client.get(PAGE).content.decode()
    section = html[
        html.index('id="operating"') : html.index("</section>", html.index('id="operating"'))
    ]
    for name in ("甲", "乙", "丙", "西城区社工协会", "北京市社工联合会"):
        assert name not in section


def test_the_download_holds_the_same_figures(english, beijing):
    base = "/compare/download/?as_of=2012-06-30&chart=operating"
    # When the CSV and the XLSX are downloaded
    text = english.get(f"{base}&format=csv").content.decode("utf-8")[1:]
    book = english.get(f"{base}&format=xlsx").content
    rows = list(csv.reader(io.StringIO(text)))
    # Then they have a row per figure, a count row under each counted share, plain numbers
    assert rows[0] == [
        "Code",
        "Figure",
        "Unit",
        "Beijing (110000)",
        "Shanghai (310000)",
        "Shenzhen (440300)",
    ]
    by_code = {row[0]: row[3:] for row in rows[1:]}
    assert by_code["hub_led"] == ["0.3333", "", ""]
    assert by_code["hub_led.count"] == ["1", "0", "0"]
    assert by_code["support_yuan"] == ["100000.0", "0.0", "0.0"]
    sheet = openpyxl.load_workbook(io.BytesIO(book), read_only=True).worksheets[0]
    assert sheet.title == "operating"
    sheet_rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert sheet_rows[1] == ("agencies", "Agencies", "count", 3, 0, 0)


def test_a_bad_date_is_a_400_not_a_failure(client, db):
    assert client.get("/compare/?as_of=1800-01-01").status_code == 400
    assert (
        client.get("/compare/download/?as_of=2012-02-30&chart=operating&format=csv").status_code
        == 400
    )


def test_the_section_costs_the_same_queries_with_more_agencies(
    client, beijing, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    few = count()
    hub = make_organization(kind="association", division="110000", association_level="city")
    for n in range(12):
        make_organization(
            division=("110105", "310108", "440307")[n % 3],
            registered_on=dt.date(2011, 5, 1),
            hub=hub if n % 2 else None,
        )
    assert count() == few


def test_a_date_before_the_census_says_the_census_came_later(english, beijing):
    # Given the scene on 2010-06-30 (甲 registered 2010-01-01), before the 2010 census
    sentences = english.get("/compare/?as_of=2010-06-30").context["operating_sentences"]
    # Then the density is the 2010 census's, and the sentence says it was taken later
    assert sentences[0] == (
        "Beijing: 100.00% of the agencies with the formation path “transformation”; "
        "0.00% led by a hub; 0.0005 agencies per 10,000 residents (2010 census, taken after "
        "this date); nothing purchased by this date."
    )
