"""The pages with a region from the national reference table: Guangzhou 440100 and
Guangdong 440000 on the dashboard (a bar chart instead of a map, saying why) and in the
directory's filter; the errors for codes that are not regions."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.registry.models import Organization
from tests.factories import make_organization
from tests.web.html import table_rows


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def guangzhou(db):
    """Two agencies in 天河区, one in 增城市 (a district since 2014) and one in 东山区 (merged
    in 2005 with no successor in the national table)."""
    return [
        make_organization(name="天河社工一", division="440106", registered_on=dt.date(2009, 5, 1)),
        make_organization(name="天河社工二", division="440106", registered_on=dt.date(2012, 5, 1)),
        make_organization(name="增城社工", division="440183", registered_on=dt.date(2010, 3, 1)),
        make_organization(name="东山社工", division="440102", registered_on=dt.date(2003, 3, 1)),
        make_organization(name="东城社工", division="110101", registered_on=dt.date(2009, 3, 1)),
    ]


def dashboard_data(html: str) -> dict:
    found = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


def test_guangzhou_dashboard_shows_a_bar_chart_and_says_why_there_is_no_map(client, guangzhou):
    # when asking for Guangzhou at the end of 2020
    response = client.get("/", {"region": "440100", "as_of": "2020-12-31"})
    html = response.content.decode()
    # then the page answers with its figures, in Chinese first
    assert response.status_code == 200
    assert '<h1 class="h3 mb-1" id="page-title">' in html
    assert "广州市" in html
    # and a bar chart in place of the map, with the sentence saying why
    assert 'id="district-chart"' in html
    assert 'id="district-map"' not in html
    assert "没有广州市的区界" in html
    # and the district table has the eleven districts of 2020, with their counts
    rows = table_rows(html, "district-table")
    body = rows[1:-1]
    assert len(body) == 11
    assert ["440106", "天河区", "2"] in body
    assert ["440118", "增城区", "1"] in body
    assert rows[-1] == ["合计", "4"]
    # and the one counted under Guangzhou itself is said
    assert 'id="under-ancestor"' in html
    # and the chart draws the table's numbers
    bars = dashboard_data(html)["districts"]
    assert [b["value"] for b in bars] == [int(r[2]) for r in body]


def test_guangzhou_dashboard_in_english(english, guangzhou):
    html = english.get("/", {"region": "440100", "as_of": "2020-12-31"}).content.decode()
    assert "There are no district boundaries for" in html
    assert "maps are drawn only for Beijing, Shanghai and Shenzhen" in html
    assert "1 organization is counted under a larger division" in html


def test_guangdong_dashboard_groups_by_prefecture_level_city(client, guangzhou):
    make_organization(division="440303", registered_on=dt.date(2011, 3, 1))  # 罗湖区, Shenzhen
    response = client.get("/", {"region": "440000", "as_of": "2020-12-31"})
    html = response.content.decode()
    assert response.status_code == 200
    body = table_rows(html, "district-table")[1:-1]
    assert len(body) == 21
    assert ["440100", "广州市", "4"] in body
    assert ["440300", "深圳市", "1"] in body
    assert 'id="district-chart"' in html


def test_the_three_cities_keep_their_map(client, guangzhou):
    html = client.get("/", {"region": "110000", "as_of": "2012-12-31"}).content.decode()
    assert 'id="district-map"' in html
    assert 'id="district-chart"' not in html
    assert 'id="under-ancestor"' not in html


def test_the_picker_offers_provinces_and_prefecture_level_cities(client, db):
    html = client.get("/", {"as_of": "2020-12-31"}).content.decode()
    select = html[html.index('<select name="region"') : html.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    # the three cities first, then every province-level division but their own
    assert groups[:3] == ["北京市", "上海市", "深圳市"]
    assert "广东省" in groups
    assert len(groups) == 3 + 34 - 2  # 北京 and 上海 are province-level themselves
    assert '<option value="440100">广州市</option>' in select
    assert '<option value="440000">广东省</option>' in select


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # a county-level division outside the three cities: name its city
        ({"region": "440106"}, "天河区 (440106) is a county-level division"),
        # no such code
        ({"region": "449999"}, "“449999” is not one of the regions offered"),
        # a region not valid on the date: its successor is named
        (
            {"region": "342100", "as_of": "2020-12-31"},
            "阜阳地区 (342100) no longer existed on 2020-12-31: its territory was part of "
            "阜阳市 (341200).",
        ),
    ],
)
def test_bad_regions_are_named_and_answered_400(english, db, query, message):
    response = english.get("/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_dashboard_of_a_province_reads_a_bounded_number_of_queries(client, guangzhou):
    # a first request loads the division index; the next reuse it
    client.get("/", {"region": "440000", "as_of": "2020-12-31"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"region": "440000", "as_of": "2020-12-31"})
    assert response.status_code == 200
    # the series (one query per year end) dominates; nothing per division
    assert len(queries) < 60


def test_directory_filters_by_guangzhou_and_guangdong(
    client, guangzhou, django_assert_max_num_queries
):
    # when filtering the directory by Guangzhou, then by Guangdong
    with django_assert_max_num_queries(20):
        guangzhou_page = client.get("/organizations/", {"district": "440100"}).content.decode()
    guangdong_page = client.get("/organizations/", {"district": "440000"}).content.decode()
    # then Guangzhou's four are listed (东山 through its ancestor), Beijing's not
    for org in guangzhou[:4]:
        assert org.name in guangzhou_page
        assert org.name in guangdong_page
    assert "东城社工" not in guangzhou_page
    assert "东城社工" not in guangdong_page


def test_directory_refuses_a_county_of_another_province(client, guangzhou):
    response = client.get("/organizations/", {"district": "440106"})
    assert response.status_code == 400
    assert "440106" in response.content.decode()
    assert Organization.objects.count() == 5


@pytest.mark.parametrize(
    "path",
    ["/workforce/", "/purchasing/", "/targets/", "/dashboard/download/"],
)
def test_the_other_regional_pages_answer_for_guangzhou(client, guangzhou, path):
    # given the pages that share the dashboard's region form
    query = {"region": "440100", "as_of": "2020-12-31", "chart": "districts", "format": "csv"}
    # when asking them for Guangzhou
    response = client.get(path, query)
    # then they answer with its figures (no map of their own outside the three cities)
    assert response.status_code == 200
    assert ("广州市" in response.content.decode("utf-8-sig")) or path.endswith("download/")


def test_the_districts_download_of_guangzhou_holds_the_table(client, guangzhou):
    response = client.get(
        "/dashboard/download/",
        {"region": "440100", "as_of": "2020-12-31", "chart": "districts", "format": "csv"},
    )
    text = response.content.decode("utf-8-sig")
    assert "440106" in text
    assert "天河区" in text


def test_listing_total_of_a_province_is_the_statistics_count_and_the_apis(
    english, guangzhou, monkeypatch
):
    # given one organization listed per status, and one of Guangdong's four counted through
    # 东山区's ancestor (merged with no known successor)
    monkeypatch.setattr("shuniu.web.views.stats.LISTED_ORGANIZATIONS", 1)
    # when
    response = english.get("/", {"region": "440000", "as_of": "2020-12-31"})
    html = " ".join(response.content.decode().split())
    # then the listing says how many stand behind the total, the same number the full list
    # (the API) counts, the one through the ancestor included
    assert response.context["stats"].total == 4
    assert response.context["organizations"].total == 4
    assert [row[0] for row in table_rows(html, "organization-table")[1:]] == ["东山社工"]
    assert "1 of 4 listed, by name" in html
    api = english.get("/api/v1/organizations", {"region": "440000", "as_of": "2020-12-31"})
    assert api.json()["count"] == 4
