from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shuniu.divisions.models import Division
from shuniu.targets.models import PublishedFigure

QUERY = "/?region=110000&as_of=2011-12-31&kind=agency"


def district_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#district-table tbody tr",
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overview_in_chromium(live_server, page, small_beijing, artifacts):
    # given the small Beijing registry and a published figure for the same date
    PublishedFigure.objects.create(
        region=Division.objects.get(code="110000"),
        metric="organizations",
        kind="agency",
        value=Decimal(3),
        as_of=dt.date(2011, 12, 31),
        source="测试来源 2012",
    )
    # when a Chinese browser opens the page for the end of 2011
    page.goto(live_server.url + QUERY)
    # then the district table holds the counts of that date
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    rows = district_rows(page)
    assert rows[:2] == [["110101", "东城区", "2"], ["110102", "西城区", "1"]]
    assert len(rows) == 16
    assert page.locator("#district-table tfoot td").inner_text() == "3"
    assert page.locator("#figure-total").inner_text() == "3"
    assert "公布 3 / 计算 3" in page.locator(".comparison").inner_text()
    # and ECharts drew its canvas inside the chart container
    page.wait_for_selector("#series-chart[data-rendered=true]")
    box = page.locator("#series-chart canvas").bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 200
    page.screenshot(path=str(artifacts / "overview-zh-hans.png"), full_page=True)

    # when the reader switches to English (a plain form post, no script involved)
    page.click("form.language-switch button[value=en]")
    page.wait_for_load_state("load")
    # then the same query is shown in English
    assert page.url == live_server.url + QUERY
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#district-heading").inner_text() == "By district"
    assert district_rows(page)[:2] == [
        ["110101", "Dongcheng District", "2"],
        ["110102", "Xicheng District", "1"],
    ]
    assert "published 3 / computed 3" in page.locator(".comparison").inner_text()
    page.wait_for_selector("#series-chart[data-rendered=true]")
    page.screenshot(path=str(artifacts / "overview-en.png"), full_page=True)

    # and on a phone the columns stack and the chart shrinks to the screen
    page.set_viewport_size({"width": 390, "height": 844})
    # (polled from here: wait_for_function evaluates a string, which the page's CSP forbids)
    width = "document.querySelector('#series-chart canvas').getBoundingClientRect().width"
    for _ in range(100):
        if page.evaluate(width) < 390:
            break
        page.wait_for_timeout(50)
    assert page.evaluate(width) < 390
    page.screenshot(path=str(artifacts / "overview-en-phone.png"), full_page=True)
    assert page.problems.messages == []
