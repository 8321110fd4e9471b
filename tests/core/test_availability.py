"""Reads go on while another connection holds the main database's write lock (as a long
import does); what must write answers 503 with Retry-After, never 500."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client

from shuniu.core.models import AuditRecord
from shuniu.core.sidedb import side_alias
from tests.core.conftest import holding_writer
from tests.factories import make_organization
from tests.web.workspace_helpers import logged_in

# Committed data (a second connection must see it), put back for the next tests afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORGANIZATIONS = "/api/v1/organizations"
BUSY_EN = (
    "Another task (an import, say) is writing to the database. Nothing was changed by this "
    "request; try again in 7 seconds."
)
BUSY_ZH = "另一项任务（例如导入）正在写入数据库。本次请求未作任何更改；请 7 秒后重试。"

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the side database exists on SQLite only"
)


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def assert_busy_problem(response, detail: str = BUSY_EN) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "7"
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": "The database is busy",
        "status": 503,
        "detail": detail,
    }


# ---------------------------------------------------------------------------------------
# Reads go on
# ---------------------------------------------------------------------------------------


def test_anonymous_api_reads_answer_while_an_import_holds_the_database(short_wait):
    # given an organization, and another connection holding the write lock
    org = make_organization(name="西城悦群社工事务所", division="110102")
    client = english()
    with holding_writer():
        # when anonymous callers read (each read counts against the rate limit: a write)
        listing = client.get(ORGANIZATIONS)
        detail = client.get(f"{ORGANIZATIONS}/{org.pk}")
    # then both answer
    assert listing.status_code == 200, listing.content
    assert [item["name"] for item in listing.json()["items"]] == ["西城悦群社工事务所"]
    assert detail.status_code == 200
    assert detail.json()["name"] == "西城悦群社工事务所"


def test_logged_in_officer_pages_answer_while_an_import_holds_the_database(
    short_wait, xicheng_officer
):
    # given an officer with a session (saved again on every request) and the lock held
    make_organization(name="西城悦群社工事务所", division="110102")
    client = logged_in(xicheng_officer)
    with holding_writer():
        # when the officer reads the workspace and the public directory
        workspace = client.get("/workspace/")
        directory = client.get("/organizations/")
    # then both answer, and the session still holds the login
    assert (workspace.status_code, directory.status_code) == (200, 200)
    assert client.get("/workspace/").status_code == 200


@sqlite_only
def test_rate_limit_counts_and_sessions_are_kept_in_the_side_database(xicheng_officer):
    # when an anonymous caller reads the API and an officer logs in
    english().get(ORGANIZATIONS)
    client = logged_in(xicheng_officer)
    # then the count and the session are in the side database, none in the main one
    side = connections[side_alias()]
    with side.cursor() as cursor:
        cursor.execute("SELECT ident, hits FROM shuniu_rate_counter")
        assert cursor.fetchall() == [("api-anon:127.0.0.1/60", 1)]
        cursor.execute("SELECT session_key FROM django_session")
        assert [row[0] for row in cursor.fetchall()] == [client.session.session_key]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM shuniu_rate_counter")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM django_session")
        assert cursor.fetchone()[0] == 0


# ---------------------------------------------------------------------------------------
# What must write answers 503 + Retry-After
# ---------------------------------------------------------------------------------------


def test_an_api_write_while_an_import_holds_the_database_is_503(short_wait, admin_user):
    # given
    org = make_organization(name="西城悦群社工事务所", division="110102")
    client = english()
    client.force_login(admin_user)
    audit_before = AuditRecord.objects.count()
    with holding_writer():
        # when an administrator changes the organization
        response = client.patch(
            f"{ORGANIZATIONS}/{org.pk}",
            {"address": "西城区月坛南街 5 号"},
            content_type="application/json",
            HTTP_IF_MATCH='"1"',
        )
    # then 503 with Retry-After, and nothing was written
    assert_busy_problem(response)
    org.refresh_from_db()
    assert (org.address, org.version) == ("", 1)
    assert AuditRecord.objects.count() == audit_before
    # and the same request succeeds once the lock is gone
    again = client.patch(
        f"{ORGANIZATIONS}/{org.pk}",
        {"address": "西城区月坛南街 5 号"},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert again.status_code == 200, again.content


@sqlite_only
def test_an_api_read_whose_rate_count_cannot_be_written_is_503(short_wait):
    # given another connection holds the side database (where the count is written)
    client = english()
    with holding_writer(side_alias()):
        # when an anonymous caller reads
        response = client.get(ORGANIZATIONS)
    # then 503, not 500
    assert_busy_problem(response)


def test_an_audited_api_read_while_an_import_holds_the_database_is_503(short_wait, admin_user):
    # given a person whose clear ID number may only be read with an audit record
    from tests.workforce.factories import make_person

    person = make_person()
    client = english()
    client.force_login(admin_user)
    with holding_writer():
        # when the administrator asks for the number
        response = client.get(
            f"/api/v1/workforce/people/{person.pk}/id-number", {"purpose": "核对身份"}
        )
    # then 503: no number leaves without its audit record
    assert_busy_problem(response)
    assert not AuditRecord.objects.filter(action="person.id_number.view").exists()


def test_a_page_that_must_write_while_an_import_holds_the_database_is_503_in_chinese(
    short_wait,
):
    # given a user, and the lock held
    get_user_model().objects.create_user("reader", password="pw-reader-123!")
    client = Client()  # the site's language: zh-hans
    with holding_writer():
        # when the user logs in (which records the login)
        response = client.post(
            "/accounts/login/", {"username": "reader", "password": "pw-reader-123!"}
        )
    # then a short translated page with Retry-After
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    html = response.content.decode()
    assert '<h1 class="h3 mb-3" id="busy-heading">数据库正忙</h1>' in html
    assert BUSY_ZH in html
    # and the login is not half done
    assert get_user_model().objects.get(username="reader").last_login is None


# ---------------------------------------------------------------------------------------
# The waits
# ---------------------------------------------------------------------------------------
