"""The index behind searches of 1 and 2 characters (SQLite: ``registry_organization_gram``,
kept in step with ``search_text`` by triggers) and the directory search's two ways of reading
a page. On PostgreSQL the same searches run on pg_trgm: the result checks hold there too,
the table checks are SQLite's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from shuniu.core.actors import cli_actor
from shuniu.registry.bulk import OrganizationRow, organizations_import
from shuniu.registry.models import Organization
from shuniu.registry.selectors import (
    ORDERINGS,
    OrganizationFilter,
    organization_list,
    organization_search,
)
from shuniu.registry.services import organization_event_add, organization_update
from tests.factories import make_organization

sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the gram table is SQLite's index"
)


def grams_in_python() -> set[tuple[str, int]]:
    """What the table should hold: each distinct character and pair without a space."""
    expected = set()
    for pk, text in Organization.objects.values_list("pk", "search_text"):
        for n in (1, 2):
            for i in range(len(text) - n + 1):
                gram = text[i : i + n]
                if " " not in gram:
                    expected.add((gram, pk))
    return expected


def grams_stored() -> set[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT gram, organization_id FROM registry_organization_gram")
        return set(cursor.fetchall())


def names_found(q: str) -> list[str]:
    page, count = organization_list(
        actor=AnonymousUser(), filters=OrganizationFilter(q=q), limit=200
    )
    assert count == len(page)
    return sorted(org.name for org in page)


def test_short_searches_follow_every_write(db, admin_user):
    # given two organizations registered through the service, one of them with an address
    actor = cli_actor("test")
    first = make_organization(name="晨曦社工事务所", address="东城区安定门", with_uscc=False)
    second = make_organization(name="博爱服务中心", with_uscc=False)
    assert (names_found("晨曦"), names_found("定"), names_found("爱")) == (
        ["晨曦社工事务所"],
        ["晨曦社工事务所"],
        ["博爱服务中心"],
    )
    # when the first moves address, the second is renamed (the former name stays
    # searchable), a third arrives by import and the import changes the first's English name
    organization_update(
        actor=admin_user, organization=first, expected_version=first.version, address="西城区"
    )
    organization_event_add(
        actor=admin_user,
        organization=second,
        kind="renamed",
        date=dt.date(2012, 1, 1),
        name_after="友邻服务中心",
        source="t",
    )
    result = organizations_import(
        actor=actor,
        rows=[
            OrganizationRow(row=2, name="心桥社工站", kind="agency", registrar_division="110101"),
        ],
        dry_run=False,
    )
    assert result.errors == []
    # then each short search finds what the search text now holds, and only that
    assert names_found("定") == []
    assert names_found("西城") == ["晨曦社工事务所"]
    assert names_found("友邻") == ["友邻服务中心"]
    assert names_found("博爱") == ["友邻服务中心"]
    assert names_found("心桥") == ["心桥社工站"]
    assert names_found("社工") == ["心桥社工站", "晨曦社工事务所"]
    # and when the renamed one is deleted, it is no longer found
    Organization.objects.filter(pk=second.pk).delete()
    assert names_found("友邻") == []
    assert names_found("服务") == []


@sqlite_only
def test_the_gram_table_holds_each_search_text_exactly(db, admin_user):
    # given organizations created, changed, renamed and deleted (with a space, Latin letters
    # and a repeated character in their search texts)
    kept = make_organization(name="阳光阳光社", name_en="Sun Shine", with_uscc=False)
    gone = make_organization(name="彩虹中心", address="丰台路1号")
    organization_update(
        actor=admin_user, organization=kept, expected_version=kept.version, address="朝阳路"
    )
    organization_event_add(
        actor=admin_user,
        organization=gone,
        kind="renamed",
        date=dt.date(2012, 1, 1),
        name_after="彩虹之家",
        source="t",
    )
    make_organization(name="同心", with_uscc=False)
    Organization.objects.filter(pk=gone.pk).delete()
    # when the gram table is read
    stored = grams_stored()
    # then it holds exactly the distinct 1- and 2-character pieces of the remaining rows'
    # search texts, none with a space, none of the deleted one
    assert stored == grams_in_python()
    assert ("阳光", kept.pk) in stored
    assert ("n ", kept.pk) not in stored
    assert not any(pk == gone.pk for _gram, pk in stored)


@pytest.fixture
def tied(db):
    """Organizations whose names tie, in an order that differs from their ids'."""
    names = ["乙阳光", "甲阳光", "乙阳光", "丙中心", "甲阳光", "丁阳", "乙阳光", "丙阳光社"]
    return [make_organization(name=name, with_uscc=False) for name in names]


@pytest.mark.parametrize("q", ["阳", "阳光", "阳光社", "中心"])
def test_both_ways_of_reading_a_page_give_the_same_rows(tied, q):
    # given organizations tied on names (fixture)
    qs = Organization.objects.order_by(*ORDERINGS["name"])
    # when a page is read through the set of matches and by the name index, at each offset
    pages = {
        scan: [
            [org.pk for org in organization_search(qs, q, scan=scan)[offset : offset + 2]]
            for offset in range(0, 8, 2)
        ]
        for scan in (False, True)
    }
    # then the pages are the same, ordered by name then id, as LIKE finds them
    expected = list(qs.filter(search_text__contains=q.lower()).values_list("pk", flat=True))
    assert pages[True] == pages[False]
    assert [pk for page in pages[True] for pk in page] == expected


@pytest.mark.parametrize("q", ["阳", "阳光", "阳光社"])
def test_the_directory_search_counts_and_pages_as_like_does(tied, q):
    # given organizations tied on names (fixture)
    expected = list(
        Organization.objects.filter(search_text__contains=q)
        .order_by(*ORDERINGS["name"])
        .values_list("pk", flat=True)
    )
    # when every page of every size is listed (small pages read by name, large ones by the
    # matches)
    for size in (1, 2, 3, 50):
        pages = []
        for offset in range(0, len(expected) + size, size):
            page, count = organization_list(
                actor=AnonymousUser(),
                filters=OrganizationFilter(q=q),
                offset=offset,
                limit=size,
            )
            # then the count is that of LIKE and the pages follow one another
            assert count == len(expected)
            pages += [org.pk for org in page]
        assert pages == expected
