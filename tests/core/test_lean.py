"""The lean path (``shuniu.core.lean``): anonymous safe API reads skip sessions, CSRF and
messages, and answer with the same headers and body as the full middleware chain."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from shuniu.core import lean
from tests.factories import make_organization

STATS = "/api/v1/stats/organizations?region=110000&as_of=2012-11-30"
# An answer, a 404 problem from an operation, a 404 of no operation, a 422 naming the field.
PATHS = (
    STATS,
    "/api/v1/stats/organizations?region=999999&as_of=2012-11-30",
    "/api/v1/no-such-thing",
    "/api/v1/stats/organizations?region=11&as_of=2012-11-30",
)


@pytest.fixture
def figures(db):
    make_organization(division="110101", registered_on=dt.date(2010, 1, 1))


def _full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lean, "lean_api_request", lambda request: False)


def _get(path: str, **headers: str):
    # A fixed request id, so that the two paths' headers can be compared whole.
    return Client().get(path, HTTP_X_REQUEST_ID="lean-test-1", **headers)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_lean_path_answers_the_full_paths_headers_and_body(
    figures, monkeypatch, path, language
):
    # given an anonymous GET without cookies, answered on the lean path
    lean_answer = _get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert not hasattr(lean_answer.wsgi_request, "session")
    # when the same request goes through the full chain
    _full_path(monkeypatch)
    full_answer = _get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert hasattr(full_answer.wsgi_request, "session")
    # then the status, every header and the body are the same
    assert lean_answer.status_code == full_answer.status_code
    assert dict(lean_answer.headers) == dict(full_answer.headers)
    assert lean_answer.content == full_answer.content
    assert lean_answer["Content-Language"] == language
    assert lean_answer["X-Request-ID"] == "lean-test-1"


def test_the_headers_that_matter_are_on_the_lean_answer(figures, settings):
    # given the rate limit per user on (its check reads the user, so the empty session)
    settings.SHUNIU_API_USER_RATE = "1000/min"
    # when an anonymous script reads a statistic
    response = _get(STATS, HTTP_ACCEPT_LANGUAGE="en")
    # then the answer carries the security headers, the CSP and Vary of the full path
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Vary"] == "Accept-Language, Cookie"
    assert response["Content-Length"] == str(len(response.content))
    assert json.loads(response.content)["total"] == 1


@pytest.mark.parametrize("user_rate", ["1000/min", "off"])
def test_vary_cookie_follows_whether_the_user_was_read(figures, settings, monkeypatch, user_rate):
    # given the per-user rate limit on (its check reads the user) or off (nothing does)
    settings.SHUNIU_API_ANON_RATE = "off"
    settings.SHUNIU_API_USER_RATE = user_rate
    # when the same read is answered on the lean path and on the full one
    lean_vary = _get(STATS)["Vary"]
    _full_path(monkeypatch)
    full_vary = _get(STATS)["Vary"]
    # then both vary on the cookie exactly when the user was read
    expected = "Accept-Language, Cookie" if user_rate != "off" else "Accept-Language"
    assert (lean_vary, full_vary) == (expected, expected)


def test_the_lean_csp_follows_a_changed_policy(figures, settings, monkeypatch):
    # given a first answer (the policy is built once and kept)
    assert "default-src 'self'" in _get(STATS)["Content-Security-Policy"]
    # when the policy is changed, and a report-only one added
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = _get(STATS)
    # then the next lean answer carries the new ones, as the full path does
    assert response["Content-Security-Policy"] == "default-src 'none'"
    report_only = response["Content-Security-Policy-Report-Only"]
    assert set(report_only.split("; ")) == {"default-src 'self'", "img-src 'self'"}
    _full_path(monkeypatch)
    full = _get(STATS)
    assert full["Content-Security-Policy"] == response["Content-Security-Policy"]
    assert full["Content-Security-Policy-Report-Only"] == report_only


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("get", STATS, {}, True),
        ("head", STATS, {}, True),
        ("get", "/api/v1/organizations", {"HTTP_ACCEPT_LANGUAGE": "en"}, True),
        ("post", "/api/v1/organizations", {}, False),
        ("options", STATS, {}, False),
        ("get", STATS, {"HTTP_COOKIE": "sessionid=abc"}, False),
        ("get", STATS, {"HTTP_COOKIE": "csrftoken=abc"}, False),
        ("get", STATS, {"HTTP_AUTHORIZATION": "Bearer abc"}, False),
        ("get", "/organizations/", {}, False),
        ("get", "/apix/v1/stats", {}, False),
    ],
)
def test_which_requests_take_the_lean_path(method, path, headers, expected):
    # given a request; when the lean path's rule is asked; then only anonymous safe API
    # reads without cookies or credentials are on it
    request = getattr(RequestFactory(), method)(path, **headers)
    assert lean.lean_api_request(request) is expected


def test_a_session_cookie_takes_the_full_path_and_is_the_signed_in_user(figures, beijing_officer):
    # given an officer signed in to the web site
    client = Client()
    client.force_login(beijing_officer)
    # when the officer's browser reads a statistic with its session cookie
    response = client.get(STATS)
    # then the request went through sessions and authentication: it is the officer's
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")
    assert response.wsgi_request.user == beijing_officer


def test_a_bearer_token_takes_the_full_path(figures):
    # given a script sending a token on a read
    response = Client().get(STATS, HTTP_AUTHORIZATION="Bearer not-a-token")
    # then the full chain answered it (the read itself needs no token)
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")


def test_a_post_takes_the_full_path_and_its_csrf_check(beijing_officer):
    # given a signed-in officer whose client enforces CSRF
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(beijing_officer)
    # when it posts to the API without a CSRF token
    response = client.post("/api/v1/organizations", "{}", content_type="application/json")
    # then the full chain ran and the CSRF check refused it
    assert hasattr(response.wsgi_request, "session")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "The CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."
    )


def test_an_anonymous_post_is_not_lean_and_asks_for_credentials(db):
    # given no cookie and no token; when a script posts to the API
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/organizations", "{}", content_type="application/json"
    )
    # then the full chain answered: authentication required
    assert hasattr(response.wsgi_request, "session")
    assert response.status_code == 401


def test_a_page_takes_the_full_path(db):
    # given an anonymous browser without cookies; when it opens a page
    response = Client().get("/")
    # then the full chain answered (the session middleware ran)
    assert hasattr(response.wsgi_request, "session")


def test_the_switch_refuses_to_run_without_its_end(settings):
    # given MIDDLEWARE with the switch but not its end
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != lean.END]
    # when Django builds the chain; then it stops with a message naming what is missing
    with pytest.raises(ImproperlyConfigured, match=r"needs shuniu\.core\.lean\.LeanApiEnd last"):
        Client().get(STATS)


def test_the_lean_chain_leaves_out_sessions_csrf_and_messages(figures):
    # given a lean read; when a view sees the request
    response = _get(STATS)
    request = response.wsgi_request
    # then no session, CSRF or message state was set up, and the caller is anonymous
    assert not hasattr(request, "session")
    assert "CSRF_COOKIE" not in request.META
    assert not hasattr(request, "_messages")
    assert request.user.is_anonymous
    assert request.LANGUAGE_CODE == "zh-hans"
