"""The workforce pages in chromium, on the demo dataset: Beijing's 11,723 certified social
workers of late 2012 with their charts drawn, Shanghai's "nearly 14,000", and an officer who
opens a person of their district and reveals the ID number (audited).

One test walks through all of it: loading the demo dataset takes most of its time, and the
database is emptied after every test that uses the live server."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.demo.services import demo_load

CHARTS = ("levels", "employment", "districts", "pipeline", "graduates", "retention")


@pytest.fixture
def demo(transactional_db):
    demo_load(actor=cli_actor("browser test"))


def log_in(page, live_server, user) -> None:
    """Hand the browser a session made on the server (the login page has its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def open_workforce(page, url: str, charts=CHARTS) -> None:
    page.goto(url)
    for chart in charts:
        page.wait_for_selector(f"#{chart}-chart[data-rendered=true]")
        # drawn by ECharts on a canvas, not left empty
        assert page.locator(f"#{chart}-chart canvas").count() == 1, chart


def published_row(page, metric: str) -> tuple[str, list[str]]:
    row = page.locator(f"#published-table tr[data-metric={metric}]")
    cells = row.locator("td").all_inner_texts()
    return row.get_attribute("data-agreement") or "", [" ".join(c.split()) for c in cells]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_workforce_of_the_survey_and_an_audited_id_number(
    live_server, page, demo, xicheng_officer, artifacts
):
    # given the demo dataset
    # when a reader opens Beijing's workforce in late 2012
    open_workforce(page, live_server.url + "/workforce/?region=110000&as_of=2012-11-30")
    # then the survey's 11,723 certified people, computed and published alike
    assert page.locator("#figure-certified").inner_text() == "11,723"
    agreement, cells = published_row(page, "certified_workers")
    assert agreement == "matches"
    assert cells[:2] == ["11,723 2012-11-30", "11,723 2012-11-30"]
    # and the chart of levels draws the table's numbers
    levels = page.eval_on_selector(
        "#levels-chart", "el => echarts.getInstanceByDom(el).getOption().series[0].data"
    )
    assert levels == [8800, 2923, 0]
    assert page.locator("#levels-table tbody tr td").all_inner_texts()[::2] == [
        "8,800",
        "2,923",
        "0",
    ]
    page.screenshot(path=str(artifacts / "workforce-beijing-2012-11-30.png"), full_page=True)

    # when the reader picks Shanghai
    page.select_option("#id_region", "310000")
    page.click("[aria-labelledby=query-heading] button[type=submit]")
    page.wait_for_url("**region=310000**")
    # (no universities of Shanghai in the demo: no graduates to chart)
    open_workforce(page, page.url, [c for c in CHARTS if c != "graduates"])
    assert page.locator("#graduates-chart").count() == 0
    # then just under the published "nearly 14,000"
    certified = int(page.locator("#figure-certified").inner_text().replace(",", ""))
    assert 13_300 <= certified < 14_000
    agreement, cells = published_row(page, "certified_workers")
    assert agreement == "consistent"
    assert "14,000" in cells[0]
    page.screenshot(path=str(artifacts / "workforce-shanghai-2012-11-30.png"), full_page=True)

    # when 西城's officer opens the people of the district and the first person on the list
    log_in(page, live_server, xicheng_officer)
    page.goto(live_server.url + "/workforce/people/")
    assert int(page.locator("#result-count").get_attribute("data-count") or 0) > 0
    page.screenshot(path=str(artifacts / "workforce-people-xicheng.png"), full_page=True)
    page.locator("#people-table a.person-name").first.click()
    page.wait_for_load_state("load")
    masked = page.locator("#id-masked").inner_text()
    assert re.fullmatch(r"\d{6}\*{11}[\dX]", masked)
    assert page.locator("#id-number-clear").count() == 0
    # and asks for the full number, saying why
    page.fill("#id_purpose", "核对身份")
    page.click("#reveal")
    page.wait_for_load_state("load")
    # then it is shown once, matching the masked form, and the view is in the audit log
    clear = page.locator("#id-number-clear").inner_text()
    assert re.fullmatch(r"\d{17}[\dX]", clear)
    assert (clear[:6], clear[-1:]) == (masked[:6], masked[-1:])
    views = AuditRecord.objects.filter(action="person.id_number.view")
    assert [(v.actor_id, v.after["purpose"]) for v in views] == [(xicheng_officer.pk, "核对身份")]
    page.screenshot(path=str(artifacts / "workforce-person-revealed.png"), full_page=True)
    # Leaving a page cancels its favicon request if still pending: not a problem of the page.
    assert [m for m in page.problems.messages if not m.endswith("/favicon.svg")] == []
