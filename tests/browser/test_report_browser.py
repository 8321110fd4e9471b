"""The sector report page in chromium, on the demo dataset: reached from the dashboard, its
charts drawn by the server (no script), the survey's Beijing figures on the cover, and the
XLSX download. A screenshot goes to /tmp/shots/report.png to be looked at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shuniu.core.actors import cli_actor
from shuniu.demo.services import demo_load

SHOTS = Path("/tmp/shots")  # noqa: S108 where the screenshots are looked at


@pytest.fixture
def demo(transactional_db):
    demo_load(actor=cli_actor("browser test"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_report_of_beijing_late_2012(live_server, page, demo, artifacts):
    # given the demo dataset, and a reader on Beijing's dashboard for late 2012
    page.goto(live_server.url + "/?region=110000&as_of=2012-11-30")
    # when they follow the link to the report
    page.click("#report-link")
    page.wait_for_url("**/report/?region=110000&as_of=2012-11-30")
    # then the cover carries the survey's figures
    assert page.locator("#tile-agencies").inner_text() == "50"
    assert page.locator("#tile-covered").inner_text().split() == ["16", "/", "16"]
    assert page.locator("#tile-certified").inner_text() == "11723"
    # and the narrative, in Chinese, with the numbers filled in
    assert "北京市共有社会工作服务机构50家" in page.locator("#narrative").inner_text()
    # and the charts are the server's SVG, drawn with their sizes (the map's 16 districts)
    assert page.locator("#districts-chart svg path").count() == 16
    box = page.locator("#growth-chart svg").bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 100
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=False)
    page.locator("#districts").screenshot(path=str(SHOTS / "report-map.png"))
    page.screenshot(path=str(artifacts / "report-beijing-2012-11-30.png"), full_page=True)

    # when the reader downloads the XLSX
    with page.expect_download() as caught:
        page.click("#download-xlsx")
    download = caught.value
    # then it is the report's workbook, one sheet per section, with the survey's numbers
    assert download.suggested_filename == "sector-110000-2012-11-30.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert workbook.sheetnames[:3] == ["封面", "概览", "关键数字"]
    growth = [row[1] for row in workbook["历年增长"].iter_rows(min_row=5, values_only=True)]
    assert growth == [0, 4, 17, 39, 50]
    assert [m for m in page.problems.messages if not m.endswith("/favicon.svg")] == []
