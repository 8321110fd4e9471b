"""Reads of administrative divisions over time, against the reference data the migration
loads (src/shuniu/divisions/data/divisions.csv)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import NotFound
from shuniu.divisions.selectors import (
    DivisionIndex,
    division_get,
    division_holding,
    division_list,
)

BEIJING_BEFORE_2010_MERGER = [
    "110101",  # 东城区
    "110102",  # 西城区
    "110103",  # 崇文区
    "110104",  # 宣武区
    "110105",
    "110106",
    "110107",
    "110108",
    "110109",
    "110111",
    "110112",
    "110113",
    "110114",
    "110115",
    "110116",
    "110117",
    "110228",  # 密云县
    "110229",  # 延庆县
]
BEIJING_AFTER_2010_MERGER = [c for c in BEIJING_BEFORE_2010_MERGER if c not in {"110103", "110104"}]
BEIJING_AFTER_2015 = [c for c in BEIJING_AFTER_2010_MERGER if c not in {"110228", "110229"}] + [
    "110118",
    "110119",
]


def codes(divisions) -> list[str]:
    return [d.code for d in divisions]


@pytest.fixture
def index(db) -> DivisionIndex:
    return DivisionIndex.load()


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2009, 12, 31), BEIJING_BEFORE_2010_MERGER),
        (dt.date(2010, 6, 30), BEIJING_BEFORE_2010_MERGER),
        (dt.date(2010, 7, 1), BEIJING_AFTER_2010_MERGER),
        (dt.date(2010, 12, 31), BEIJING_AFTER_2010_MERGER),
        (dt.date(2015, 11, 12), BEIJING_AFTER_2010_MERGER),
        (dt.date(2015, 11, 13), sorted(BEIJING_AFTER_2015)),
    ],
)
def test_beijing_county_level_divisions_on_a_date(index, on, expected):
    # given the reference divisions
    beijing = index.by_code["110000"]
    # when listing Beijing's county-level divisions valid on a date
    found = codes(index.county_level_on(beijing.pk, on))
    # then they are the districts and counties of that date, in code order
    assert found == expected


def test_beijing_has_18_divisions_before_and_16_after_the_2010_merger(index):
    # given the reference divisions
    beijing = index.by_code["110000"]
    # when counting at the ends of 2009 and 2010
    before = index.county_level_on(beijing.pk, dt.date(2009, 12, 31))
    after = index.county_level_on(beijing.pk, dt.date(2010, 12, 31))
    # then the merger of 崇文 into 东城 and 宣武 into 西城 shows
    assert (len(before), len(after)) == (18, 16)


def test_shanghai_loses_luwan_on_2011_06_08(index):
    # given the reference divisions
    shanghai = index.by_code["310000"]
    # when listing the day before and the day of the merger
    before = codes(index.county_level_on(shanghai.pk, dt.date(2011, 6, 7)))
    after = codes(index.county_level_on(shanghai.pk, dt.date(2011, 6, 8)))
    # then 卢湾 is there only before
    assert len(before) == 18
    assert [c for c in before if c not in after] == ["310103"]
    assert len(after) == 17


@pytest.mark.parametrize(
    ("code", "on", "holder"),
    [
        # 崇文区 merged into 东城区 on 2010-07-01
        ("110103", dt.date(2010, 6, 30), "110103"),
        ("110103", dt.date(2010, 7, 1), "110101"),
        ("110103", dt.date(2024, 1, 1), "110101"),
        ("110101", dt.date(2010, 6, 30), "110101"),
        # 密云县 became 密云区 on 2015-11-13
        ("110228", dt.date(2015, 11, 12), "110228"),
        ("110228", dt.date(2015, 11, 13), "110118"),
        # a division not yet created is returned as itself
        ("110118", dt.date(2010, 1, 1), "110118"),
        # 卢湾区 merged into 黄浦区 on 2011-06-08
        ("310103", dt.date(2011, 6, 7), "310103"),
        ("310103", dt.date(2011, 6, 8), "310101"),
        # 南汇区 into 浦东新区 (2009), 闸北区 into 静安区 (2015)
        ("310119", dt.date(2009, 5, 6), "310115"),
        ("310108", dt.date(2015, 11, 4), "310106"),
    ],
)
def test_holder_follows_successors_from_the_date_of_the_change(db, code, on, holder):
    # given the reference divisions
    # when asking which division holds a territory on a date
    found = division_holding(code=code, on=on)
    # then it is the division itself until the change and its successor from that day
    assert found.code == holder


def test_division_list_by_parent_and_date(db):
    # given the reference divisions
    # when listing Beijing's children on dates around the changes
    mid_2010 = division_list(parent_code="110000", on=dt.date(2010, 6, 30))
    end_2010 = division_list(parent_code="110000", on=dt.date(2010, 12, 31))
    end_2015 = division_list(parent_code="110000", on=dt.date(2015, 12, 31))
    # then each list holds the divisions valid that day, in code order
    assert codes(mid_2010) == BEIJING_BEFORE_2010_MERGER
    assert codes(end_2010) == BEIJING_AFTER_2010_MERGER
    assert codes(end_2015) == sorted(BEIJING_AFTER_2015)


def test_division_list_without_date_includes_abolished_divisions(db):
    # given the reference divisions
    # when listing Beijing's children at no particular date
    found = codes(division_list(parent_code="110000"))
    # then every division that ever existed is there: the curated ones and, from the
    # national table, those gone before 2009 (通县 110223 became 通州区 in 1997)
    assert set(BEIJING_BEFORE_2010_MERGER) | set(BEIJING_AFTER_2015) < set(found)
    assert "110223" in found
    assert found == sorted(found)


def test_division_list_of_unknown_parent_is_empty(db):
    # given no division with code 999999
    # when listing its children
    found = division_list(parent_code="999999", on=dt.date(2020, 1, 1))
    # then there are none
    assert found == []


def test_division_list_reads_parents_and_successors_in_one_query(db, django_assert_num_queries):
    # given the reference divisions
    # when listing and touching each division's parent and successor
    with django_assert_num_queries(1):
        found = division_list(parent_code="310000")
        links = {d.code: (d.parent.code, d.successor.code if d.successor else None) for d in found}
    # then the links come with the rows
    assert links["310103"] == ("310000", "310101")
    assert links["310104"] == ("310000", None)


def test_division_get(db):
    # given the reference divisions
    # when getting a known and an unknown code
    chongwen = division_get(code="110103")
    # then the known one comes with its successor and the unknown one is not found
    assert (chongwen.name, chongwen.successor.code, chongwen.valid_to) == (
        "崇文区",
        "110101",
        dt.date(2010, 7, 1),
    )
    with pytest.raises(NotFound):
        division_get(code="999999")


CURATED_CITIES = {"110000", "310000", "440300"}


def test_holders_are_valid_or_final(index):
    # given every reference division, national table included
    divisions = list(index.by_id.values())

    @settings(max_examples=60, deadline=None)
    @given(on=st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2040, 12, 31)))
    # the days things changed, and their eves
    @example(on=dt.date(2010, 6, 30))
    @example(on=dt.date(2010, 7, 1))
    @example(on=dt.date(2015, 11, 13))
    @example(on=dt.date(2011, 6, 8))
    @example(on=dt.date(2016, 7, 22))
    @example(on=dt.date(2000, 1, 1))
    @example(on=dt.date(2005, 1, 1))  # 东山区, 芳村区 end with no known successor
    def check(on: dt.date) -> None:
        for division in divisions:
            # when asking for the holder of each division on any date
            holder, through_ancestor = index.resolve(division.pk, on)
            # then a division valid that day holds itself
            if division.is_valid_on(on):
                assert holder.pk == division.pk
                assert not through_ancestor
            # and a holder is valid that day, or has nowhere further to go, or is not yet
            # created: the division itself (南汇区 before 2001: holder() documents this) or a
            # successor the national table reached by skipping a meaning (枝城市 422701
            # ended 1992, 宜都市 420581 from 1996: the "+chain" rule of its NOTICE)
            not_yet_created = holder.valid_from is not None and on < holder.valid_from
            assert (
                holder.is_valid_on(on)
                or (holder.successor_id is None and holder.parent_id is None)
                or not_yet_created
            ), (division, holder, on)
            if not_yet_created and holder.pk != division.pk:
                assert division.successor_rule, (division, holder, on)
            # and only a division that ended before the date falls to an ancestor
            if through_ancestor:
                assert division.valid_to is not None
                assert division.valid_to <= on
                assert holder.pk != division.pk
            # and in the curated cities a territory stays within its city
            parent = index.by_id.get(division.parent_id) if division.parent_id else None
            if parent is not None and parent.code in CURATED_CITIES and not division.successor_rule:
                assert holder.parent_id == division.parent_id

    check()


def test_without_a_parent_the_list_is_the_top_level(db):
    # given the national reference table (loaded by the migrations)
    # when the divisions are listed with no parent, on a date
    found = division_list(on=dt.date(2020, 1, 1))
    # then they are the 34 province-level divisions of GB/T 2260 (31 of the mainland, 台湾省
    # and the two special administrative regions), never the whole table
    assert len(found) == 34
    assert {d.level for d in found} <= {"province", "city"}
    assert {"110000", "440000", "650000", "710000", "810000", "820000"} <= {d.code for d in found}
    assert all(d.parent_id is None for d in found)


def test_the_loaded_index_is_reused_until_a_division_is_written(db, django_assert_num_queries):
    # given an index loaded by an earlier request of this process
    first = DivisionIndex.load()
    # when a later request asks for it, the table unchanged
    with django_assert_num_queries(1):  # the change token, by primary key
        again = DivisionIndex.load()
    # then it is the same index, not the table read again
    assert again is first


@pytest.mark.parametrize("write", ["rename", "insert", "delete", "bulk_update"])
def test_any_write_to_the_division_table_reloads_the_index(db, write):
    # given a loaded index and a division created after it, then the index reloaded
    from shuniu.divisions.models import Division, Level

    beijing = Division.objects.get(code="110000", reuse_kind="")
    extra = Division.objects.create(
        code="119901", name="试验区", level=Level.DISTRICT, parent=beijing
    )
    before = DivisionIndex.load()
    assert before.by_id[extra.pk].name == "试验区"
    # when the table is written by a path that calls no Django code of ours
    if write == "rename":
        Division.objects.filter(pk=extra.pk).update(name="改名区")  # same length
    elif write == "insert":
        Division.objects.bulk_create(
            [Division(code="119902", name="新设区", level=Level.DISTRICT, parent=beijing)]
        )
    elif write == "delete":
        Division.objects.filter(pk=extra.pk).delete()
    else:
        extra.name_en = "Trial"
        Division.objects.bulk_update([extra], ["name_en"])
    after = DivisionIndex.load()
    # then the next load reads the table again and sees the write
    assert after is not before
    expected = {
        "rename": ("改名区", 1),
        "insert": ("试验区", 2),
        "delete": (None, 0),
        "bulk_update": ("试验区", 1),
    }[write]
    found = after.by_id.get(extra.pk)
    assert (found.name if found else None) == expected[0]
    assert sum(1 for d in after.by_id.values() if d.code.startswith("1199")) == expected[1]
