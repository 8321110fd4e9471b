"""Read-replica routing (shuniu.core.replica) against a real streaming standby.

CI's PostgreSQL run starts one beside the primary (``PG_THROWAWAY_REPLICA=1
scripts/pg-throwaway.sh start``) and exports DATABASE_REPLICA_URL. The ``replica`` alias is a
test mirror of ``default`` (no test database can be created on a read-only standby) that
tests/conftest.py points at the primary; the ``standby`` fixture points it at the real standby,
where the test database the primary created has been replicated. The tests are transactional:
a standby sees committed rows only.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shuniu.core import replica
from shuniu.core.dataversion import data_version_bump
from shuniu.registry.models import Organization
from shuniu.stats.cache import organization_stats_cached
from tests.conftest import STANDBY_SETTINGS
from tests.factories import make_organization
from tests.settings_env import load_settings

REPLICA = replica.REPLICA


def _needs_standby() -> None:
    reason = _no_standby_reason()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture
def standby():
    """The ``replica`` alias pointed at the real standby's copy of the test database."""
    _needs_standby()
    connection = connections[REPLICA]
    mirrored = connection.settings_dict
    # The standby's address (tests/conftest.py kept it) and the test database's name.
    real = {**STANDBY_SETTINGS, "NAME": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]}
    assert (real["HOST"], real["PORT"]) != (mirrored["HOST"], mirrored["PORT"])
    connection.close()
    connection.settings_dict = real
    replica.mark_replica_up()
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict = mirrored
        replica.mark_replica_up()


def wait_for_replay(standby_connection, timeout: float = 10.0) -> None:
    """Until the standby has replayed everything the primary has committed so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        with standby_connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, f"the standby did not replay up to {lsn}"
        time.sleep(0.05)


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


@pytest.fixture
def pause_replay(standby):
    """Pauses replay on the standby (as its superuser) when called: rows committed afterwards stay
    invisible there, which tells a read from the standby apart from a read from the primary."""
    info = standby.settings_dict
    try:
        admin = psycopg.connect(
            host=info["HOST"],
            port=info["PORT"],
            user="postgres",
            dbname="postgres",
            autocommit=True,
        )
    except psycopg.Error as exc:
        pytest.skip(f"pausing replay needs the standby's superuser: {exc}")

    def pause() -> None:
        wait_for_replay(standby)
        admin.execute("SELECT pg_wal_replay_pause()")
        # The pause is a request: replay stops at the next record, not at once.
        deadline = time.monotonic() + 10
        while admin.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
            assert time.monotonic() < deadline, "the standby did not pause its replay"
            time.sleep(0.02)

    try:
        yield pause
    finally:
        admin.execute("SELECT pg_wal_replay_resume()")
        admin.close()


def replica_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries]


def renamed_behind_the_standby(pause) -> Organization:
    """An organization the standby knows as 旧名称社工事务所 and the primary as 新名称社工事务所."""
    org = make_organization(name="旧名称社工事务所")
    pause()
    Organization.objects.filter(pk=org.pk).update(name="新名称社工事务所")
    return org


def _no_standby_reason() -> str | None:
    if settings.DATABASES[DEFAULT_DB_ALIAS]["ENGINE"] != "django.db.backends.postgresql":
        return "read replicas are PostgreSQL only (this run is on SQLite)"
    if REPLICA not in settings.DATABASES:
        return (
            "DATABASE_REPLICA_URL is unset (CI sets it: PG_THROWAWAY_REPLICA=1 "
            "scripts/pg-throwaway.sh start; export DATABASE_REPLICA_URL=$(... url-replica))"
        )
    return None


def on_the_standby(test):
    """Transactional (a standby sees committed rows only), and skipped before any database is
    set up when there is no standby: a transactional test's flush empties the reference data."""
    test = pytest.mark.django_db(transaction=True, serialized_rollback=True)(test)
    reason = _no_standby_reason()
    return pytest.mark.skipif(reason is not None, reason=reason or "")(test)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_the_module(django_db_blocker):
    """The last transactional test's flush leaves the database without the reference data the
    migrations loaded (divisions); the tests that run after this file on the same worker need
    it. (The browser tests run in a pytest run of their own for the same reason.)"""
    yield
    if _no_standby_reason() is not None:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@on_the_standby
def test_the_standby_is_a_standby(standby):
    # given the standby fixture, then its connection is in recovery and the primary's is not
    assert in_recovery(REPLICA) is True
    assert in_recovery(DEFAULT_DB_ALIAS) is False


@on_the_standby
def test_a_get_reads_from_the_standby(client, pause_replay):
    # given an organization renamed on the primary while the standby's replay is paused
    org = renamed_behind_the_standby(pause_replay)

    # when an anonymous client reads it
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(f"/api/v1/organizations/{org.pk}")

    # then the answer is the standby's (the old name), read there, and no cookie pins the client
    assert response.status_code == 200
    assert response.json()["name"] == "旧名称社工事务所"
    assert any("registry_organization" in sql for sql in replica_queries(on_replica))
    assert replica.PIN_COOKIE not in response.cookies


@on_the_standby
def test_after_a_post_the_same_client_reads_the_primary(client, pause_replay):
    # given an organization renamed behind the standby, and a user
    org = renamed_behind_the_standby(pause_replay)
    get_user_model().objects.create_user("pinned", password="pw-pinned-123!")

    # when the client logs in (a POST) and then reads the organization
    login = client.post(reverse("web:login"), {"username": "pinned", "password": "pw-pinned-123!"})
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(f"/api/v1/organizations/{org.pk}")

    # then the POST pinned the client to the primary for SHUNIU_REPLICA_PIN_SECONDS, and the
    # GET read the primary's new name, with nothing read from the standby
    assert login.status_code == 302
    assert login.cookies[replica.PIN_COOKIE]["max-age"] == 10
    assert response.status_code == 200
    assert response.json()["name"] == "新名称社工事务所"
    assert replica_queries(on_replica) == []


@on_the_standby
def test_a_signed_in_client_is_not_pinned_by_its_session(client, pause_replay, beijing_officer):
    # given an organization renamed behind the standby, and a signed-in officer whose session
    # is saved on every request (SESSION_SAVE_EVERY_REQUEST)
    org = renamed_behind_the_standby(pause_replay)
    client.force_login(beijing_officer)

    # when the officer reads it twice
    first = client.get(f"/api/v1/organizations/{org.pk}")
    second = client.get(f"/api/v1/organizations/{org.pk}")

    # then both reads are the standby's and the session's save pinned nothing
    assert first.json()["name"] == second.json()["name"] == "旧名称社工事务所"
    assert replica.PIN_COOKIE not in first.cookies
    assert "sessionid" in first.cookies


@on_the_standby
def test_another_client_still_reads_the_standby_after_someone_posts(client, pause_replay):
    # given a client that posted (pinned), and an organization renamed behind the standby
    org = renamed_behind_the_standby(pause_replay)
    client.post(reverse("web:login"), {"username": "nobody", "password": "wrong"})

    # when a client without the cookie reads it
    client.cookies.pop(replica.PIN_COOKIE)
    response = client.get(f"/api/v1/organizations/{org.pk}")

    # then the standby answers
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "旧名称社工事务所"


@on_the_standby
def test_a_pin_of_zero_seconds_pins_no_one(client, settings, standby):
    # given pinning turned off
    settings.SHUNIU_REPLICA_PIN_SECONDS = 0

    # when a client posts, then no cookie pins it
    response = client.post(reverse("web:login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert replica.PIN_COOKIE not in response.cookies


@on_the_standby
def test_a_forged_pin_cookie_does_not_pin(client, pause_replay):
    # given an organization renamed behind the standby and an unsigned cookie
    org = renamed_behind_the_standby(pause_replay)
    client.cookies[replica.PIN_COOKIE] = "1"

    # when read, then the standby answers: only a signed cookie of this site pins
    response = client.get(f"/api/v1/organizations/{org.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "旧名称社工事务所"


@on_the_standby
def test_no_cache_asks_for_the_primary(client, pause_replay):
    # given an organization renamed behind the standby
    org = renamed_behind_the_standby(pause_replay)

    # when a script without cookies asks for a fresh answer
    response = client.get(f"/api/v1/organizations/{org.pk}", HTTP_CACHE_CONTROL="no-cache")

    # then the primary answers
    assert response.json()["name"] == "新名称社工事务所"


@on_the_standby
def test_an_edit_form_reads_the_primary(client, pause_replay, beijing_officer):
    # given an organization renamed behind the standby, and an officer signed in without a
    # request (no pin cookie)
    org = renamed_behind_the_standby(pause_replay)
    client.force_login(beijing_officer)

    # when the officer opens its page, then its edit form
    page = client.get(reverse("web:workspace_organization", args=[org.pk]))
    form = client.get(reverse("web:workspace_organization_edit", args=[org.pk]))

    # then the page may be the standby's, but the form (and the version it carries into the
    # save's conflict check) is the primary's
    assert page.status_code == form.status_code == 200
    assert "旧名称社工事务所" in page.content.decode()
    assert "新名称社工事务所" in form.content.decode()
    assert "旧名称社工事务所" not in form.content.decode()


@on_the_standby
def test_a_write_never_goes_to_the_standby(standby):
    # given an organization replayed on the standby
    org = make_organization(name="写入测试社工事务所")
    wait_for_replay(standby)

    # when, inside a block whose reads may use the replica, it is read, changed and saved
    with replica.replica_reads():
        read = Organization.objects.get(pk=org.pk)
        read_from = read._state.db
        read.name = "已改名社工事务所"
        read.save(update_fields=["name"])
        again = Organization.objects.get(pk=org.pk)

    # then the read came from the standby, the save reached the primary (a standby refuses
    # writes), and the read after the write came from the primary
    assert read_from == REPLICA
    assert Organization.objects.using(DEFAULT_DB_ALIAS).get(pk=org.pk).name == "已改名社工事务所"
    assert again._state.db == DEFAULT_DB_ALIAS
    assert again.name == "已改名社工事务所"


@on_the_standby
def test_transactions_and_accounts_read_the_primary(standby):
    # given a block whose reads may use the replica
    with replica.replica_reads():
        # then a plain read goes to the standby, but not inside a transaction, and never the
        # rows that say who a client is and what it may do
        assert Organization.objects.all().db == REPLICA
        with transaction.atomic():
            assert Organization.objects.all().db == DEFAULT_DB_ALIAS
        assert get_user_model().objects.all().db == DEFAULT_DB_ALIAS
    # and outside any request or block, everything is on the primary
    assert Organization.objects.all().db == DEFAULT_DB_ALIAS


@on_the_standby
def test_post_requests_read_the_primary(client, standby):
    # given a user on the primary
    get_user_model().objects.create_user("poster", password="pw-poster-123!")

    # when a POST runs (a login, which reads the user and writes the session)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.post(
            reverse("web:login"), {"username": "poster", "password": "pw-poster-123!"}
        )

    # then nothing of it touched the standby
    assert response.status_code == 302
    assert replica_queries(on_replica) == []


@on_the_standby
def test_an_unreachable_replica_falls_back_to_the_primary(client, standby, caplog):
    # given an organization, and the replica's address pointing at a server that is not there
    org = make_organization(name="备库故障社工事务所")
    standby.close()
    standby.settings_dict = {**standby.settings_dict, "HOST": "/nonexistent-replica-socket"}

    # when it is read, twice
    with caplog.at_level(logging.WARNING, logger="shuniu.core.replica"):
        first = client.get(f"/api/v1/organizations/{org.pk}")
        second = client.get(f"/api/v1/organizations/{org.pk}")

    # then the primary answers both, and the failure is logged once: the second request did
    # not try the replica again
    assert first.status_code == second.status_code == 200
    assert second.json()["name"] == "备库故障社工事务所"
    warnings = [r.getMessage() for r in caplog.records if r.name == "shuniu.core.replica"]
    assert len(warnings) == 1
    assert warnings[0].startswith("replica unreachable, reading from the primary for 30s")


@on_the_standby
def test_a_replica_failing_during_a_request_has_it_served_from_the_primary(standby, caplog):
    # given an organization, and a replica connection that breaks at its first query
    # (the first attempt's error is logged as any other; the client must not re-raise it)
    client = Client(raise_request_exception=False)
    org = make_organization(name="中途断开社工事务所")
    wait_for_replay(standby)
    broken = []

    def break_once(execute, sql, params, many, context):
        if not broken:
            broken.append(sql)
            standby.connection.close()
        return execute(sql, params, many, context)

    # when it is read
    with (
        caplog.at_level(logging.WARNING, logger="shuniu.core.replica"),
        standby.execute_wrapper(break_once),
    ):
        response = client.get(f"/api/v1/organizations/{org.pk}")

    # then the request was served again from the primary: a full, correct answer
    assert len(broken) == 1
    assert response.status_code == 200
    assert response.json()["name"] == "中途断开社工事务所"
    assert any(
        r.getMessage() == f"replica failed during GET /api/v1/organizations/{org.pk}; "
        "served again from the primary"
        for r in caplog.records
    )


@on_the_standby
def test_the_statistics_command_reads_the_standby(standby):
    # given an organization replayed on the standby
    make_organization(name="统计社工事务所", division="110101")
    wait_for_replay(standby)

    # when the statistics command runs
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        call_command("stats", "organizations", "--region", "110000", "--format", "json")

    # then it read the standby
    assert any("registry_organization" in sql for sql in replica_queries(on_replica))


# --- Without a replica (every run) --------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_without_a_replica_nothing_changes(client, settings):
    # given no DATABASE_REPLICA_URL (the SQLite run), when a client posts
    if REPLICA in settings.DATABASES:
        pytest.skip("this run has a replica")
    response = client.post(reverse("web:login"), {"username": "nobody", "password": "wrong"})

    # then no pin cookie is set and reads have nowhere else to go
    assert replica.PIN_COOKIE not in response.cookies
    with replica.replica_reads():
        assert Organization.objects.all().db == DEFAULT_DB_ALIAS


def test_a_replica_needs_postgresql(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://shuniu@replica.internal/shuniu")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL needs DATABASE_URL"):
        load_settings(monkeypatch, tmp_path)


def test_a_replica_url_must_be_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shuniu@db.internal/shuniu")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "sqlite:///tmp/copy.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="must be a postgresql:// address"):
        load_settings(monkeypatch, tmp_path)


def test_a_replica_url_adds_a_replica_alias_mirrored_in_tests(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shuniu@db.internal/shuniu")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://shuniu@replica.internal:5433/shuniu")
    conf = load_settings(monkeypatch, tmp_path)
    assert conf["DATABASES"]["replica"]["HOST"] == "replica.internal"
    assert conf["DATABASES"]["replica"]["PORT"] == "5433"
    assert conf["DATABASES"]["replica"]["TEST"] == {"MIRROR": "default"}
    assert conf["DATABASES"]["replica"]["OPTIONS"] == {"connect_timeout": 2}
    assert conf["SHUNIU_REPLICA_PIN_SECONDS"] == 10


def test_a_negative_pin_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SHUNIU_REPLICA_PIN_SECONDS must be 0 or more"):
        load_settings(monkeypatch, tmp_path, SHUNIU_REPLICA_PIN_SECONDS="-1")


@on_the_standby
def test_a_figure_read_on_the_standby_is_cached_under_the_standbys_version(settings, pause_replay):
    # given the statistics cache on, one organization replayed on the standby, then its replay
    # paused and a second organization written on the primary (with the version moved, as the
    # services' audit write does)
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    make_organization(name="先登记社工事务所", division="110101", registered_on=dt.date(2010, 1, 1))
    data_version_bump()
    pause_replay()
    make_organization(name="后登记社工事务所", division="110102", registered_on=dt.date(2011, 1, 1))
    data_version_bump()
    as_of = dt.date(2012, 1, 1)

    # when a reader on the standby reads the figures (and caches them), then one on the primary
    with replica.replica_reads():
        on_standby = organization_stats_cached(region_code="110000", as_of=as_of).total
    on_primary = organization_stats_cached(region_code="110000", as_of=as_of).total

    # then each saw its own database: the standby's figure was stored under the standby's
    # (older) version, not served to a reader of the primary's newer data
    assert on_standby == 1
    assert on_primary == 2
