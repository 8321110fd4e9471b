"""The officer's day in chromium at 1280 px and 390 px, on the demo dataset: the workspace
home, an organization's public page with its edit links, the English dashboard's map labels
and the workforce page of today, each photographed at both widths.

One test walks through all of it: loading the demo dataset takes most of its time."""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from shuniu.core.actors import cli_actor
from shuniu.demo.dataset import DEMO_OFFICER
from shuniu.demo.services import demo_load
from shuniu.registry.models import Organization
from tests.browser.conftest import REPO_ROOT
from tests.browser.test_workspace_browser import log_in

WIDTHS = (1280, 390)

# Every labelled area's label box on the canvas, as ECharts laid it out.
LABEL_BOXES = """
(el) => {
  const chart = echarts.getInstanceByDom(el);
  const view = chart.getViewOfSeriesModel(chart.getModel().getSeriesByIndex(0));
  const boxes = [];
  view.group.traverse((node) => {
    const text = node.getTextContent ? node.getTextContent() : null;
    if (text && !text.ignore && !text.invisible && text.style && text.style.text) {
      text.updateTransform();
      const r = text.getBoundingRect().clone();
      r.applyTransform(text.getComputedTransform());
      boxes.push([r.x, r.y, r.x + r.width, r.y + r.height]);
    }
  });
  return boxes;
}
"""


@pytest.fixture
def demo(transactional_db):
    demo_load(actor=cli_actor("browser test"))


def header_height(page) -> float:
    return page.eval_on_selector("header", "el => el.getBoundingClientRect().height")


def overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j and not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_officers_day_at_two_widths(live_server, browser, demo, artifacts):
    officer = get_user_model().objects.get(username=DEMO_OFFICER)
    org = Organization.objects.get(name="西城区悦群社会工作事务所")
    for width in WIDTHS:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": 900}, device_scale_factor=1
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        log_in(page, live_server, officer)

        # given the officer's workspace home
        page.goto(live_server.url + "/workspace/")
        # then the finder starts in 西城区 and the header holds one line (a phone: the menu
        # button, the links folded behind it)
        assert page.locator("#id_region").input_value() == "110102"
        assert page.locator("#found-list li").count() > 0
        if width == 1280:
            assert header_height(page) < 70
            assert page.locator("#nav-toggle").is_hidden()
        else:
            assert header_height(page) < 70
            assert page.locator("#site-menu").is_hidden()
            page.click("#nav-toggle")
            assert page.locator("#site-menu").is_visible()
            assert page.locator("#nav-toggle").get_attribute("aria-expanded") == "true"
            page.click("#nav-toggle")
        # and the recent changes name the account and the channel apart
        first = page.locator("#recent-table .trail-who").first
        assert first.locator(".trail-channel").inner_text() == "命令行：browser test"
        page.screenshot(path=str(artifacts / f"officer-home-{width}.png"), full_page=True)

        # when the officer reads a public organization page of their district
        page.goto(f"{live_server.url}/organizations/{org.pk}/")
        # then it links to the record's edit form and history
        assert page.locator("#edit-link").get_attribute("href") == (
            f"/workspace/organizations/{org.pk}/edit/"
        )
        page.screenshot(path=str(artifacts / f"officer-organization-{width}.png"), full_page=True)
        page.click("#edit-link")
        page.wait_for_url(f"**/workspace/organizations/{org.pk}/edit/")

        # when the English dashboard of Beijing opens at the end of 2012
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(live_server.url + "/?region=110000&as_of=2012-12-31")
        page.wait_for_selector("#district-map[data-rendered=true]")
        # then the English header, whose words are longer, still holds one line
        assert header_height(page) < 70
        # and no two labels on the map overlap, and the small central districts carry none
        page.screenshot(path=str(artifacts / f"officer-dashboard-en-{width}.png"), full_page=True)
        boxes = page.eval_on_selector("#district-map", LABEL_BOXES)
        assert overlaps(boxes) == []
        labelled = (page.get_attribute("#district-map", "data-labelled") or "").split()
        assert len(labelled) >= (8 if width == 1280 else 3)
        assert "110102" not in labelled

        # when the workforce page opens as of today
        page.goto(live_server.url + "/workforce/?region=110000")
        page.wait_for_selector("#levels-chart[data-rendered=true]")
        # then it says where the records end and offers that date; retention shows no base
        # date past them; the published figure names both dates
        assert page.locator("#records-end").is_visible()
        assert page.locator("#retention-chart").count() == 0
        assert page.locator("#figure-certified ~ .comparison .computed-on-published").count() == 1
        page.screenshot(path=str(artifacts / f"officer-workforce-{width}.png"), full_page=True)
        page.click("#records-end-link")
        page.wait_for_selector("#retention-chart[data-rendered=true]")
        assert page.locator("#records-end").count() == 0

        # when the purchasing dashboard of the demo's Beijing opens at the end of 2012
        page.goto(live_server.url + "/purchasing/?region=110000&as_of=2012-12-31")
        page.wait_for_selector("#years-chart canvas, #years-chart svg")
        page.wait_for_timeout(500)  # let the charts' entry animation finish for the picture
        # then it counts the demo's six service purchases and the post pilot
        assert page.locator("#figure-service").inner_text() == "6"
        assert page.locator("#figure-post").inner_text() == "1"
        page.screenshot(path=str(artifacts / f"purchasing-demo-{width}.png"), full_page=True)
        if width == 1280 and os.environ.get("SHUNIU_UPDATE_SNAPSHOTS"):
            # the README's picture (docs/screenshot-purchasing.png), refreshed on request only
            shutil.copyfile(
                artifacts / "purchasing-demo-1280.png",
                REPO_ROOT / "docs" / "screenshot-purchasing.png",
            )
        context.close()
