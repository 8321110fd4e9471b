"""The one pager of the site: page numbers and links from a count, over Paginator."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shuniu.web.paging import PageLink, page_count, page_url, pager

QUERY = {"kind": "agency", "q": "", "page": "6"}


def test_page_links_skip_the_middle():
    # given page 6 of 11 / when
    shown = pager(path="/organizations/", query=QUERY, number=6, count=270, per_page=25, shown=25)
    # then the first, the last and two either side of the current page
    assert [link.number for link in shown.links] == [1, None, 4, 5, 6, 7, 8, None, 11]
    assert [link.number for link in shown.links if link.current] == [6]
    assert shown.links[0] == PageLink(number=1, url="/organizations/?kind=agency")
    assert shown.links[-1].url == "/organizations/?kind=agency&page=11"
    assert (shown.first, shown.last, shown.pages) == (126, 150, 11)
    assert shown.previous_url == "/organizations/?kind=agency&page=5"
    assert shown.next_url == "/organizations/?kind=agency&page=7"


def test_a_gap_of_one_page_links_the_page_instead():
    # given page 5 of 11 (only page 2 lies between the first page and the window)
    shown = pager(path="/p/", query={}, number=5, count=11, per_page=1, shown=1)
    # then page 2 is linked rather than hidden behind a gap marker
    assert [link.number for link in shown.links] == [1, 2, 3, 4, 5, 6, 7, None, 11]


def test_one_page_has_no_numbered_links():
    # given / when all rows fit one page
    shown = pager(path="/p/", query={"q": "x"}, number=1, count=27, per_page=50, shown=27)
    # then
    assert shown.links == []
    assert (shown.pages, shown.first, shown.last) == (1, 1, 27)
    assert (shown.previous_url, shown.next_url) == ("", "")


def test_a_page_past_the_last_shows_nothing_and_links_back():
    # given page 3 of a log with one page of records
    shown = pager(path="", query={"user": "bulk"}, number=3, count=10, per_page=50, shown=0)
    # then no range, no numbered links, and a relative link to the page before
    assert (shown.first, shown.last, shown.links) == (0, 0, [])
    assert shown.previous_url == "?user=bulk&page=2"


def test_relative_link_to_the_first_page_is_not_empty():
    # given / when links relative to the page, without filters
    first = page_url("", {}, 1)
    # then the link still points somewhere (an empty href would reload the same page)
    assert first == "?"


@given(count=st.integers(min_value=0, max_value=10_000), per_page=st.sampled_from([25, 50, 100]))
def test_every_row_lies_on_exactly_one_page(count, per_page):
    # given / when
    pages = page_count(count, per_page)
    # then the pages hold the rows with the last one partly filled, and an empty list
    # still has its one (empty) page
    assert pages >= 1
    assert (pages - 1) * per_page <= max(count - 1, 0) < pages * per_page or count == 0
