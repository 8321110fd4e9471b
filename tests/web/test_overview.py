from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuniu.divisions.models import Division
from shuniu.targets.models import PublishedFigure
from tests.factories import make_organization
from tests.web.html import table_rows


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def publish(value: str, *, as_of: dt.date, metric: str = "organizations", **kwargs):
    return PublishedFigure.objects.create(
        region=Division.objects.get(code="110000"),
        metric=metric,
        kind=kwargs.pop("kind", "agency"),
        value=Decimal(value),
        as_of=as_of,
        source=kwargs.pop("source", "公益时报 2012"),
        **kwargs,
    )


def test_district_table_counts_the_districts_of_the_date(client, small_beijing):
    # given three agencies, one registered in 崇文区 before it merged into 东城区
    # when
    response = client.get("/?region=110000&as_of=2011-12-31&kind=agency")
    # then 崇文's agency counts in 东城, and the association is left out
    assert response.status_code == 200
    rows = table_rows(response.content.decode(), "district-table")
    assert rows[1:3] == [["110101", "东城区", "2"], ["110102", "西城区", "1"]]
    assert len(rows) == 1 + 16 + 1
    assert all(row[2] == "0" for row in rows[3:-1])
    assert rows[-1][-1] == "3"
    assert response.context["stats"].districts_covered == 2


def test_old_date_uses_the_districts_then_in_force(client, small_beijing):
    # given / when
    response = client.get("/?as_of=2009-12-31")
    # then Beijing had 18 county-level divisions, 崇文区 among them
    rows = table_rows(response.content.decode(), "district-table")
    assert len(rows) == 1 + 18 + 1
    assert ["110103", "崇文区", "1"] in rows
    assert rows[-1][-1] == "1"


def test_series_by_year_end(english, small_beijing):
    # given / when
    response = english.get("/?as_of=2011-12-31")
    # then
    rows = table_rows(response.content.decode(), "series-table")
    assert rows == [
        ["Year end", "Total", "Registered", "Registering", "Districts covered / total"],
        ["2009-12-31", "1", "1", "0", "1 / 18"],
        ["2010-12-31", "2", "2", "0", "1 / 16"],
        ["2011-12-31", "3", "2", "1", "2 / 16"],
        ["2012-12-31", "3", "2", "1", "2 / 16"],
    ]


def test_chart_data_is_json_for_the_static_script(client, small_beijing):
    # given / when
    response = client.get("/?as_of=2011-12-31")
    # then
    data = response.context["dashboard_data"]
    assert data["series"]["years"] == ["2009", "2010", "2011", "2012"]
    assert data["series"]["registered"] == [1, 2, 2, 2]
    assert data["series"]["registering"] == [0, 0, 1, 1]
    assert data["series"]["covered"] == [1, 1, 2, 2]
    assert data["formations"] == [
        {"name": "整合改造", "value": 1},
        {"name": "校地合作", "value": 1},
        {"name": "以会带所", "value": 1},
    ]
    html = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert '<script src="/static/web/charts.js" defer></script>' in html
    assert '<script src="/static/web/dashboard.js" defer></script>' in html


def test_summary_and_breakdowns_in_english(english, small_beijing):
    # given / when
    response = english.get("/?as_of=2011-12-31&kind=agency")
    html = response.content.decode()
    # then
    assert '<div class="figure-value" id="figure-total">3</div>' in html
    assert '<div class="figure-value" id="figure-registered">2</div>' in html
    assert '<div class="figure-value" id="figure-registering">1</div>' in html
    assert "covered 2 of 16 districts" in html
    assert table_rows(html, "formation-table")[1:] == [
        ["Transformation", "1"],
        ["University-local cooperation", "1"],
        ["Association-led", "1"],
    ]
    assert table_rows(html, "kind-table")[1:] == [["Social-work agency", "3"]]
    assert response.context["dashboard_data"]["kinds"] == [
        {"name": "Social-work agency", "value": 3}
    ]


def test_all_kinds_includes_the_association(english, small_beijing):
    # given / when
    response = english.get("/?as_of=2011-12-31&kind=all")
    html = response.content.decode()
    # then
    assert table_rows(html, "kind-table")[1:] == [
        ["Social-work agency", "3"],
        ["Association", "1"],
    ]
    assert table_rows(html, "formation-table")[1:] == [
        ["Transformation", "1"],
        ["University-local cooperation", "1"],
        ["Association-led", "1"],
        ["Not recorded", "1"],
    ]
    assert ["110108", "Haidian District", "1"] in table_rows(html, "district-table")


def test_organizations_behind_the_total_are_listed(english, small_beijing):
    # given / when
    response = english.get("/?as_of=2011-12-31")
    # then registered first, then registering, each by name, with the district of the date
    assert table_rows(response.content.decode(), "organization-table")[1:] == [
        [
            "东城启明社工事务所",
            "Dongcheng District",
            "Registered",
            "Transformation",
            "2010-03-01",
        ],
        [
            "崇文助人社工事务所",
            "Dongcheng District",
            "Registered",
            "University-local cooperation",
            "2009-06-01",
        ],
        ["西城悦群社工事务所", "Xicheng District", "Registering", "Association-led", ""],
    ]


def test_defaults_are_beijing_agencies_today_in_chinese(client, small_beijing):
    # given no query and no language chosen
    # when
    response = client.get("/")
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert response.context["stats"].as_of == timezone.localdate()
    assert response.context["stats"].kind == "agency"
    assert response.context["stats"].region.code == "110000"
    assert '<html lang="zh-hans">' in html
    assert "<title>北京市 · 枢纽 Shuniu</title>" in html
    assert '<option value="110000" selected>北京市</option>' in html
    assert '<option value="agency" selected>社会工作服务机构</option>' in html
    assert "已登记" in html
    assert "Registered" not in html


def test_english_switch_keeps_the_query(client, small_beijing):
    # given
    next_url = "/?region=110000&as_of=2011-12-31&kind=agency"
    # when
    switched = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    response = client.get(switched["Location"])
    html = response.content.decode()
    # then
    assert switched.status_code == 302
    assert switched["Location"] == next_url
    assert '<html lang="en">' in html
    assert '<option value="110000" selected>Beijing</option>' in html
    assert "Registered" in html
    assert ["110101", "Dongcheng District", "2"] in table_rows(html, "district-table")
    assert "已登记" not in html


def test_language_switch_is_a_plain_form(client, small_beijing):
    # given / when
    html = client.get("/?as_of=2010-12-31").content.decode()
    # then it posts to set_language with the current query as the way back, no JS needed
    assert '<form class="language-switch' in html
    assert 'action="/i18n/setlang/"' in html
    assert '<input type="hidden" name="next" value="/?as_of=2010-12-31">' in html
    assert 'name="language" value="en"' in html


def test_published_figures_beside_computed(english, small_beijing):
    # given a figure that agrees and one about coverage that does not
    publish("3", as_of=dt.date(2011, 12, 31))
    publish("8", as_of=dt.date(2011, 12, 31), metric="districts_covered")
    publish("99", as_of=dt.date(2010, 12, 31))
    # when
    response = english.get("/?as_of=2011-12-31")
    html = " ".join(response.content.decode().split())
    # then
    assert "published 3 / computed 3" in html
    assert "published 8 / computed 2" in html
    assert "source: 公益时报 2012" in html
    assert "published 99" not in html


def test_published_figure_with_qualifier(english, small_beijing):
    # given
    publish("5000", as_of=dt.date(2011, 12, 31), qualifier="over")
    # when
    html = " ".join(english.get("/?as_of=2011-12-31").content.decode().split())
    # then
    assert "published over 5,000 / computed 3" in html


def test_published_figures_of_another_kind_are_not_shown(english, small_beijing):
    # given
    publish("40", as_of=dt.date(2011, 12, 31), kind="")
    # when
    agencies = " ".join(english.get("/?as_of=2011-12-31").content.decode().split())
    every_kind = " ".join(english.get("/?as_of=2011-12-31&kind=all").content.decode().split())
    # then
    assert "published 40" not in agencies
    assert "published 40 / computed 4" in every_kind


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("region=999999", "Region", "“999999” is not one of the regions offered"),
        # (130000 河北省 is a region since the national table; 139999 is no code at all)
        ("region=139999", "Region", "“139999” is not one of the regions offered"),
        (
            "region=440309&as_of=2012-11-30",
            "Region",
            "龙华区 (440309) did not exist yet on 2012-11-30: it was created on 2016-10-11.",
        ),
        (
            "region=110103&as_of=2012-11-30",
            "Region",
            "崇文区 (110103) no longer existed on 2012-11-30: "
            "its territory was part of 东城区 (110101).",
        ),
        ("as_of=2010-13-45", "As of", "Not a date: write it as YYYY-MM-DD"),
        ("as_of=yesterday", "As of", "Not a date: write it as YYYY-MM-DD"),
        ("kind=robot", "Organization kind", "Unknown organization kind “robot”"),
    ],
)
def test_bad_query_is_a_400_naming_the_field(english, db, query, field, message):
    # given / when
    response = english.get(f"/?{query}")
    html = response.content.decode()
    # then
    assert response.status_code == 400
    assert f"<li><strong>{field}</strong>: {message}" in html
    assert 'aria-invalid="true"' in html
    assert 'id="district-table"' not in html


def test_bad_query_message_is_in_chinese_by_default(client, db):
    # given / when
    response = client.get("/?as_of=2010-13-45")
    # then
    assert response.status_code == 400
    assert "<strong>截至日期</strong>" in response.content.decode()


def test_bad_query_value_is_escaped(english, db):
    # given / when
    response = english.get("/?region=<script>alert(1)</script>")
    html = response.content.decode()
    # then
    assert response.status_code == 400
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_organization_name_is_escaped(client, db):
    # given
    make_organization(name='<script>alert("x")</script>社工', registered_on=dt.date(2010, 1, 1))
    # when
    html = client.get("/?as_of=2011-12-31").content.decode()
    # then
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;社工" in html


def test_page_has_no_inline_script_or_style(client, small_beijing):
    # given a strict Content-Security-Policy is to come
    # when
    html = client.get("/?as_of=2011-12-31").content.decode()
    # then every script is a file or JSON data, and no element carries a style
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    assert all(' src="' in tag or 'type="application/json"' in tag for tag in scripts)
    assert " style=" not in html
    assert "<style" not in html


def test_query_count_does_not_grow_with_organizations(client, small_beijing):
    # given
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/?as_of=2011-12-31&kind=all").status_code == 200
        return len(queries)

    few = count_queries()
    for n in range(12):
        make_organization(
            name=f"新增社工事务所{n}",
            division=("110105", "110108", "110103")[n % 3],
            registered_on=dt.date(2009 + n % 3, 5, 1),
            formation="independent",
        )
    # when
    many = count_queries()
    # then
    assert many == few
    assert client.get("/?as_of=2011-12-31&kind=all").context["stats"].total == 16


def test_only_reading_methods_are_allowed(client, db):
    # given / when
    response = client.post("/?as_of=2011-12-31")
    # then
    assert response.status_code == 405


def test_subtitle_names_kind_and_date_in_each_language(client, small_beijing):
    # given / when
    chinese_html = " ".join(client.get("/?as_of=2011-12-31").content.decode().split())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english_html = " ".join(client.get("/?as_of=2011-12-31").content.decode().split())
    # then
    assert "社会工作服务机构，截至 2011年12月31日" in chinese_html
    assert "Social-work agency, as of Dec. 31, 2011" in english_html


def test_long_lists_are_cut_and_say_so(english, small_beijing, monkeypatch):
    # given a cap of one organization per status
    monkeypatch.setattr("shuniu.web.views.stats.LISTED_ORGANIZATIONS", 1)
    # when
    response = english.get("/?as_of=2011-12-31")
    html = " ".join(response.content.decode().split())
    # then
    assert [row[0] for row in table_rows(html, "organization-table")[1:]] == [
        "东城启明社工事务所",
        "西城悦群社工事务所",
    ]
    assert "2 of 3 listed, by name" in html
    assert (
        '<a href="/api/v1/organizations?region=110000&amp;as_of=2011-12-31&amp;kind=agency">'
        in html
    )
    api = english.get("/api/v1/organizations?region=110000&as_of=2011-12-31&kind=agency")
    assert api.status_code == 200
    assert api.json()["count"] == 3
