"""/healthz and /readyz: what a load balancer sees, over plain HTTP even in production."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

PROBLEM_JSON = "application/problem+json"


def test_healthz_answers_without_touching_the_database(client):
    # given no database access at all (this test has no db fixture: any query would raise)
    # when a load balancer probes the process
    response = client.get("/healthz")

    # then it is up, uncached, with no session cookie
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


def test_healthz_answers_a_head_and_refuses_a_post(client):
    # when probed with HEAD, then with POST
    head = client.head("/healthz")
    post = client.post("/healthz")

    # then HEAD is fine and POST is not a probe
    assert head.status_code == 200
    assert post.status_code == 405


def test_probes_are_exempt_from_the_https_redirect(client, settings):
    # given production's redirect of plain HTTP to HTTPS
    settings.SECURE_SSL_REDIRECT = True

    # when a page and the liveness probe are asked for over plain HTTP
    page = client.get("/api/v1/divisions")
    probe = client.get("/healthz")

    # then the page is redirected and the probe answers
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/api/v1/divisions"
    assert probe.status_code == 200


def test_probes_answer_a_load_balancer_that_names_the_machine_not_the_site(client):
    # given a load balancer probing by address, a host the site does not serve
    # when it probes, and when the same host asks for a page
    probe = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    page = client.get("/api/v1/divisions", HTTP_HOST="10.0.0.5:8000")

    # then the probe answers and the page is refused (ALLOWED_HOSTS still holds for pages)
    assert probe.status_code == 200
    assert page.status_code == 400


@pytest.mark.django_db
def test_readyz_is_ready_when_every_migration_is_applied(client):
    # given the migrated test database
    # when the readiness probe is asked
    response = client.get("/readyz")

    # then it is ready
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


@pytest.mark.django_db
def test_readyz_asks_the_database_only_what_the_migration_check_needs(
    client, django_assert_num_queries
):
    # given a database with every migration applied
    client.get("/readyz")
    # when a probe asks again (load balancers ask every few seconds)
    # then it reads the recorded migrations (a table lookup and the rows) and nothing more:
    # that read already fails when the database does not answer
    with django_assert_num_queries(2):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_never_rate_limited(client, settings):
    # given the tightest rate limits
    settings.SHUNIU_API_ANON_RATE = "1/min"
    settings.SHUNIU_LOGIN_RATE = "1/min"

    # when a load balancer probes five times in a row
    statuses = [client.get("/readyz").status_code for _ in range(5)]

    # then every probe is answered
    assert statuses == [200, 200, 200, 200, 200]


@pytest.mark.django_db
def test_readyz_is_503_problem_while_a_migration_is_not_applied(client):
    # given a database that lacks the last migration of the core app
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app="core").order_by("-name").first().delete()

    # when the readiness probe is asked, in English and in Chinese
    english = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="zh-hans")

    # then it is not ready and says why, in the reader's language
    assert english.status_code == 503
    assert english["Content-Type"] == PROBLEM_JSON
    assert english["Retry-After"] == "5"
    assert json.loads(english.content) == {
        "type": "about:blank",
        "title": "Not ready",
        "status": 503,
        "detail": "1 database migration is not applied (run shuniu migrate).",
    }
    assert json.loads(chinese.content)["title"] == "未就绪"
    assert (
        json.loads(chinese.content)["detail"]
        == "有 1 个数据库迁移尚未应用（请运行 shuniu migrate）。"
    )


def test_readyz_is_503_problem_when_the_database_does_not_answer(client, monkeypatch):
    # given a database that cannot be opened
    def refuse() -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", refuse)

    # when the readiness probe is asked
    response = client.get("/readyz", HTTP_ACCEPT_LANGUAGE="en")

    # then it is not ready: a 503 problem, not a 500
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_JSON
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": "Not ready",
        "status": 503,
        "detail": "The database does not answer.",
    }
