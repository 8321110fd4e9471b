"""Honest defaults: a page asked for a date after its region's records end says so and
offers the last date with records; retention shows no base date without its following years
on record; a published figure of another date names both dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuniu.divisions.selectors import DivisionIndex
from shuniu.stats.selectors import RecordsEnd, records_end
from shuniu.web.views.stats import records_end_notice
from tests.web.html import table_rows
from tests.web.test_workforce_pages import english, world  # noqa: F401 fixtures

TODAY = dt.date(2026, 12, 6)


def notice(html: str) -> tuple[str, str] | None:
    found = re.search(
        r'id="records-end">\s*<span>(.*?)</span>\s*<a [^>]*href="([^"]+)"', html, re.S
    )
    if found is None:
        return None
    return " ".join(unescape(found.group(1)).split()), unescape(found.group(2))


def test_the_last_dates_with_records_of_a_region(small_beijing, division):
    index = DivisionIndex.load()
    # when the ends of Beijing's, 西城's and Shanghai's records are read
    beijing = records_end(region=division("110000"), today=TODAY, index=index)
    xicheng = records_end(region=division("110102"), today=TODAY, index=index)
    shanghai = records_end(region=division("310000"), today=TODAY, index=index)
    # then the latest event: 西城's application of 2011-05-01; Shanghai has none
    assert beijing == RecordsEnd(organizations=dt.date(2011, 5, 1), workforce=None)
    assert xicheng == RecordsEnd(organizations=dt.date(2011, 5, 1), workforce=None)
    assert shanghai == RecordsEnd(organizations=None, workforce=None)
    # and 东城's includes 崇文's, merged into it in 2010
    dongcheng = records_end(region=division("110101"), today=TODAY, index=index)
    assert dongcheng.organizations == dt.date(2010, 3, 1)


def test_events_after_today_do_not_count(small_beijing, division):
    index = DivisionIndex.load()
    end = records_end(region=division("110000"), today=dt.date(2010, 12, 31), index=index)
    assert end.organizations == dt.date(2010, 9, 1)


@given(
    last=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))),
    as_of=st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
)
def test_a_notice_exactly_when_the_date_is_past_the_records(last, as_of):
    found = records_end_notice(last, as_of, {"region": "110000", "as_of": as_of.isoformat()})
    if last is None or as_of <= last:
        assert found is None
    else:
        assert found is not None
        assert found.last == last
        assert found.url == f"?region=110000&as_of={last.isoformat()}"


@pytest.mark.django_db
def test_the_dashboard_says_where_the_records_end(client, small_beijing):
    client.cookies["django_language"] = "en"
    # when the Beijing dashboard is asked for 2013
    html = client.get("/", {"region": "110000", "as_of": "2013-06-30"}).content.decode()
    # then it says the records end on 2011-05-01 and offers that date, the kind kept
    assert notice(html) == (
        "The records of Beijing end on 2011-05-01: a later date shows the state of that day.",
        "?region=110000&as_of=2011-05-01&kind=agency",
    )
    # and on a date within the records it says nothing
    html = client.get("/", {"region": "110000", "as_of": "2011-05-01"}).content.decode()
    assert notice(html) is None


@pytest.mark.django_db
def test_the_notice_reads_in_chinese(client, small_beijing):
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/", {"region": "110102", "as_of": "2013-06-30"}).content.decode()
    assert notice(html) == (
        "西城区 的记录止于 2011-05-01：之后的日期显示的都是那一天的状态。",
        "?region=110102&as_of=2011-05-01&kind=agency",
    )


def test_retention_shows_no_base_date_past_the_records(english, world):  # noqa: F811
    # given Beijing's workforce records, which end with a certificate of 2012-12-15
    # when the workforce page is asked for 2014-06-30
    html = english.get("/workforce/", {"region": "110000", "as_of": "2014-06-30"})
    html = html.content.decode()
    # then it says where the records end, and retention lists no base date
    assert notice(html) == (
        "The records of Beijing end on 2012-12-15: a later date shows the state of that day.",
        "?region=110000&as_of=2012-12-15",
    )
    assert table_rows(html, "retention-table")[1:] == [
        [
            "No base date has its following years on record: the records end on 2012-12-15. "
            "Choose a date up to then to see retention."
        ]
    ]
    assert 'id="retention-chart"' not in html
    # and the download says the same: headers, no rows
    response = english.get(
        "/workforce/download/",
        {"region": "110000", "as_of": "2014-06-30", "chart": "retention", "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Years", "Base date", "Employed then", "Still employed", "Retention (%)"]]


def test_retention_within_the_records_is_shown(english, world):  # noqa: F811
    html = english.get("/workforce/", {"region": "110000", "as_of": "2012-11-30"})
    html = html.content.decode()
    assert notice(html) is None
    assert [row[:2] for row in table_rows(html, "retention-table")[1:]] == [
        ["1", "2011-11-30"],
        ["3", "2009-11-30"],
    ]


@pytest.mark.django_db
def test_the_comparison_says_where_the_latest_records_end(client, small_beijing):
    client.cookies["django_language"] = "en"
    # when the three cities are compared in 2013 (only Beijing has records, up to 2011-05-01)
    html = client.get("/compare/", {"as_of": "2013-06-30"}).content.decode()
    # then the page says so and offers that date
    assert notice(html) == (
        "The records of Beijing, Shanghai, Shenzhen end on 2011-05-01: a later date shows the "
        "state of that day.",
        "?as_of=2011-05-01&kind=agency",
    )
    # and not on that date
    assert notice(client.get("/compare/", {"as_of": "2011-05-01"}).content.decode()) is None
