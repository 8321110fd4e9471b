"""The comparison page: Beijing, Shanghai and Shenzhen side by side as of a date."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.divisions.models import Division
from shuniu.targets.models import PublishedFigure
from tests.factories import make_organization
from tests.web.html import table_rows

END_2011 = dt.date(2011, 12, 31)
SOURCE_A = "公益时报 2012"
SOURCE_B = "上海民政 2011"


@pytest.fixture
def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def publish(region: str, value: str, *, metric: str = "organizations", kind: str = "agency", **kw):
    return PublishedFigure.objects.create(
        region=Division.objects.get(code=region),
        metric=metric,
        kind=kind,
        value=Decimal(value),
        as_of=kw.pop("as_of", END_2011),
        source=kw.pop("source", SOURCE_A),
        **kw,
    )


@pytest.fixture
def three_cities(small_beijing):
    """small_beijing plus Shanghai and Shenzhen organizations, some in merged divisions.

    As of 2011-12-31, agencies: Beijing 3 (1 registering) in 2 districts; Shanghai 2 in
    黄浦 (registered in 卢湾, merged 2011-06-08) and 浦东 (registered in 南汇, merged 2009);
    Shenzhen 2 (1 registering) in 2 districts. Plus a Shanghai association.
    """
    make_organization(
        name="卢湾社工服务社",
        division="310103",
        registered_on=dt.date(2010, 1, 1),
        formation="transformation",
    )
    make_organization(
        name="南汇社工服务社",
        division="310119",
        registered_on=dt.date(2008, 5, 1),
        formation="independent",
    )
    make_organization(
        name="上海市社会工作者协会",
        kind="association",
        division="310101",
        legal_form="social_group",
        association_level="city",
        registered_on=dt.date(2005, 1, 1),
    )
    make_organization(
        name="宝安社工服务中心",
        division="440306",
        registered_on=dt.date(2009, 1, 1),
        formation="independent",
    )
    make_organization(
        name="福田社工服务中心",
        division="440304",
        registered_on=None,
        registration_applied_on=dt.date(2011, 6, 1),
        formation="independent",
    )


def test_summary_one_column_per_city(english, three_cities):
    # given / when
    response = english.get("/compare/?as_of=2011-12-31")
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert table_rows(html, "compare-summary") == [
        ["Figure", "Beijing", "Shanghai", "Shenzhen"],
        ["Total", "3", "2", "2"],
        ["Registered", "2", "2", "1"],
        ["Registering", "1", "0", "1"],
        ["Districts covered", "2", "2", "2"],
        ["Districts total", "16", "17", "6"],
        ["Total, published", "—", "—", "—"],
        ["Districts covered, published", "—", "—", "—"],
    ]


def test_kinds_and_formations_side_by_side(english, three_cities):
    # given / when
    html = english.get("/compare/?as_of=2011-12-31&kind=all").content.decode()
    # then
    assert table_rows(html, "compare-kinds") == [
        ["Kind", "Beijing", "Shanghai", "Shenzhen"],
        ["Social-work agency", "3", "2", "2"],
        ["Association", "1", "1", "0"],
    ]
    assert table_rows(html, "compare-formations") == [
        ["Formation", "Beijing", "Shanghai", "Shenzhen"],
        ["Transformation", "1", "1", "0"],
        ["University-local cooperation", "1", "0", "0"],
        ["Association-led", "1", "0", "0"],
        ["Independent", "0", "1", "2"],
        ["Not recorded", "1", "1", "0"],
    ]


def test_chart_data_matches_the_tables(english, three_cities):
    # given / when
    data = english.get("/compare/?as_of=2011-12-31").context["compare_data"]
    # then one series per city over the same categories
    assert data["cities"] == ["Beijing", "Shanghai", "Shenzhen"]
    assert data["kinds"] == {"categories": ["Social-work agency"], "values": [[3], [2], [2]]}
    assert data["formations"] == {
        "categories": [
            "Transformation",
            "University-local cooperation",
            "Association-led",
            "Independent",
        ],
        "values": [[1, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 2]],
    }


def test_published_figures_beside_the_computed_ones(english, three_cities):
    # given figures for the date, one of another date and one of another kind
    publish("110000", "3")
    publish("110000", "2", metric="districts_covered")
    publish("310000", "51", source=SOURCE_B)
    publish("310000", "14000", metric="certified_workers", kind="", qualifier="nearly")
    publish("440300", "99", as_of=dt.date(2012, 11, 30))
    publish("440300", "7", kind="association")
    # when
    html = english.get("/compare/?as_of=2011-12-31").content.decode()
    # then each figure carries the number of its source, listed once below
    rows = table_rows(html, "compare-summary")
    assert rows[-2:] == [
        ["Total, published", "3[1]", "51[2]", "—"],
        ["Districts covered, published", "2[1]", "—", "—"],
    ]
    assert table_rows(html, "compare-other-published") == [
        ["Figure", "Beijing", "Shanghai", "Shenzhen"],
        ["Certified social workers", "—", "nearly 14,000[1]", "—"],
    ]
    assert f'<li id="source-1">{SOURCE_A}</li><li id="source-2">{SOURCE_B}</li>' in html


def test_published_figures_of_all_kinds(english, three_cities):
    # given
    publish("310000", "115", kind="")
    publish("310000", "51")
    # when
    html = english.get("/compare/?as_of=2011-12-31&kind=all").content.decode()
    # then
    assert table_rows(html, "compare-summary")[-2] == ["Total, published", "—", "115[1]", "—"]


def test_city_headers_link_to_their_dashboards(client, three_cities):
    # given / when
    html = client.get("/compare/?as_of=2011-12-31&kind=all").content.decode()
    # then
    assert '<a href="/?region=310000&amp;as_of=2011-12-31&amp;kind=all">上海市</a>' in html


def test_defaults_to_agencies_today(client, db):
    # given / when
    response = client.get("/compare/")
    # then
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["kind"] == "agency"
    assert [c.stats.total for c in response.context["cities"]] == [0, 0, 0]
    assert '<option value="agency" selected>' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("as_of=2011-02-30", "As of", "Not a date: write it as YYYY-MM-DD"),
        ("kind=robot", "Organization kind", "Unknown organization kind “robot”"),
    ],
)
def test_bad_query_is_a_400_naming_the_field(english, db, query, field, message):
    # given / when
    response = english.get(f"/compare/?{query}")
    html = response.content.decode()
    # then
    assert response.status_code == 400
    assert f"<li><strong>{field}</strong>: {message}" in html
    assert 'aria-invalid="true"' in html
    assert 'id="compare-summary"' not in html


def test_compare_downloads(english, three_cities):
    # given
    base = "/compare/download/?as_of=2011-12-31"
    # when
    summary = english.get(f"{base}&chart=summary&format=csv")
    formations = english.get(f"{base}&kind=all&chart=formations&format=xlsx")
    # then
    assert summary["Content-Disposition"] == (
        'attachment; filename="shuniu-compare-2011-12-31-summary.csv"'
    )
    text = summary.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["", "Beijing (110000)", "Shanghai (310000)", "Shenzhen (440300)"],
        ["Total", "3", "2", "2"],
        ["Registered", "2", "2", "1"],
        ["Registering", "1", "0", "1"],
        ["Districts covered", "2", "2", "2"],
        ["Districts total", "16", "17", "6"],
    ]
    assert formations["Content-Disposition"] == (
        'attachment; filename="shuniu-compare-2011-12-31-all-formations.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(formations.content), read_only=True).worksheets[0]
    assert sheet.title == "formations"
    assert [tuple(r) for r in sheet.iter_rows(values_only=True)][:2] == [
        ("Formation", "Label", "Beijing (110000)", "Shanghai (310000)", "Shenzhen (440300)"),
        ("transformation", "Transformation", 1, 1, 0),
    ]


def test_compare_download_bad_chart_is_a_400(english, db):
    # given / when
    response = english.get("/compare/download/?chart=districts&format=csv")
    # then
    assert response.status_code == 400
    assert response.content.decode() == (
        "chart (Chart): Unknown chart “districts”: one of summary, kinds, formations, operating.\n"
    )


def test_page_has_no_inline_script_or_style(client, three_cities):
    # given / when
    html = client.get("/compare/?as_of=2011-12-31").content.decode()
    # then
    assert '<script id="compare-data" type="application/json">' in html
    assert '<script src="/static/web/compare.js" defer></script>' in html
    assert " style=" not in html
    assert "<style" not in html


def test_only_reading_methods_are_allowed(client, db):
    # given / when / then
    assert client.post("/compare/?as_of=2011-12-31").status_code == 405
    assert client.post("/compare/download/?chart=kinds&format=csv").status_code == 405


def test_query_count_does_not_grow_with_organizations(client, three_cities):
    # given
    publish("310000", "51")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/compare/?as_of=2011-12-31&kind=all").status_code == 200
        return len(queries)

    few = count_queries()
    for n in range(9):
        make_organization(
            division=("110105", "310108", "440307")[n % 3], registered_on=dt.date(2010, 5, 1)
        )
    # when
    many = count_queries()
    # then
    assert many == few
    totals = [
        c.stats.total for c in client.get("/compare/?as_of=2011-12-31&kind=all").context["cities"]
    ]
    assert totals == [7, 6, 5]


@pytest.mark.django_db
def test_compare_refuses_a_long_regions_value(english):
    # Given: a regions value far longer than six codes could be
    junk = "4" * 5000

    # When: the page is asked for it
    response = english.get("/compare/", {"regions": junk})

    # Then: a 400 naming the field's limit and the length given, nothing looked up
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 100 characters (it has 5000)" in body
