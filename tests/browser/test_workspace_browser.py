"""The officer workspace in chromium: an edit that shows in the history, a stale edit in two
tabs, a refusal outside the jurisdiction, the event form that adapts to its kind, and an
import whose dry run finds errors before a clean file is imported."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from shuniu.registry.models import Organization
from tests.factories import make_organization


@pytest.fixture
def orgs(transactional_db):
    return {
        "xicheng": make_organization(
            name="西城悦群社工事务所", division="110102", registered_on=dt.date(2010, 3, 1)
        ),
        "chaoyang": make_organization(
            name="朝阳阳光社工事务所", division="110105", registered_on=dt.date(2011, 5, 1)
        ),
    }


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    return tmp_path / "imports"


def log_in(page, live_server, user) -> None:
    """Hand the browser a session made on the server (the login page has its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        selector + " > tbody > tr",
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_officer_edits_a_record_and_sees_it_in_the_history(
    live_server, page, orgs, xicheng_officer, artifacts
):
    base = live_server.url
    log_in(page, live_server, xicheng_officer)
    # given the officer's workspace
    page.goto(base + "/workspace/")
    assert page.locator("#jurisdiction strong").all_inner_texts() == ["西城区"]
    page.screenshot(path=str(artifacts / "workspace-home.png"), full_page=True)
    # when they open the 西城 agency from the finder and edit its address
    page.click("#found-list >> text=西城悦群社工事务所")
    page.click("a[href$='/edit/']")
    page.fill("#id_address", "北京市西城区月坛南街 5 号")
    page.screenshot(path=str(artifacts / "workspace-edit.png"), full_page=True)
    page.click("#save")
    page.wait_for_load_state("load")
    # then the record shows the new version
    assert page.locator("#record-version").inner_text() == "2"
    # and its history names the officer and the address before and after
    page.click("a[href$='/history/']")
    page.wait_for_load_state("load")
    first = page.locator("#history-table > tbody > tr").first
    assert first.locator(".trail-actor").inner_text() == "xc_officer"
    change = first.locator("tr[data-field=address]")
    assert change.locator(".diff-before").inner_text().endswith("—")
    assert change.locator(".diff-after").inner_text().endswith("北京市西城区月坛南街 5 号")
    page.screenshot(path=str(artifacts / "workspace-history.png"), full_page=True)
    # and on a phone each entry stacks into a block
    page.set_viewport_size({"width": 390, "height": 844})
    box = first.locator(".trail-changes").bounding_box()
    assert box is not None
    assert box["width"] > 300
    page.screenshot(path=str(artifacts / "workspace-history-phone.png"), full_page=True)
    assert page.problems.messages == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stale_edit_in_a_second_tab_shows_the_conflict(
    live_server, page, orgs, xicheng_officer, artifacts
):
    base = live_server.url
    org = orgs["xicheng"]
    log_in(page, live_server, xicheng_officer)
    other = page.context.new_page()
    # given the same record open for editing in two tabs
    url = f"{base}/workspace/organizations/{org.pk}/edit/"
    page.goto(url)
    other.goto(url)
    # when the second tab saves first
    other.fill("#id_address", "西城区新街口 2 号")
    other.click("#save")
    other.wait_for_load_state("load")
    assert other.locator("#record-version").inner_text() == "2"
    # and then the first tab saves its own address
    page.fill("#id_address", "西城区展览路 3 号")
    page.click("#save")
    page.wait_for_load_state("load")
    # then the first tab shows both values and keeps what was typed
    assert cells(page, "#conflict-table") == [["地址", "西城区展览路 3 号", "西城区新街口 2 号"]]
    assert page.input_value("#id_address") == "西城区展览路 3 号"
    page.screenshot(path=str(artifacts / "workspace-conflict.png"), full_page=True)
    org.refresh_from_db()
    assert (org.address, org.version) == ("西城区新街口 2 号", 2)
    # when the officer saves again, deliberately
    page.click("#save")
    page.wait_for_load_state("load")
    # then their value is stored
    assert page.locator("#record-version").inner_text() == "3"
    org.refresh_from_db()
    assert org.address == "西城区展览路 3 号"
    # the 409 of the conflict page is the only error response the tab saw
    assert [m for m in page.problems.messages if "409" not in m] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_district_officer_is_refused_outside_the_district(
    live_server, page, orgs, make_officer, artifacts
):
    # given an officer of 朝阳区
    log_in(page, live_server, make_officer("cy_officer", "110105"))
    org = orgs["xicheng"]
    # when they open the edit form of a 西城区 agency
    response = page.goto(f"{live_server.url}/workspace/organizations/{org.pk}/edit/")
    # then they are refused, with the reason
    assert response.status == 403
    assert page.locator("#forbidden-message").inner_text().startswith("西城区")
    page.screenshot(path=str(artifacts / "workspace-refused.png"), full_page=True)
    # while their own district's agency opens
    response = page.goto(f"{live_server.url}/workspace/organizations/{orgs['chaoyang'].pk}/edit/")
    assert response.status == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_event_form_shows_the_details_of_the_chosen_kind(
    live_server, page, orgs, xicheng_officer, artifacts
):
    org = orgs["xicheng"]
    log_in(page, live_server, xicheng_officer)
    page.goto(f"{live_server.url}/workspace/organizations/{org.pk}/events/new/")
    # given every detail input before a kind is chosen
    assert page.locator("#event-details input, #event-details select").count() == 9
    # when the officer chooses a grading
    page.select_option("#id_kind", "graded")
    page.locator("#id_name_after").wait_for(state="detached")
    # then only the grade and its score remain
    assert page.locator("#event-details input, #event-details select").count() == 2
    assert page.locator("#id_grade").is_visible()
    assert page.locator("#id_grade_score").is_visible()
    assert page.locator("#id_name_after").count() == 0
    page.fill("#id_date", "2012-06-01")
    page.select_option("#id_grade", "4A")
    page.fill("#id_grade_score", "850")
    page.fill("#id_source", "区民政局评估结果公告")
    page.screenshot(path=str(artifacts / "workspace-event-form.png"), full_page=True)
    page.click("#save")
    page.wait_for_load_state("load")
    assert org.events.get(kind="graded").grade == "4A"
    assert page.problems.messages == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_preview_with_errors_then_a_clean_import(
    live_server, page, orgs, xicheng_officer, upload_dir, tmp_path, artifacts
):
    log_in(page, live_server, xicheng_officer)
    bad = tmp_path / "有错误.csv"
    bad.write_text(
        "名称,类型,登记管理机关区划\n西城新社工事务所,社工事务所,西城区\n东城社工事务所,社工事务所,东城区\n",
        encoding="utf-8-sig",
    )
    good = tmp_path / "机构.csv"
    good.write_text(
        "名称,类型,登记管理机关区划\n西城新社工事务所,社工事务所,西城区\n西城同心社工事务所,社工事务所,110102\n",
        encoding="utf-8-sig",
    )
    before = Organization.objects.count()
    # given the import page
    page.goto(live_server.url + "/workspace/import/")
    # when a file with a row of another district is checked
    page.set_input_files("#id_file", str(bad))
    page.click("#upload")
    page.wait_for_load_state("load")
    # then the problem is shown by row and column and nothing is written
    # (in whatever wording the catalogue gives it: the row, the column and the value)
    (problem,) = page.locator("#import-problem-list li").all_inner_texts()
    assert "3" in problem
    assert "登记管理机关区划" in problem
    assert "东城区" in problem
    assert page.locator("#confirm-import").count() == 0
    page.screenshot(path=str(artifacts / "workspace-import-errors.png"), full_page=True)
    assert Organization.objects.count() == before
    # when the corrected file is checked
    page.set_input_files("#id_file", str(good))
    page.click("#upload")
    page.wait_for_load_state("load")
    # then the dry run counts two new organizations, still writing nothing
    assert page.locator("#count-created").inner_text() == "2"
    page.screenshot(path=str(artifacts / "workspace-import-preview.png"), full_page=True)
    assert Organization.objects.count() == before
    # when the officer confirms
    page.click("#confirm-import")
    page.wait_for_load_state("load")
    # then both are imported and the waiting file is gone
    assert page.locator("#count-created").inner_text() == "2"
    page.screenshot(path=str(artifacts / "workspace-import-done.png"), full_page=True)
    assert Organization.objects.count() == before + 2
    assert list(upload_dir.iterdir()) == []
    # the 400 of the page with errors is the only error response
    assert [m for m in page.problems.messages if "400" not in m] == []
