"""`shuniu serve`: refuses outside production, checks the database, and builds gunicorn's
command line (the server itself is started in test_production_server.py). Static-file settings
per mode."""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation

from shuniu.web.management.commands import serve
from tests.settings_env import PRODUCTION_ENV, load_settings


@pytest.fixture(autouse=True)
def _as_deployed(monkeypatch):
    # The browser tests' conftest sets this when collected; check --deploy refuses it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def run_serve(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("serve", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_serve_refuses_to_run_outside_production(settings):
    # given development settings
    settings.PRODUCTION = False

    # when the production server is asked for
    with pytest.raises(CommandError) as refused:
        run_serve("--dry-run")

    # then it says what is missing, in one line
    assert str(refused.value) == (
        "shuniu serve runs the production server: set SHUNIU_PRODUCTION=1 (with "
        "SHUNIU_SECRET_KEY, SHUNIU_ALLOWED_HOSTS and SHUNIU_DATA_KEY; see docs/deploy.md). "
        "For development use make serve."
    )


@pytest.mark.django_db
def test_serve_builds_the_gunicorn_command(settings):
    # given production settings
    settings.PRODUCTION = True

    # when asked for three workers on an IPv6 address, without running it
    stdout, stderr = run_serve(
        "--dry-run", "--no-collectstatic", "--host", "::1", "--port", "9000", "--workers", "3"
    )

    # then gunicorn gets the project's configuration, the address and the workers
    assert shlex.split(stdout) == [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:config.gunicorn",
        "--bind",
        "[::1]:9000",
        "--workers",
        "3",
    ]
    assert f"Database: {connection.vendor} " in stderr
    assert "not applied" not in stderr


@pytest.mark.django_db
def test_serve_says_when_migrations_are_not_applied(settings):
    # given production settings and a database lacking one migration
    settings.PRODUCTION = True
    MigrationRecorder(connection).migration_qs.filter(app="core").order_by("-name").first().delete()

    # when the server is prepared
    _, stderr = run_serve("--dry-run", "--no-collectstatic")

    # then the operator reads that /readyz will refuse traffic until they migrate
    assert "1 migration is not applied: /readyz answers 503 until shuniu migrate has run." in stderr


def test_serve_stops_when_the_database_does_not_answer(settings, monkeypatch):
    # given production settings and a database that cannot be opened
    settings.PRODUCTION = True

    def refuse() -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", refuse)

    # when the server is prepared
    with pytest.raises(CommandError) as refused:
        run_serve("--dry-run", "--no-collectstatic")

    # then it stops with one line naming the database (systemd restarts it)
    assert str(refused.value) == (
        f"database {connection.settings_dict['NAME']} does not answer: unable to open database file"
        if connection.vendor == "sqlite"
        else f"database {connection.settings_dict['NAME']}@{connection.settings_dict['HOST']} "
        "does not answer: unable to open database file"
    )


@pytest.mark.parametrize(
    ("environment", "cores", "workers"),
    [({}, 1, 3), ({}, 2, 5), ({}, 16, 8), ({"SHUNIU_WORKERS": "12"}, 2, 12)],
)
def test_default_worker_count(monkeypatch, environment, cores, workers):
    # given the machine's cores and maybe SHUNIU_WORKERS
    monkeypatch.delenv("SHUNIU_WORKERS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: cores)

    # then the default is SHUNIU_WORKERS, else 2 × cores + 1 up to 8
    assert serve.default_workers() == workers


def test_a_malformed_worker_count_is_refused(monkeypatch, settings):
    # given a malformed SHUNIU_WORKERS, or an impossible --workers
    settings.PRODUCTION = True
    monkeypatch.setenv("SHUNIU_WORKERS", "many")

    # then each is refused with one line
    with pytest.raises(CommandError, match="SHUNIU_WORKERS must be a whole number, not 'many'"):
        run_serve("--dry-run")
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        run_serve("--dry-run", "--workers", "0")
    with pytest.raises(CommandError, match="--port must be between 1 and 65535"):
        run_serve("--dry-run", "--workers", "1", "--port", "70000")


@pytest.mark.parametrize("value", ["many", "-1", "1e5"])
def test_a_malformed_max_requests_is_refused_before_gunicorn_starts(monkeypatch, settings, value):
    # given production settings and a SHUNIU_MAX_REQUESTS that is not a whole number >= 0
    settings.PRODUCTION = True
    monkeypatch.setenv("SHUNIU_MAX_REQUESTS", value)

    # when the server is prepared
    with pytest.raises(CommandError) as refused:
        run_serve("--dry-run", "--no-collectstatic")

    # then it stops with one line naming the variable, in Chinese first
    assert str(refused.value) == (
        f"SHUNIU_MAX_REQUESTS must be a whole number, 0 or more, not {value!r}"
    )
    monkeypatch.setenv("SHUNIU_MAX_REQUESTS", value)
    with translation.override("zh-hans"), pytest.raises(CommandError) as in_chinese:
        call_command("serve", "--dry-run", "--no-collectstatic", stdout=io.StringIO())
    assert str(in_chinese.value) == f"SHUNIU_MAX_REQUESTS 必须是不小于 0 的整数，而不是 {value!r}"


@pytest.mark.django_db
def test_a_max_requests_of_zero_is_taken(monkeypatch, settings):
    # given production settings and SHUNIU_MAX_REQUESTS=0 (never recycle workers)
    settings.PRODUCTION = True
    monkeypatch.setenv("SHUNIU_MAX_REQUESTS", "0")

    # when the server is prepared, then the command is printed as usual
    stdout, _ = run_serve("--dry-run", "--no-collectstatic", "--workers", "2")
    assert stdout.split()[-2:] == ["--workers", "2"]


# --- static files per mode --------------------------------------------------------------------


def test_production_serves_hashed_compressed_static_files(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path, **PRODUCTION_ENV)
    assert conf["STORAGES"]["staticfiles"] == {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    }
    assert "WHITENOISE_USE_FINDERS" not in conf
    assert conf["MIDDLEWARE"][:3] == [
        "shuniu.core.middleware.RequestIdMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def test_development_serves_static_files_without_collectstatic(monkeypatch, tmp_path):
    conf = load_settings(monkeypatch, tmp_path)
    assert "STORAGES" not in conf
    assert conf["WHITENOISE_USE_FINDERS"] is True
    assert conf["WHITENOISE_AUTOREFRESH"] is True


def test_an_unknown_log_format_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_LOG_FORMAT must be one of text, json"):
        load_settings(monkeypatch, tmp_path, SHUNIU_LOG_FORMAT="yaml")


def test_static_files_are_served_in_development_with_a_request_id(client):
    # given no collectstatic (development and tests)
    # when a static file is asked for
    response = client.get("/static/web/site.css")

    # then the app's own file is served, and the response has an id like any other
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content)
        == (Path(__file__).resolve().parents[2] / "src/shuniu/web/static/web/site.css").read_bytes()
    )
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "many"])
def test_a_request_wait_that_is_not_a_number_of_seconds_stops_the_start(
    monkeypatch, tmp_path, value
):
    # float() takes "inf" and "nan": SQLite's busy_timeout cannot be set from them, and each
    # request would then quietly wait the command line's 20 s instead; a negative wait is none
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_DB_REQUEST_TIMEOUT must be a number"):
        load_settings(monkeypatch, tmp_path, SHUNIU_DB_REQUEST_TIMEOUT=value)


def test_a_request_wait_of_seconds_is_taken(monkeypatch, tmp_path):
    assert (
        load_settings(monkeypatch, tmp_path, SHUNIU_DB_REQUEST_TIMEOUT="0.5")[
            "SHUNIU_DB_REQUEST_TIMEOUT"
        ]
        == 0.5
    )
    assert load_settings(monkeypatch, tmp_path)["SHUNIU_DB_REQUEST_TIMEOUT"] == 3
