"""Targets in chromium, on the demo dataset: the list of Beijing's targets at the end of
2010, the 2010 plan's page with its curve against the pace line, and a Beijing officer
recording a target whose districts are picked as they were in 2010 (崇文 and 宣武).

One test walks through all of it: loading the demo dataset takes most of its time.
Screenshots go to ``test-artifacts/`` (``SHUNIU_SHOTS=dir``: there instead)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shuniu.core.actors import cli_actor
from shuniu.demo import dataset as ds
from shuniu.demo.services import demo_load
from shuniu.targets.models import Target
from tests.browser.test_workspace_browser import cells, log_in

CHART = """
(el) => {
  const option = echarts.getInstanceByDom(el).getOption();
  return {
    drawn: el.querySelectorAll("canvas, svg").length > 0,
    series: option.series.map((s) => [s.name, s.data.length]),
  };
}
"""


@pytest.fixture
def demo(transactional_db):
    demo_load(actor=cli_actor("browser test"))


@pytest.fixture
def shots(artifacts) -> Path:
    where = Path(os.environ.get("SHUNIU_SHOTS", artifacts))
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_targets_list_page_and_the_officers_district_picker(
    live_server, page, demo, beijing_officer, shots
):
    base = live_server.url
    plan = Target.objects.get(document__title=ds.PLAN_2010)
    # when a reader opens Beijing's targets at the end of 2010
    page.goto(base + "/targets/?region=110000&as_of=2010-12-31")
    # then the 2010 plan is met with 17 agencies, first on 2010-06-15
    row = page.locator(f"#target-{plan.pk}")
    assert row.get_attribute("data-state") == "met"
    assert row.locator("td").all_inner_texts()[4:] == ["17", "170.00 %", "已达成", "2010-06-15"]
    assert page.locator("#targets-table > tbody > tr").count() == 3
    page.screenshot(path=str(shots / "targets-list.png"), full_page=True)

    # when they open its page
    row.locator("a").first.click()
    page.wait_for_selector("#target-chart[data-rendered=true]")
    # then the chart is drawn with the actual and the pace over the curve's dates, and the
    # table beside it has the same 25 rows, ending at the due date with 17
    drawn = page.eval_on_selector("#target-chart", CHART)
    assert drawn == {"drawn": True, "series": [["实际", 25], ["进度线", 25]]}
    table = cells(page, "#curve-table")
    assert len(table) == 25
    assert table[0][0] == "2010-01-01"
    assert table[-1] == ["2010-12-31", "17", "10"]
    assert page.locator("#figure-state").inner_text() == "已达成"
    page.screenshot(path=str(shots / "target.png"), full_page=True)

    # when a Beijing officer lists the districts of the plan's date in the target form
    log_in(page, live_server, beijing_officer)
    page.goto(base + "/workspace/targets/")
    page.fill("#id_picker-on", "2010-01-01")
    page.click("#district-picker button[type=submit]")
    page.wait_for_url("**picker-on=2010-01-01**")
    # then Beijing's districts of that date are listed, 崇文 and 宣武 among them
    assert page.input_value("#id_picker-of") == "110000"
    labels = page.locator("#id_target-scope label").all_inner_texts()
    assert "崇文区 (110103)，2010-07-01 起为东城区" in labels
    assert "宣武区 (110104)，2010-07-01 起为西城区" in labels
    assert len(labels) == 18
    # when they record a plan of 3 agencies in 东城, 崇文 and 宣武 by the end of 2010
    form = page.locator("#target-form")
    form.locator("#id_target-document").select_option(label=ds.PLAN_2010)
    form.locator("#id_target-metric").select_option("organizations")
    form.locator("#id_target-kind").select_option("agency")
    form.locator("#id_target-value").fill("3")
    form.locator("#id_target-due_on").fill("2010-06-30")
    for code in ("110101", "110103", "110104"):
        form.locator(f"input[name=target-scope][value='{code}']").check()
    page.screenshot(path=str(shots / "target-form.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    # then it is recorded with those three districts
    assert page.locator(".alert-success").inner_text().strip() == "已登记。"
    recorded = Target.objects.get(value=3, due_on="2010-06-30")
    assert sorted(recorded.scope.values_list("code", flat=True)) == ["110101", "110103", "110104"]
    assert page.problems.messages == []
