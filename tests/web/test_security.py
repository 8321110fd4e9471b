"""The security baseline: the Content-Security-Policy and secure headers on every kind of page,
CSRF refusals, API rate limits, and the production settings `check --deploy` accepts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from shuniu.accounts.services import token_create
from shuniu.core import ratelimit
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.core.sidedb import side_connection
from shuniu.registry.models import Organization, OrganizationEvent
from tests.settings_env import PRODUCTION_ENV, load_settings

REPO = Path(__file__).resolve().parents[2]
# The middle of a one-minute window, so a test never straddles two windows.
FIXED_NOW = 1_800_000_030.0

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

NEW_ORG = {
    "name": "东城区助人社工事务所",
    "kind": "agency",
    "registrar_division": "110101",
    "legal_form": "social_service",
    "registered_on": "2009-06-20",
    "source": "test",
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def counts() -> tuple[int, int, int]:
    return (
        Organization.objects.count(),
        OrganizationEvent.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED_NOW)


@pytest.fixture
def csrf_client(db) -> Client:
    """A client that, like a browser, has to present the CSRF token."""
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/accounts/login/", 200),
        ("/admin/login/", 200),
        ("/api/v1/docs", 200),
        ("/api/v1/organizations", 200),
        ("/no-such-page/", 404),
    ],
)
def test_every_kind_of_page_has_the_strict_csp_and_secure_headers(client, db, url, status):
    # when
    response = client.get(url)
    # then
    assert response.status_code == status
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_we_write_have_no_inline_script_or_style(client, db):
    # The CSP would block them; this finds them before a browser does.
    for url in ("/accounts/login/", "/no-such-page/"):
        html = client.get(url).content.decode()
        assert "<script" not in html or 'src="' in html
        assert " style=" not in html
        assert "<style" not in html


def test_api_docs_load_swagger_from_static_files_only(client, db):
    # Swagger UI bundled by django-ninja: its scripts are files, its settings a JSON block
    # (not executed), so the strict policy needs no exception for /api/v1/docs.
    html = client.get("/api/v1/docs").content.decode()
    scripts = [line.strip() for line in html.splitlines() if "<script" in line]
    assert scripts == [
        '<script type="application/json" id="swagger-settings">',
        '<script src="/static/ninja/swagger-ui-bundle.js"></script>',
        '<script src="/static/ninja/swagger-ui-init.js"></script>',
    ]


# --- CSRF --------------------------------------------------------------------------------------


def test_login_post_without_csrf_token_is_refused(csrf_client, admin_user):
    # when the login form is posted without its token
    response = csrf_client.post(
        "/accounts/login/", {"username": "admin", "password": "pw-admin-123!"}
    )
    # then it is refused with our explanation, and nobody is logged in
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form could not be sent" in html
    assert "nothing was saved" in html
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert "_auth_user_id" not in csrf_client.session


def test_login_post_with_csrf_token_works(csrf_client, admin_user):
    csrf_client.get("/accounts/login/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        "/accounts/login/",
        {"username": "admin", "password": "pw-admin-123!", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_language_switch_without_csrf_token_is_refused(csrf_client):
    response = csrf_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert "django_language" not in response.cookies


def test_logout_without_csrf_token_is_refused(csrf_client, admin_user):
    csrf_client.force_login(admin_user)
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert csrf_client.session["_auth_user_id"] == str(admin_user.pk)


def test_api_session_write_without_csrf_token_is_refused(csrf_client, beijing_officer):
    # given an officer logged in to the web site
    csrf_client.force_login(beijing_officer)
    before = counts()
    # when a script posts with the session cookie but no CSRF token
    response = csrf_client.post(
        "/api/v1/organizations", json.dumps(NEW_ORG), content_type="application/json"
    )
    # then it is refused as a problem, and nothing is written
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "The CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."
    )
    assert counts() == before


def test_api_session_write_with_csrf_token_works(csrf_client, beijing_officer):
    csrf_client.force_login(beijing_officer)
    csrf_client.get("/accounts/login/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        "/api/v1/organizations",
        json.dumps(NEW_ORG),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert Organization.objects.get().name == "东城区助人社工事务所"


def test_anonymous_api_write_is_401_not_a_csrf_refusal(csrf_client):
    # Without a session there is nothing for CSRF to protect: the answer says how to log in.
    response = csrf_client.post(
        "/api/v1/organizations", json.dumps(NEW_ORG), content_type="application/json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_bearer_write_needs_no_csrf_token(csrf_client, beijing_officer):
    _, key = token_create(actor=cli_actor("test"), username=beijing_officer.username)
    response = csrf_client.post(
        "/api/v1/organizations",
        json.dumps(NEW_ORG),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201


# --- API rate limits ---------------------------------------------------------------------------


def test_anonymous_api_callers_are_limited_per_address(client, db, settings, fixed_clock):
    # given a limit of 2 anonymous requests a minute
    settings.SHUNIU_API_ANON_RATE = "2/min"
    assert client.get("/api/v1/divisions", {"parent": "110000"}).status_code == 200
    assert client.get("/api/v1/organizations").status_code == 200
    # when a third comes from the same address (asking for English)
    response = client.get("/api/v1/divisions", {"parent": "110000"}, HTTP_ACCEPT_LANGUAGE="en")
    # then it is a 429 problem saying when to come back
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "type": "about:blank",
        "title": "Too many requests",
        "status": 429,
        "detail": "Too many requests. Try again in 30 seconds.",
    }
    # and another address is still served
    assert Client(REMOTE_ADDR="10.1.1.1").get("/api/v1/organizations").status_code == 200


def test_logged_in_api_callers_are_limited_per_user(client, settings, fixed_clock, xicheng_officer):
    # given a limit of 1 request a minute per user, and a generous one for anonymous callers
    settings.SHUNIU_API_USER_RATE = "1/min"
    settings.SHUNIU_API_ANON_RATE = "100/min"
    client.force_login(xicheng_officer)
    assert client.get("/api/v1/organizations").status_code == 200
    # when the same user asks again
    response = client.get("/api/v1/organizations")
    # then they are limited, while an anonymous caller at the same address is not
    assert response.status_code == 429
    assert Client().get("/api/v1/organizations").status_code == 200


def test_bearer_writes_count_for_their_user(client, settings, fixed_clock, beijing_officer):
    settings.SHUNIU_API_USER_RATE = "1/min"
    _, key = token_create(actor=cli_actor("test"), username=beijing_officer.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    first = client.post("/api/v1/organizations", json.dumps(NEW_ORG), "application/json", **auth)
    assert first.status_code == 201
    before = counts()
    second = client.post(
        "/api/v1/organizations",
        json.dumps(NEW_ORG | {"name": "第二个社工事务所"}),
        "application/json",
        **auth,
    )
    assert second.status_code == 429
    assert counts() == before


def rate_counters() -> int:
    with side_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {ratelimit.TABLE}")  # noqa: S608 module constant
        return int(cursor.fetchone()[0])


def test_an_api_limit_that_is_off_counts_nothing(client, db, settings, fixed_clock):
    # given the anonymous and the per-user API limits turned off (a proxy limits instead)
    settings.SHUNIU_API_ANON_RATE = "off"
    settings.SHUNIU_API_USER_RATE = "OFF "
    before = rate_counters()
    # when an anonymous caller asks five times
    statuses = [client.get("/api/v1/divisions", {"parent": "110000"}).status_code for _ in range(5)]
    # then every request is served and no counter was written
    assert statuses == [200, 200, 200, 200, 200]
    assert rate_counters() == before


def test_with_the_anonymous_limit_off_users_are_still_limited(
    client, settings, fixed_clock, xicheng_officer
):
    # given no anonymous limit but 1 request a minute per user
    settings.SHUNIU_API_ANON_RATE = "off"
    settings.SHUNIU_API_USER_RATE = "1/min"
    client.force_login(xicheng_officer)
    assert client.get("/api/v1/organizations").status_code == 200
    # when the user asks again, then they are limited
    assert client.get("/api/v1/organizations").status_code == 429


def test_rates_are_parsed_as_documented():
    assert ratelimit.Rate.parse("120/min") == ratelimit.Rate(limit=120, period=60)
    assert ratelimit.Rate.parse("5/10s") == ratelimit.Rate(limit=5, period=10)
    assert ratelimit.Rate.parse("1000/day") == ratelimit.Rate(limit=1000, period=86400)
    with pytest.raises(ValueError, match="not a rate such as 120/min or off: '120 per minute'"):
        ratelimit.Rate.parse("120 per minute")
    assert ratelimit.configured(" Off") is None
    assert ratelimit.configured("30/min") == ratelimit.Rate(limit=30, period=60)
    with pytest.raises(ValueError, match="not a rate such as 120/min or off: 'none'"):
        ratelimit.configured("none")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHUNIU_API_ANON_RATE", "120 per minute"),
        ("SHUNIU_API_USER_RATE", "5/0s"),
        ("SHUNIU_LOGIN_RATE", "none"),
    ],
)
def test_a_malformed_rate_stops_the_start_naming_the_setting(monkeypatch, tmp_path, name, value):
    # given a rate setting that is neither "N/period" nor "off" (a zero period would divide
    # by zero at the first counted request)
    # when the settings load, then they refuse, naming the setting and the value
    with pytest.raises(ImproperlyConfigured, match=f"^{name}: not a rate such as 120/min or off"):
        load_settings(monkeypatch, tmp_path, **{name: value})


def test_rate_settings_take_off_and_default_when_empty(monkeypatch, tmp_path):
    conf = load_settings(
        monkeypatch, tmp_path, SHUNIU_API_ANON_RATE=" OFF ", SHUNIU_LOGIN_RATE="  "
    )
    assert conf["SHUNIU_API_ANON_RATE"] == "OFF"
    assert ratelimit.configured(conf["SHUNIU_API_ANON_RATE"]) is None
    assert conf["SHUNIU_LOGIN_RATE"] == "30/min"
    assert conf["SHUNIU_API_USER_RATE"] == "600/min"


@given(st.text(max_size=12))
def test_a_rate_is_parsed_with_a_period_or_refused_with_a_value_error(text):
    # Whatever the text: a positive period, "off", or a ValueError; never another error
    try:
        rate = ratelimit.configured(text)
    except ValueError as error:
        message = str(error)
    else:
        assert rate is None or (rate.period >= 1 and rate.limit >= 0)
        return
    assert message == f"not a rate such as 120/min or off: {text!r}"


@given(st.integers(0, 10**6), st.integers(1, 1000), st.sampled_from(["s", "min", "hour", "day"]))
def test_a_written_rate_parses_back(limit, multiple, unit):
    seconds = {"s": 1, "min": 60, "hour": 3600, "day": 86400}[unit]
    assert ratelimit.Rate.parse(f"{limit}/{multiple}{unit}") == ratelimit.Rate(
        limit=limit, period=multiple * seconds
    )


def test_counts_start_again_in_the_next_window(db):
    rate = ratelimit.Rate(limit=2, period=60)
    assert [ratelimit.hit("k", rate, now=120.0 + s) for s in (0, 1, 59)] == [1, 2, 3]
    assert ratelimit.hit("k", rate, now=180.0) == 1
    assert ratelimit.purge_expired(now=500.0) == 1


# --- production settings ------------------------------------------------------------------------


def test_production_turns_on_https_only_settings(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV)
    assert conf["DEBUG"] is False
    assert conf["ALLOWED_HOSTS"] == ["shuniu.example.org"]
    assert conf["SECURE_SSL_REDIRECT"] is True
    assert conf["SESSION_COOKIE_SECURE"] is True
    assert conf["CSRF_COOKIE_SECURE"] is True
    assert conf["SECURE_HSTS_SECONDS"] == 31_536_000
    assert conf["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert conf["SECURE_HSTS_PRELOAD"] is True
    assert "SECURE_PROXY_SSL_HEADER" not in conf
    assert conf["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True


def test_production_behind_a_tls_proxy_trusts_its_header(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV, SHUNIU_BEHIND_TLS_PROXY="1")
    assert conf["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_development_settings_stay_plain_http(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path)
    assert conf["PRODUCTION"] is False
    assert "SECURE_SSL_REDIRECT" not in conf
    assert conf["SESSION_COOKIE_AGE"] == 1800


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SHUNIU_SECRET_KEY", "SHUNIU_PRODUCTION=1 needs SHUNIU_SECRET_KEY in the environment"),
        (
            "SHUNIU_ALLOWED_HOSTS",
            "SHUNIU_PRODUCTION=1 needs SHUNIU_ALLOWED_HOSTS in the environment",
        ),
    ],
)
def test_production_refuses_to_start_without(monkeypatch, tmp_path, missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(monkeypatch, tmp_path, **env)


def test_production_refuses_a_short_secret_key(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="at least 50 random characters"):
        load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV | {"SHUNIU_SECRET_KEY": "secret"})


def test_production_refuses_debug(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_DEBUG must be off"):
        load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV, SHUNIU_DEBUG="1")


def test_bad_numbers_in_the_environment_are_named(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_LOCKOUT_MINUTES must be a whole number"):
        load_settings(monkeypatch, tmp_path, SHUNIU_LOCKOUT_MINUTES="a quarter hour")


def test_check_deploy_is_clean_in_production(tmp_path):
    # given the production environment in a fresh process, as an operator would run it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHUNIU_", "DJANGO_"))}
    env |= PRODUCTION_ENV | {"SHUNIU_VAR_DIR": str(tmp_path)}
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then not a single warning
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""


def test_check_deploy_warns_on_development_settings():
    # The same check fails on the settings tests run with, so the test above can fail.
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True, fail_level="WARNING", stdout=io.StringIO())
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in str(raised.value)


def test_favicon_ico_redirects_to_the_static_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("web/favicon.svg")
