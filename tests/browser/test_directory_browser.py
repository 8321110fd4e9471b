from __future__ import annotations

import re

import pytest

from tests.web.test_directory_data import ZHUREN_NAME, make_zhuren_world


def result_names(page) -> list[str]:
    return page.eval_on_selector_all(
        "#directory-table tbody a.org-name", "links => links.map(a => a.innerText.trim())"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_directory_search_as_you_type_then_the_organization(live_server, page, artifacts):
    # given the registry around 东城区助人社工事务所, and the directory open in a Chinese browser
    make_zhuren_world()
    page.goto(live_server.url + "/organizations/")
    assert page.locator("#result-count").get_attribute("data-count") == "7"
    # a marker that a full page load would wipe out
    page.evaluate("window.__sameDocument = true")

    # when the reader types a 2-character query
    page.fill("#id_q", "东城")
    # then htmx replaces the results in place and puts the query in the address bar
    page.wait_for_selector('#result-count[data-count="4"]')
    assert result_names(page) == [
        ZHUREN_NAME,
        "东城区启明社工事务所",
        "东城区社会工作委员会",
        "东城区社会工作者协会",
    ]
    page.wait_for_url(re.compile(r"q=%E4%B8%9C%E5%9F%8E"))
    assert page.evaluate("window.__sameDocument") is True

    # when a 3-character query
    page.fill("#id_q", "助人社")
    # then only 助人 is left, still without a reload
    page.wait_for_selector('#result-count[data-count="1"]')
    assert result_names(page) == [ZHUREN_NAME]
    page.wait_for_url(re.compile(r"q=%E5%8A%A9%E4%BA%BA%E7%A4%BE"))
    assert page.evaluate("window.__sameDocument") is True
    # and the live region tells screen readers how many were found
    assert page.locator("#results-status").text_content().strip() != ""
    page.screenshot(path=str(artifacts / "directory-zh-hans.png"), full_page=True)

    # when the reader opens it
    page.click(f"#directory-table a.org-name:text-is('{ZHUREN_NAME}')")
    page.wait_for_selector("#timeline")
    # then its page shows the timeline, month- and year-precision dates as such
    assert page.locator("#org-name").inner_text() == ZHUREN_NAME
    whens = page.eval_on_selector_all(
        "#timeline time", "times => times.map(t => t.innerText.trim())"
    )
    assert whens == [
        "2009年6月",
        "2009年6月",
        "2010年",
        "2010年5月20日",
        "2011年3月15日",
        "2012年12月",
    ]
    assert page.locator("#hub a").inner_text() == "东城区社会工作者协会"
    page.screenshot(path=str(artifacts / "organization-zh-hans.png"), full_page=True)

    # when the reader goes back
    page.go_back()
    # then the directory shows the last query typed, from the address htmx pushed
    page.wait_for_selector('#result-count[data-count="1"]')
    assert page.locator("#id_q").input_value() == "助人社"
    page.go_forward()
    page.wait_for_selector("#timeline")

    # when the reader switches to English
    page.click("form.language-switch button[value=en]")
    page.wait_for_selector("#timeline")
    # then the dates follow English usage
    whens = page.eval_on_selector_all(
        "#timeline time", "times => times.map(t => t.innerText.trim())"
    )
    assert whens[:3] == ["June 2009", "June 2009", "2010"]
    assert page.locator("#status-value").inner_text() == "Registered"
    page.screenshot(path=str(artifacts / "organization-en.png"), full_page=True)

    # and a phone gets the pages in one column
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "organization-en-phone.png"), full_page=True)
    page.goto(live_server.url + "/organizations/?q=%E4%B8%9C%E5%9F%8E")
    page.wait_for_selector("#directory-table")
    page.screenshot(path=str(artifacts / "directory-en-phone.png"), full_page=True)
    assert page.problems.messages == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_directory_works_without_javascript(live_server, browser, artifacts):
    # given a browser with JavaScript switched off
    make_zhuren_world()
    context = browser.new_context(
        locale="zh-CN", java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/organizations/")
        # when the reader types a query, picks a district and submits the form
        page.fill("#id_q", "助人")
        page.select_option("#id_district", "110101")
        page.click("#directory-form button[type=submit]")
        page.wait_for_load_state("load")
        # then the server answers with the whole page for that query
        assert "q=%E5%8A%A9%E4%BA%BA" in page.url
        assert "district=110101" in page.url
        assert result_names(page) == [ZHUREN_NAME]
        assert page.locator("#result-count").get_attribute("data-count") == "1"
        page.screenshot(path=str(artifacts / "directory-no-js.png"), full_page=True)
    finally:
        context.close()
