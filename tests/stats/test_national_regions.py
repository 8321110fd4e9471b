"""Statistics of any province or prefecture-level city from the national reference table
(issue 10, point 1): Guangzhou 440100 and Guangdong 440000, merges, reused codes and
divisions that ended without a known successor."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.selectors import DivisionIndex
from shuniu.stats.selectors import organization_stats
from tests.factories import make_organization

END_2020 = dt.date(2020, 12, 31)
END_2010 = dt.date(2010, 12, 31)
# Guangzhou's eleven districts since 从化 and 增城 became districts in 2014.
GUANGZHOU_2020 = [
    "440103",  # 荔湾区
    "440104",  # 越秀区
    "440105",  # 海珠区
    "440106",  # 天河区
    "440111",  # 白云区
    "440112",  # 黄埔区
    "440113",  # 番禺区
    "440114",  # 花都区
    "440115",  # 南沙区
    "440117",  # 从化区
    "440118",  # 增城区
]
# In 2010: 萝岗区 still a district, 从化 and 增城 county-level cities.
GUANGZHOU_2010 = [
    *[c for c in GUANGZHOU_2020 if c not in {"440117", "440118"}],
    "440116",  # 萝岗区
    "440183",  # 增城市
    "440184",  # 从化市
]


@pytest.fixture
def guangdong_orgs(db):
    """Agencies in Guangzhou, Shenzhen and Shaoguan."""
    make_organization(division="440106", registered_on=dt.date(2009, 5, 1))  # 天河区
    make_organization(division="440106", registered_on=dt.date(2012, 5, 1))
    make_organization(division="440183", registered_on=dt.date(2010, 3, 1))  # 增城市
    # 东山区 merged into 越秀区 in 2005; the national table names no successor
    make_organization(division="440102", registered_on=dt.date(2003, 3, 1))
    make_organization(division="440303", registered_on=dt.date(2011, 3, 1))  # 罗湖区, Shenzhen
    make_organization(division="440203", registered_on=dt.date(2015, 3, 1))  # 武江区, Shaoguan


def counted(figures) -> dict[str, int]:
    return {d.code: d.count for d in figures.by_district if d.count}


def test_guangzhou_groups_by_its_districts_of_the_date(guangdong_orgs):
    # when counting Guangzhou's agencies at the end of 2020
    figures = organization_stats(region_code="440100", as_of=END_2020, kind="agency")
    # then the rows are the eleven districts of 2020
    assert [d.code for d in figures.by_district] == sorted(GUANGZHOU_2020)
    assert figures.districts_total == 11
    # and 增城市 (a district since 2014) counts in 增城区; 东山区 ended with no known
    # successor, so it counts under Guangzhou itself, in the total and flagged
    assert counted(figures) == {"440106": 2, "440118": 1}
    assert figures.total == 4
    assert figures.under_ancestor == 1
    assert figures.districts_covered == 2
    assert figures.region.name == "广州市"


def test_guangzhou_in_2010_has_the_divisions_of_2010(guangdong_orgs):
    figures = organization_stats(region_code="440100", as_of=END_2010, kind="agency")
    assert [d.code for d in figures.by_district] == sorted(GUANGZHOU_2010)
    # the 2012 agency does not exist yet; 增城市 counts as itself
    assert counted(figures) == {"440106": 1, "440183": 1}
    assert (figures.total, figures.under_ancestor) == (3, 1)


def test_a_province_groups_by_its_prefecture_level_cities(guangdong_orgs):
    # when counting Guangdong at the end of 2020
    figures = organization_stats(region_code="440000", as_of=END_2020, kind="agency")
    # then there is one row per prefecture-level city (21), Shenzhen among them
    assert figures.districts_total == 21
    assert all(d.code.endswith("00") for d in figures.by_district)
    # and the organization under Guangzhou (东山区) is in Guangzhou's row
    assert counted(figures) == {"440100": 4, "440200": 1, "440300": 1}
    assert (figures.total, figures.under_ancestor) == (6, 1)


def test_a_county_merged_into_another_counts_in_its_successor(db):
    # given an agency of 阜阳县 342121, merged into the county-level 阜阳市 342101 in 1992
    make_organization(division="342121", registered_on=dt.date(1990, 3, 1))
    # when counting 阜阳地区 342100 before and after the merger
    before = organization_stats(region_code="342100", as_of=dt.date(1991, 12, 31))
    after = organization_stats(region_code="342100", as_of=dt.date(1993, 12, 31))
    # then it counts in 阜阳县, then in 阜阳市 (not under an ancestor: the successor is known)
    assert counted(before) == {"342121": 1}
    assert counted(after) == {"342101": 1}
    assert "342121" not in [d.code for d in after.by_district]
    assert after.under_ancestor == 0
    # and after 1996, when 阜阳地区 became the prefecture-level 阜阳市 341200, the old
    # code is refused and the new one named
    with pytest.raises(ValidationError, match="use 341200"):
        organization_stats(region_code="342100", as_of=dt.date(1997, 1, 1))
    assert organization_stats(region_code="341200", as_of=dt.date(1997, 1, 1)).total == 1


def test_a_reused_code_means_what_it_meant_on_the_date(db):
    index = DivisionIndex.load()
    # 440203 was 浈江区 until 2003 (its older meaning) and is 武江区 since
    assert index.code_on("440203", dt.date(2000, 6, 30)).name == "浈江区"
    assert index.code_on("440203", dt.date(2010, 6, 30)).name == "武江区"
    assert index.by_code["440203"].name == "武江区"
    # and 500110 was 万盛区 until 2011, then 綦江区
    assert index.code_on("500110", END_2010).name == "万盛区"
    assert index.code_on("500110", dt.date(2012, 1, 1)).name == "綦江区"


def test_an_organization_of_a_reused_codes_older_meaning_follows_that_place(db):
    # given an agency of 浈江区 while its code was 440203 (renumbered 440204 in 2003,
    # after which 440203 means 武江区)
    old = DivisionIndex.load().code_on("440203", dt.date(2000, 6, 30))
    make_organization(division=old, registered_on=dt.date(2000, 1, 1))
    # when counting Shaoguan 440200 in 2002 and in 2010
    in_2002 = organization_stats(region_code="440200", as_of=dt.date(2002, 12, 31))
    in_2010 = organization_stats(region_code="440200", as_of=END_2010)
    # then it is 浈江区's under either code, never 武江区's
    assert counted(in_2002) == {"440203": 1}
    assert [d.name for d in in_2002.by_district if d.count] == ["浈江区"]
    assert counted(in_2010) == {"440204": 1}


def test_chongqing_in_2010_counts_wansheng_under_its_old_code(db):
    # 万盛区 (500110 until 2011, an older meaning in the reused file) is a district of 2010
    figures = organization_stats(region_code="500000", as_of=END_2010)
    names = {d.code: d.name for d in figures.by_district}
    assert names["500110"] == "万盛区"
    assert names["500111"] == "双桥区"


@pytest.mark.parametrize(
    ("code", "on", "error"),
    [
        ("999999", END_2020, NotFound),  # no such code
        ("440116", END_2020, ValidationError),  # 萝岗区 ended in 2014
        ("440117", END_2010, ValidationError),  # 从化区 not yet created
    ],
)
def test_bad_regions_are_refused(db, code, on, error):
    with pytest.raises(error):
        organization_stats(region_code=code, as_of=on)


def test_api_and_cli_give_guangzhou_the_same_figures(client, guangdong_orgs):
    api = client.get(
        "/api/v1/stats/organizations",
        {"region": "440100", "as_of": "2020-12-31", "kind": "agency"},
    )
    assert api.status_code == 200
    out = io.StringIO()
    call_command(
        "stats",
        "organizations",
        "--region",
        "440100",
        "--as-of",
        "2020-12-31",
        "--kind",
        "agency",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == api.json()
    assert (api.json()["total"], api.json()["under_ancestor"]) == (4, 1)


def test_api_province_stats(client, guangdong_orgs):
    body = client.get(
        "/api/v1/stats/organizations", {"region": "440000", "as_of": "2020-12-31"}
    ).json()
    assert body["region"]["code"] == "440000"
    assert body["districts_total"] == 21
    assert body["total"] == 6


def test_api_refuses_a_region_not_valid_on_the_date_as_a_problem(client, db):
    response = client.get(
        "/api/v1/stats/organizations", {"region": "440116", "as_of": "2020-12-31"}
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "440116" in response.content.decode()


def test_cli_refuses_an_unknown_region_in_one_line(db):
    with pytest.raises(CommandError) as caught:
        call_command("stats", "organizations", "--region", "449999", "--as-of", "2020-12-31")
    assert "\n" not in str(caught.value)
    assert "449999" in str(caught.value)


def test_cli_table_names_the_organizations_under_an_ancestor(guangdong_orgs, capsys):
    call_command("stats", "organizations", "--region", "440100", "--as-of", "2020-12-31")
    printed = capsys.readouterr().out
    assert "广州市" in printed
    assert "天河区" in printed
