"""Logging in and out in chromium, the lockout page, and the strict Content-Security-Policy
holding on the pages we do not write ourselves (Swagger UI, the admin)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from shuniu.core import ratelimit

PASSWORD = "pw-reader-123!"
FAVICON_404 = (
    "console error: Failed to load resource: the server responded with a status of 404 (Not Found)"
)


@pytest.fixture
def reader(transactional_db):
    return get_user_model().objects.create_user("reader_li", password=PASSWORD)


@pytest.fixture(autouse=True)
def _own_login_window(monkeypatch):
    # The rate counters outlive transactional tests (they are not a model, so not flushed):
    # a clock of our own keeps other tests' login posts out of this test's window.
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_900_000_030.0)


def csp_messages(page) -> list[str]:
    return [m for m in page.problems.messages if "Content Security Policy" in m]


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state("load")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_in_and_out(live_server, page, small_beijing, reader, artifacts):
    base = live_server.url
    # given the login page, reached from the nav
    page.goto(base + "/")
    page.click("text=登录")
    page.wait_for_load_state("load")
    assert page.locator("#login-heading").inner_text() == "登录"
    page.screenshot(path=str(artifacts / "login-zh-hans.png"), full_page=True)
    # when the reader logs in
    page.fill("#id_username", "reader_li")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")
    # then they are on the dashboard with their name in the nav
    assert page.url == base + "/"
    logout_button = page.locator("form[action='/accounts/logout/'] button")
    assert page.locator("#nav-user").inner_text() == "reader_li"
    assert "reader_li" in (logout_button.get_attribute("aria-label") or "")
    page.screenshot(path=str(artifacts / "login-done.png"))
    # when they log out with the nav button
    logout_button.click()
    page.wait_for_load_state("load")
    # then they are anonymous again
    assert page.url == base + "/"
    assert page.locator("a[href='/accounts/login/']").inner_text() == "登录"
    assert page.locator("form[action='/accounts/logout/']").count() == 0
    assert page.problems.messages == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_wrong_passwords_lock_the_account(live_server, page, reader, artifacts):
    base = live_server.url
    # when four wrong passwords are tried
    for _ in range(4):
        log_in(page, base, "reader_li", "wrong-password")
        assert page.locator("#login-errors").is_visible()
    # and a fifth
    log_in(page, base, "reader_li", "wrong-password")
    # then the page says the account is locked and for how long
    refusal = page.locator("#login-refusal")
    assert refusal.get_attribute("role") == "alert"
    assert "15" in refusal.inner_text()
    page.screenshot(path=str(artifacts / "login-locked-zh-hans.png"), full_page=True)
    # and the right password does not open it
    log_in(page, base, "reader_li", PASSWORD)
    assert page.locator("#login-refusal").is_visible()
    assert page.locator("form[action='/accounts/logout/']").count() == 0
    # and in English the message reads in full
    page.click("form.language-switch button[value=en]")
    page.wait_for_load_state("load")
    log_in(page, base, "reader_li", PASSWORD)
    assert page.locator("#login-refusal").inner_text() == (
        "This account is locked after 5 failed logins. Try again in 15 minutes, "
        "or ask an administrator to unlock it."
    )
    page.screenshot(path=str(artifacts / "login-locked-en.png"), full_page=True)
    # the only problems are the three refused logins themselves
    refused = [
        f"HTTP 429: {base}/accounts/login/",
        "console error: Failed to load resource: the server responded with a status of 429 "
        "(Too Many Requests)",
    ]
    assert sorted(page.problems.messages) == sorted(refused * 3)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_docs_work_under_the_csp(live_server, page, artifacts):
    # when Swagger UI loads (its scripts are static files, its settings a JSON script)
    page.goto(live_server.url + "/api/v1/docs")
    # then it renders the operations from the OpenAPI document
    page.wait_for_selector("#operations-organizations-list_organizations")
    page.wait_for_selector("#operations-statistics-get_organization_stats")
    assert "Shuniu API" in page.locator(".info .title").inner_text()
    # and an operation opens, and can be tried
    page.click("#operations-divisions-list_divisions .opblock-summary")
    page.click("#operations-divisions-list_divisions .try-out__btn")
    page.click("#operations-divisions-list_divisions .execute")
    page.wait_for_selector("#operations-divisions-list_divisions .live-responses-table")
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert csp_messages(page) == []
    assert page.problems.messages == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_works_under_the_csp(live_server, page, artifacts):
    # given an administrator
    get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123!")
    # when they log in to the admin and open a change list and an add form
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw-root-123!")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(live_server.url + "/admin/auth/user/")
    page.wait_for_selector("#result_list")
    page.goto(live_server.url + "/admin/auth/user/add/")
    page.wait_for_selector("#id_username")
    # then the admin's own scripts run (the password toggle) and nothing is blocked
    page.screenshot(path=str(artifacts / "admin-user-add.png"), full_page=True)
    assert csp_messages(page) == []
    # The admin names no icon, so chromium asks for /favicon.ico, which is not served.
    assert set(page.problems.messages) <= {FAVICON_404}
