"""Logging in and out: landing pages, `next`, POST-only logout, lockout, the per-address limit
on login posts, and session expiry after inactivity."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core import ratelimit
from tests.factories import make_organization

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
PASSWORD = "pw-reader-123!"
# The middle of a one-minute window, so a test never straddles two windows.
FIXED_NOW = 1_800_000_030.0


@pytest.fixture
def english(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def chinese(db) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def reader(db):
    """A user with no role: may log in and read, nothing more."""
    return get_user_model().objects.create_user("reader", password=PASSWORD)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED_NOW)


class _ElementText(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.found = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.found = True
            self.depth += 1 if tag not in ("input", "br", "img", "meta", "link") else 0

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    """The text a reader sees in the element with ``element_id``."""
    parser = _ElementText(element_id)
    parser.feed(html)
    assert parser.found, f"#{element_id} not in page"
    return " ".join("".join(parser.parts).split())


def login(client: Client, username: str, password: str, next: str | None = None, **headers):
    data = {"username": username, "password": password}
    if next is not None:
        data["next"] = next
    return client.post(LOGIN, data, **headers)


# --- the pages ---------------------------------------------------------------------------


def test_login_page_has_labelled_fields_in_chinese_by_default(chinese):
    # when
    response = chinese.get(LOGIN)
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert text_of(html, "login-heading") == "登录"
    assert '<label class="form-label" for="id_username">用户名</label>' in html
    assert '<label class="form-label" for="id_password">密码</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "no-cache" in response["Cache-Control"]


def test_login_page_in_english(english):
    html = english.get(LOGIN).content.decode()
    assert text_of(html, "login-heading") == "Log in"
    assert '<label class="form-label" for="id_username">Username</label>' in html


def test_wrong_password_says_so_and_logs_nobody_in(english, reader):
    # when
    response = login(english, "reader", "wrong")
    # then
    assert response.status_code == 200
    assert text_of(response.content.decode(), "login-errors").startswith(
        "Please enter a correct username and password."
    )
    assert "_auth_user_id" not in english.session


def test_empty_fields_are_named_and_marked_invalid(english):
    response = login(english, "", "")
    html = response.content.decode()
    assert text_of(html, "id_username-error") == "This field is required."
    assert text_of(html, "id_password-error") == "This field is required."
    assert 'aria-describedby="id_username-error"' in html
    assert "form-control is-invalid" in html


# --- where people land ---------------------------------------------------------------------


def test_reader_lands_on_the_dashboard(english, reader):
    response = login(english, "reader", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert english.session["_auth_user_id"] == str(reader.pk)


def test_officer_lands_on_the_workspace(english, make_officer):
    make_officer("officer", "110101")
    response = login(english, "officer", "pw-officer-123!")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"


def test_admin_lands_on_the_workspace(english, admin_user):
    response = login(english, "admin", "pw-admin-123!")
    assert response["Location"] == "/workspace/"


def test_agency_staff_land_on_the_dashboard(english):
    # given a staff member of one agency
    org = make_organization(name="甲社工事务所")
    user = get_user_model().objects.create_user("staff", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=org)
    # when / then
    assert login(english, "staff", PASSWORD)["Location"] == "/"


def test_next_is_followed_when_it_stays_on_this_site(english, reader):
    response = login(english, "reader", PASSWORD, next="/organizations/?q=%E5%8A%A9")
    assert response["Location"] == "/organizations/?q=%E5%8A%A9"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "https:/evil.example", "javascript:alert(1)"],
)
def test_next_to_another_site_is_ignored(english, reader, target):
    response = login(english, "reader", PASSWORD, next=target)
    assert response["Location"] == "/"


def test_login_page_explains_a_next_and_carries_it(english):
    html = english.get(LOGIN, {"next": "/workspace/"}).content.decode()
    assert text_of(html, "login-needed") == "Log in to open that page."
    assert '<input type="hidden" name="next" value="/workspace/">' in html


# --- logging out ---------------------------------------------------------------------------


def test_logout_by_get_only_shows_the_button(english, reader):
    # given a logged-in reader
    english.force_login(reader)
    # when they open the logout address
    response = english.get(LOGOUT)
    # then they are still logged in and see a form that posts
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are logged in as reader." in html
    assert '<form method="post" action="/accounts/logout/"' in html
    assert english.session["_auth_user_id"] == str(reader.pk)


def test_logout_by_post_ends_the_session(english, reader):
    english.force_login(reader)
    response = english.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in english.session


def test_nav_shows_the_logged_in_user_and_a_logout_form(english, reader):
    english.force_login(reader)
    html = english.get(LOGOUT).content.decode()
    assert re.search(r"<button[^>]*aria-label=\"Log out reader\"[^>]*>Log out</button>", html)
    assert re.search(r"<span[^>]*id=\"nav-user\">reader</span>", html)


# --- lockout (django-axes) -------------------------------------------------------------------


def test_five_failures_lock_the_account_with_a_message(english, reader):
    # given four failed logins
    for _ in range(4):
        assert login(english, "reader", "wrong").status_code == 200
    # when the fifth fails too
    response = login(english, "reader", "wrong")
    # then the login page says the account is locked, and for how long
    assert response.status_code == 429
    assert text_of(response.content.decode(), "login-refusal") == (
        "This account is locked after 5 failed logins. Try again in 15 minutes, "
        "or ask an administrator to unlock it."
    )
    # and even the right password is refused now
    response = login(english, "reader", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in english.session
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "reader",
        "127.0.0.1",
        6,
    )


def test_lockout_message_in_chinese(chinese, reader):
    for _ in range(5):
        response = login(chinese, "reader", "wrong")
    assert response.status_code == 429
    assert "15" in text_of(response.content.decode(), "login-refusal")


def test_lockout_is_per_username_and_address(english, reader):
    # given "reader" locked out from 127.0.0.1
    for _ in range(5):
        login(english, "reader", "wrong")
    # when the same user logs in from another address
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    response = login(elsewhere, "reader", PASSWORD)
    # then that works
    assert response.status_code == 302


def test_cool_off_follows_the_setting(english, reader, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=1)
    for _ in range(5):
        response = login(english, "reader", "wrong")
    assert "Try again in 1 minute," in text_of(response.content.decode(), "login-refusal")


def test_a_success_resets_the_failure_count(english, reader):
    # given four failures, then a success, then a logout
    for _ in range(4):
        login(english, "reader", "wrong")
    assert login(english, "reader", PASSWORD).status_code == 302
    english.post(LOGOUT)
    # when four more failures follow
    for _ in range(4):
        response = login(english, "reader", "wrong")
    # then the account is not locked: the count started again
    assert response.status_code == 200
    assert login(english, "reader", PASSWORD).status_code == 302


def test_test_client_login_without_a_request_still_works(reader):
    # The lockout backend lets request-less authenticate() through (shells, test clients).
    client = Client()
    assert client.login(username="reader", password=PASSWORD) is True
    assert client.login(username="reader", password="wrong") is False


# --- per-address limit on login posts ----------------------------------------------------------


def test_login_posts_from_one_address_are_limited(english, reader, settings, fixed_clock):
    # given a limit of 3 login posts a minute per address
    settings.SHUNIU_LOGIN_RATE = "3/min"
    for name in ("a", "b", "c"):
        assert login(english, name, "wrong").status_code == 200
    # when a fourth post comes, even with the right password
    response = login(english, "reader", PASSWORD)
    # then it is refused without trying the password, saying when to try again
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert text_of(html, "login-refusal") == (
        "Too many login attempts from your network. Try again in 30 seconds."
    )
    assert 'value="reader"' in html
    assert "_auth_user_id" not in english.session
    # and another address is not affected
    assert login(Client(REMOTE_ADDR="10.0.0.9"), "reader", PASSWORD).status_code == 302


def test_a_login_limit_that_is_off_refuses_no_post(english, reader, settings, fixed_clock):
    # given the login limit turned off
    settings.SHUNIU_LOGIN_RATE = "off"
    # when four wrong posts come from one address, then none is refused for the rate
    assert [login(english, n, "wrong").status_code for n in "abcd"] == [200, 200, 200, 200]
    # and the right password still logs in
    assert login(english, "reader", PASSWORD).status_code == 302


def test_forwarded_address_counts_only_behind_a_trusted_proxy(reader, settings, fixed_clock):
    settings.SHUNIU_LOGIN_RATE = "1/min"
    # given no trusted proxy: X-Forwarded-For is ignored, both posts come from 127.0.0.1
    client = Client()
    login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429
    # given one trusted proxy: the client is the address it appended (the last one); what
    # the client itself put before it changes nothing
    settings.SHUNIU_NUM_PROXIES = 1
    assert login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.3").status_code == 200
    assert login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.3").status_code == 429
    assert login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="10.0.0.4").status_code == 200


def test_a_forwarded_value_that_is_no_address_falls_back_to_the_connection(
    reader, settings, fixed_clock
):
    # given a trusted proxy that passed on something that is not an address
    settings.SHUNIU_LOGIN_RATE = "1/min"
    settings.SHUNIU_NUM_PROXIES = 1
    client = Client(REMOTE_ADDR="10.9.9.9")
    login(client, "x", "wrong", HTTP_X_FORWARDED_FOR="<script>")
    # then the connection's address was counted (and recorded by axes)
    assert login(client, "x", "wrong", REMOTE_ADDR="10.9.9.9").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "10.9.9.9"


# --- session expiry ---------------------------------------------------------------------------


def test_sessions_expire_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_activity_moves_the_expiry_forward(english, reader):
    # given a session due to expire in a minute
    english.force_login(reader)
    key = english.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    # when the user opens a page
    response = english.get(LOGOUT)
    # then the session lasts another thirty minutes from now
    remaining = Session.objects.get(pk=key).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    assert response.cookies["sessionid"]["max-age"] == 1800


def test_an_idle_session_is_logged_out(english, reader):
    # given a session whose thirty minutes have passed
    english.force_login(reader)
    key = english.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    # when the user comes back
    html = english.get(LOGOUT).content.decode()
    # then they are anonymous
    assert "You are not logged in." in html
