"""Dashboards of a district: its own figures, the districts of the date in the picker, and
the district highlighted on its city's map."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_organization
from tests.web.html import table_rows


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def options(html: str) -> list[tuple[str, list[str]]]:
    """The region picker as (group label, option values)."""
    select = html[html.index('<select name="region"') : html.index("</select>")]
    return [
        (label, re.findall(r'<option value="(\d+)"', body))
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    ]


def test_picker_groups_the_districts_of_the_date_under_their_city(client, db):
    # given / when
    late_2012 = options(client.get("/?as_of=2012-11-30").content.decode())
    end_2009 = options(client.get("/?as_of=2009-12-31").content.decode())
    # then each city comes first in its group, then its districts valid on the date
    # (the provinces and prefecture-level cities of the national table follow)
    assert [label for label, _codes in late_2012][:4] == ["北京市", "上海市", "深圳市", "天津市"]
    beijing_2012 = late_2012[0][1]
    assert beijing_2012[:3] == ["110000", "110101", "110102"]
    assert len(beijing_2012) == 1 + 16
    assert "110103" not in beijing_2012
    assert "110228" in beijing_2012  # 密云 was still a county
    assert "110118" not in beijing_2012
    assert late_2012[2][1] == ["440300", "440303", "440304", "440305", "440306", "440307", "440308"]
    beijing_2009 = end_2009[0][1]
    assert len(beijing_2009) == 1 + 18
    assert beijing_2009[3:5] == ["110103", "110104"]


def test_picker_marks_the_chosen_district(client, small_beijing):
    # given / when
    html = client.get("/?region=110102&as_of=2011-12-31").content.decode()
    # then
    assert '<option value="110102" selected>西城区</option>' in html
    assert '<option value="110000">北京市</option>' in html


def test_district_dashboard_shows_its_own_figures(english, small_beijing):
    # given two agencies in 东城 as of 2011 (one registered in 崇文 before the merger)
    # when
    response = english.get("/?region=110101&as_of=2011-12-31")
    html = response.content.decode()
    flat = " ".join(html.split())
    # then
    assert response.status_code == 200
    assert '<div class="figure-value" id="figure-total">2</div>' in html
    assert '<div class="figure-value" id="figure-registered">2</div>' in html
    assert '<div class="figure-value" id="figure-registering">0</div>' in html
    assert 'id="figure-covered"' not in html
    assert "Dongcheng District" in flat
    assert '<span class="h5 text-body-secondary">Beijing</span>' in html
    assert table_rows(html, "district-table") == [
        ["Code", "District", "Count"],
        ["110101", "Dongcheng District", "2"],
        ["Total", "2"],
    ]
    assert [row[0] for row in table_rows(html, "organization-table")[1:]] == [
        "东城启明社工事务所",
        "崇文助人社工事务所",
    ]


def test_district_series_counts_the_district_of_each_year_end(english, small_beijing):
    # given 崇文's agency, counted in 崇文 until the merger and in 东城 after
    # when
    html = english.get("/?region=110101&as_of=2011-12-31").content.decode()
    # then 东城 held nothing at the end of 2009, and the coverage column is left out
    assert table_rows(html, "series-table") == [
        ["Year end", "Total", "Registered", "Registering"],
        ["2009-12-31", "0", "0", "0"],
        ["2010-12-31", "2", "2", "0"],
        ["2011-12-31", "2", "2", "0"],
        ["2012-12-31", "2", "2", "0"],
    ]


def test_abolished_district_on_a_date_it_existed(english, small_beijing):
    # given 崇文 as of 2009-12-31, before it merged into 东城
    # when
    response = english.get("/?region=110103&as_of=2009-12-31")
    html = response.content.decode()
    data = response.context["dashboard_data"]
    # then its figures, its series up to its last day, and its territory highlighted on
    # today's shape of 东城
    assert response.status_code == 200
    assert '<div class="figure-value" id="figure-total">1</div>' in html
    assert table_rows(html, "series-table")[1:] == [
        ["2009-12-31", "1", "1", "0"],
        ["2010-06-30", "1", "1", "0"],
    ]
    assert data["series"]["years"] == ["2009", "2010-06-30"]
    assert data["map"]["areas"] == [
        {"name": "110101", "value": 1, "text": "Chongwen District", "highlight": True}
    ]


def test_district_is_highlighted_on_its_citys_map(english, small_beijing):
    # given / when
    response = english.get("/?region=110102&as_of=2011-12-31")
    data = response.context["dashboard_data"]
    # then only the district carries a count; the city's other shapes are named, not counted
    assert data["map"]["name"] == "110000"
    assert data["map"]["areas"] == [
        {"name": "110102", "value": 1, "text": "Xicheng District", "highlight": True}
    ]
    assert len(data["map"]["shapeNames"]) == 16
    assert data["series"]["showCovered"] is False
    assert "Where it lies in Beijing" in response.content.decode()


def test_district_of_another_city(english, db):
    # given an agency in Shenzhen's 福田区
    make_organization(division="440304", registered_on=dt.date(2011, 3, 1))
    # when
    response = english.get("/?region=440304&as_of=2011-12-31")
    # then
    assert response.status_code == 200
    assert response.context["stats"].total == 1
    assert response.context["dashboard_data"]["map"]["url"] == "/static/geo/440300.geojson"
    assert '<option value="440304" selected>Futian District</option>' in (response.content.decode())


def test_all_kinds_in_a_district(english, small_beijing):
    # given / when
    html = english.get("/?region=110108&as_of=2011-12-31&kind=all").content.decode()
    # then
    assert table_rows(html, "kind-table")[1:] == [["Association", "1"]]
    assert table_rows(html, "formation-table")[1:] == [["Not recorded", "1"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "region=110104&as_of=2011-12-31",
            "宣武区 (110104) no longer existed on 2011-12-31: "
            "its territory was part of 西城区 (110102).",
        ),
        (
            "region=110118&as_of=2012-11-30",
            "密云区 (110118) did not exist yet on 2012-11-30: it was created on 2015-11-13.",
        ),
        (
            "region=120101&as_of=2012-11-30",
            "和平区 (120101) is a county-level division: choose a province or a "
            "prefecture-level city, such as 天津市 (120000).",
        ),
        ("region=129999&as_of=2012-11-30", "“129999” is not one of the regions offered"),
    ],
)
def test_district_not_valid_on_the_date_is_a_400(english, db, query, message):
    # given / when
    response = english.get(f"/?{query}")
    # then
    assert response.status_code == 400
    assert f"<li><strong>Region</strong>: {message}" in response.content.decode()


def test_district_page_query_count_does_not_grow(client, small_beijing):
    # given
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/?region=110101&as_of=2011-12-31&kind=all").status_code == 200
        return len(queries)

    count_queries()  # the first request of a process loads the division index
    few = count_queries()
    for n in range(10):
        make_organization(
            name=f"东城新增{n}",
            division=("110101", "110103")[n % 2],
            registered_on=dt.date(2009, 5, 1),
        )
    # when
    many = count_queries()
    # then
    assert many == few
    assert client.get("/?region=110101&as_of=2011-12-31&kind=all").context["stats"].total == 12
