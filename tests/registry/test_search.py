"""Substring search of organizations (design.md section 5).

The same tests run on SQLite (FTS5 trigram for 3+ characters, LIKE below) and on
PostgreSQL (pg_trgm); CI runs the suite on both, so each case pins the exact result set.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from shuniu.registry.models import Organization
from shuniu.registry.selectors import OrganizationFilter, organization_list, organization_search
from shuniu.registry.services import organization_update
from tests.factories import make_organization

DONGCHENG = "东城区助人社工事务所"
XICHENG = "西城区悦群社会工作事务所"
CHAOYANG = "朝阳区阳光社工服务中心"
HAIDIAN = "海淀区启航社会工作发展中心"
FENGTAI = "丰台区百分百关爱中心"


@pytest.fixture
def organizations(db):
    # Without credit codes: their letters and digits would otherwise be searchable too.
    make_organization(
        name=DONGCHENG, division="110101", address="东城区安定门东大街28号", with_uscc=False
    )
    make_organization(
        name=XICHENG, division="110102", address="西城区西直门南小街", with_uscc=False
    )
    make_organization(
        name=CHAOYANG,
        division="110105",
        name_en="Sunshine Social Work Service Center",
        address="朝阳区建国路88号",
        with_uscc=False,
    )
    make_organization(
        name=HAIDIAN, division="110108", address="海淀区中关村南大街27号互助楼", with_uscc=False
    )
    make_organization(
        name=FENGTAI,
        division="110106",
        name_en='Care 100% "Hope"_Net',
        address="丰台区丰台路1号",
        with_uscc=False,
    )


def search(q: str) -> list[str]:
    page, count = organization_list(actor=AnonymousUser(), filters=OrganizationFilter(q=q))
    names = sorted(org.name for org in page)
    assert count == len(names)
    return names


def test_chinese_substring_search(organizations):
    # given five organizations in Beijing (fixture)
    expected = {
        # one character: in a name, in an address
        "助": [DONGCHENG, HAIDIAN],
        # two characters
        "助人": [DONGCHENG],
        "东城": [DONGCHENG],
        "社工": [CHAOYANG, DONGCHENG],
        "互助": [HAIDIAN],
        # three or more characters
        "助人社工": [DONGCHENG],
        "社会工作": [HAIDIAN, XICHENG],
        "互助楼": [HAIDIAN],
        "西直门南小街": [XICHENG],
        "区助人社工事务所": [DONGCHENG],
        "南京市": [],
        # a substring is contiguous: its characters merely in order do not match
        "助社工": [],
        "社工作": [],
    }
    # when searching for each query
    found = {q: search(q) for q in expected}
    # then exactly the organizations whose name or address contains it are found
    assert found == {q: sorted(names) for q, names in expected.items()}


def test_english_search_ignores_case_and_extra_spaces(organizations):
    # given five organizations, one with an English name (fixture)
    expected = {
        "sunshine": [CHAOYANG],
        "SunShine SOCIAL": [CHAOYANG],
        "social work": [CHAOYANG],
        "  Social \t  WORK ": [CHAOYANG],
        "so": [CHAOYANG],
        "HOPE": [FENGTAI],
        "centre": [],
    }
    # when searching in mixed case
    found = {q: search(q) for q in expected}
    # then the case and runs of whitespace in the query do not matter
    assert found == {q: sorted(names) for q, names in expected.items()}


def test_special_characters_are_literal(organizations):
    # given one organization whose English name holds %, _ and double quotes (fixture)
    expected = {
        "%": [FENGTAI],
        "_": [FENGTAI],
        '"': [FENGTAI],
        "100%": [FENGTAI],
        '"hope"': [FENGTAI],
        '"hope"_': [FENGTAI],
        "e_n": [],
        # as LIKE wildcards these would match 社会工 and 社会工作
        "社_工": [],
        "社%工": [],
        "%%": [],
        "__": [],
        '社"工': [],
        '"社会工作"': [],
        "\\": [],
        "*": [],
        # FTS5 query syntax
        "社会 OR 工作": [],
        "NEAR(社会 工作)": [],
        "社会*": [],
    }
    # when the query holds LIKE wildcards, quotes or FTS5 syntax
    found = {q: search(q) for q in expected}
    # then they match themselves only and never widen the result
    assert found == {q: sorted(names) for q, names in expected.items()}


def test_blank_query_does_not_filter(organizations):
    # given five organizations (fixture)
    # when searching for whitespace only
    names = search("   ")
    # then all are listed
    assert names == sorted([DONGCHENG, XICHENG, CHAOYANG, HAIDIAN, FENGTAI])


def test_search_follows_an_address_change(organizations, admin_user):
    # given an organization found by its old address
    page, _ = organization_list(actor=admin_user, filters=OrganizationFilter(q="安定门东大街"))
    [org] = page
    # when its address is corrected
    organization_update(
        actor=admin_user,
        organization=org,
        expected_version=org.version,
        address="东城区和平里西街51号",
    )
    # then the new address is found and the old one is not, for long and short queries
    assert search("和平里西街") == [DONGCHENG]
    assert search("里西") == [DONGCHENG]
    assert search("安定门东大街") == []
    assert search("定门") == []
    # and the name, unchanged, is still found
    assert search("助人社工") == [DONGCHENG]


def test_long_queries_use_the_search_index(organizations):
    # given the search index of this database (FTS5 trigram table or pg_trgm GIN index);
    # on a handful of rows PostgreSQL prefers a table scan or the name index: leave it
    # only bitmap scans, which the GIN index alone can serve for LIKE '%q%'
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
    index = {
        "sqlite": "registry_organization_fts",
        "postgresql": "registry_organization_search_trgm",
    }[connection.vendor]
    # when planning a search of three or more characters
    plan = organization_search(Organization.objects.order_by(), "助人社工").explain()
    # then the plan reads the index
    assert index in plan
