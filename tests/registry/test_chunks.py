"""Keyset paging of ``organization_chunks``: the same organizations in the same order as the
OFFSET pages of ``organization_list``, for every ordering, with ties in the sort key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.registry.selectors import (
    KEYSETS,
    ORDERINGS,
    OrganizationFilter,
    organization_chunks,
    organization_list,
)
from tests.factories import make_organization

DAY = dt.date(2015, 3, 1)


@pytest.fixture
def tied(db):
    """Organizations tied on every key the orderings use: dates (and no dates), names
    (the same name in two districts)."""
    made = []
    for division in ("110101", "110102"):
        for name, registered_on, founded_on in (
            ("同名社工事务所", DAY, DAY),
            ("同名社工事务所", None, None),
            ("阿社工事务所", DAY, None),
            ("阿社工事务所", DAY, dt.date(2012, 5, 1)),
            ("乙社工事务所", None, dt.date(2011, 1, 1)),
            ("丙社工事务所", DAY, DAY),
        ):
            made.append(
                make_organization(
                    name=f"{name}{division}" if name != "同名社工事务所" else name,
                    division=division,
                    registered_on=registered_on,
                    founded_on=founded_on,
                    with_uscc=False,
                )
            )
    return made


def _offset_order(order: str, filters: OrganizationFilter) -> list[int]:
    ids: list[int] = []
    offset = 0
    while True:
        page, count = organization_list(
            actor=AnonymousUser(), filters=filters, order=order, offset=offset, limit=3
        )
        ids += [org.pk for org in page]
        offset += 3
        if offset >= count:
            return ids


def test_every_ordering_has_its_keys():
    # Given the orderings of the lists, then each has its keyset, ending with the id
    assert set(KEYSETS) == set(ORDERINGS)
    assert all(keys[-1][0] == "id" for keys in KEYSETS.values())


@pytest.mark.parametrize("order", sorted(ORDERINGS))
@pytest.mark.parametrize("chunk", [1, 2, 5, 200])
def test_keyset_chunks_match_offset_pages(tied, order, chunk):
    # Given twelve organizations with ties in names and dates
    filters = OrganizationFilter()
    expected = _offset_order(order, filters)
    # When all are read in chunks
    got = [
        org.pk
        for org in organization_chunks(
            actor=AnonymousUser(), filters=filters, order=order, chunk=chunk
        )
    ]
    # Then they are the same organizations in the same order, each once
    assert got == expected
    assert sorted(got) == sorted(org.pk for org in tied)


def test_keyset_chunks_keep_filters(tied):
    # Given a region filter and chunks of two
    filters = OrganizationFilter(region="110102")
    # When all are read
    got = [
        org.pk
        for org in organization_chunks(
            actor=AnonymousUser(), filters=filters, order="registered_on", chunk=2
        )
    ]
    # Then only that district's six come, in the list's order
    assert got == _offset_order("registered_on", filters)
    assert len(got) == 6


def test_each_chunk_is_one_bounded_read(tied, django_assert_max_num_queries):
    # Given chunks of 5 over 12 organizations: 3 chunks
    # When all are read
    # Then each chunk costs its page query and the prefetch of service fields
    with django_assert_max_num_queries(8):
        rows = list(
            organization_chunks(
                actor=AnonymousUser(), filters=OrganizationFilter(), order="founded_on", chunk=5
            )
        )
    assert len(rows) == 12
