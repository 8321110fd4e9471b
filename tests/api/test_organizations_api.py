from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization, OrganizationEvent
from tests.factories import make_organization

API = "/api/v1/organizations"


def bearer(user) -> dict[str, str]:
    _, key = token_create(actor=cli_actor("test"), username=user.username)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def counts() -> tuple[int, int, int]:
    return (
        Organization.objects.count(),
        OrganizationEvent.objects.count(),
        AuditRecord.objects.count(),
    )


NEW_ORG = {
    "name": "东城区助人社工事务所",
    "kind": "agency",
    "registrar_division": "110101",
    "legal_form": "social_service",
    "formation": "university_local",
    "founded_on": "2009-06-01",
    "registered_on": "2009-06-20",
    "service_fields": ["youth", "family"],
    "source": "test",
}


# --- reads -------------------------------------------------------------------------------


def test_list_filters_by_region_kind_and_returns_the_promised_fields(client, db):
    # given two agencies in Beijing and one in Shanghai, and an association in Beijing
    a = make_organization(name="甲社工事务所", division="110101")
    make_organization(name="乙社工事务所", division="110105")
    make_organization(name="丙社工服务社", division="310115")
    make_organization(
        name="丁协会",
        kind="association",
        division="110102",
        association_level="district",
        legal_form="social_group",
    )
    # when
    response = client.get(API, {"region": "110000", "kind": "agency"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [i["name"] for i in body["items"]] == ["乙社工事务所", "甲社工事务所"]
    item = next(i for i in body["items"] if i["id"] == a.pk)
    assert item["uscc"] == a.uscc
    assert item["kind"] == "agency"
    assert item["status"] == "registered"
    assert item["district"] == {"code": "110101", "name": "东城区", "name_en": "Dongcheng District"}
    assert item["registered_on"] == "2010-01-01"
    assert item["founded_on"] is None
    assert item["formation"] == ""


def test_list_as_of_uses_the_status_and_district_of_that_date(client, db):
    # given an agency registered in 崇文区 in 2009 (merged into 东城区 on 2010-07-01)
    make_organization(name="崇文社工事务所", division="110103", registered_on=dt.date(2009, 5, 1))
    # when listing Dongcheng as of 2008, 2009 and 2011
    before = client.get(API, {"region": "110101", "as_of": "2008-12-31"}).json()
    in_2009 = client.get(API, {"region": "110103", "as_of": "2009-12-31"}).json()
    in_2011 = client.get(API, {"region": "110101", "as_of": "2011-12-31"}).json()
    # then it did not exist in 2008, lay in 崇文 in 2009 and counts in 东城 in 2011
    assert before["count"] == 0
    assert in_2009["items"][0]["district"]["code"] == "110103"
    assert in_2011["items"][0]["district"]["code"] == "110101"


def test_list_paginates(client, db):
    for n in range(5):
        make_organization(name=f"机构{n}")
    page2 = client.get(API, {"page": 2, "page_size": 2}).json()
    assert page2["count"] == 5
    assert [i["name"] for i in page2["items"]] == ["机构2", "机构3"]


def test_list_rejects_unknown_filter_values_with_a_problem(client, db):
    response = client.get(API, {"kind": "spaceship"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["kind"]


def test_list_query_count_does_not_grow_with_rows(client, db, django_assert_max_num_queries):
    # given 30 organizations with hubs and service fields
    hub = make_organization(
        name="枢纽协会", kind="association", association_level="district", legal_form="social_group"
    )
    for n in range(30):
        make_organization(name=f"成员{n}", hub=hub, service_fields=["youth", "elderly"])
    # when / then: a bounded number of queries whatever the page size
    with CaptureQueriesContext(connection) as small:
        client.get(API, {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        client.get(API, {"page_size": 31})
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(6):
        client.get(API, {"page_size": 31, "q": "成员"})


def test_detail_has_events_and_etag(client, db):
    org = make_organization(founded_on=dt.date(2009, 6, 1), registered_on=dt.date(2009, 6, 20))
    response = client.get(f"{API}/{org.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    events = response.json()["events"]
    assert [(e["kind"], e["date"]) for e in events] == [
        ("founded", "2009-06-01"),
        ("registered", "2009-06-20"),
    ]


def test_detail_of_missing_organization_is_404_problem(client, db):
    response = client.get(f"{API}/999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


# --- writes: permissions ------------------------------------------------------------------


def test_anonymous_create_is_refused_and_writes_nothing(client, db):
    before = counts()
    response = post(client, API, NEW_ORG)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert counts() == before


def test_user_without_role_is_refused(client, db, django_user_model):
    plain = django_user_model.objects.create_user("plain", password="pw-plain-123!")
    auth = bearer(plain)
    before = counts()
    response = post(client, API, NEW_ORG, **auth)
    assert response.status_code == 403
    assert counts() == before


def test_officer_of_another_district_is_refused(client, db, xicheng_officer):
    auth = bearer(xicheng_officer)
    before = counts()
    response = post(client, API, NEW_ORG, **auth)  # 东城 is not 西城
    assert response.status_code == 403
    assert "东城区" in response.json()["detail"]
    assert counts() == before


def test_city_officer_creates_with_token(client, db, beijing_officer):
    response = post(client, API, NEW_ORG, **bearer(beijing_officer))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "东城区助人社工事务所"
    assert body["status"] == "registered"
    assert body["service_fields"] == ["youth", "family"]
    assert response["Location"] == f"{API}/{body['id']}"
    record = AuditRecord.objects.get(action="organization.register")
    assert record.actor == beijing_officer
    assert record.after["name"] == "东城区助人社工事务所"


def test_session_write_needs_csrf(db, beijing_officer):
    from django.test import Client

    # given a logged-in officer whose client enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(beijing_officer)
    before = counts()
    # when posting without a CSRF token
    response = post(client, API, NEW_ORG)
    # then refused, nothing written
    assert response.status_code in (401, 403)
    assert counts() == before


def test_invalid_payload_names_the_field_and_writes_nothing(client, db, admin_user):
    auth = bearer(admin_user)
    before = counts()
    bad = NEW_ORG | {"uscc": "91350100M000100Y44", "kind": "agency"}
    response = post(client, API, bad, **auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["uscc"]
    assert counts() == before


def test_revoked_token_is_refused(client, db, admin_user):
    from shuniu.accounts.services import token_revoke

    token, key = token_create(actor=cli_actor("test"), username=admin_user.username)
    token_revoke(actor=cli_actor("test"), token=token)
    response = post(client, API, NEW_ORG, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


# --- updates and versions -----------------------------------------------------------------


def test_update_with_if_match_applies_and_bumps_version(client, db, admin_user):
    org = make_organization(address="旧地址")
    response = patch(
        client, f"{API}/{org.pk}", {"address": "新地址"}, HTTP_IF_MATCH='"1"', **bearer(admin_user)
    )
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "新地址"
    assert response["ETag"] == '"2"'
    record = AuditRecord.objects.filter(action="organization.update").get()
    assert (record.before["address"], record.after["address"]) == ("旧地址", "新地址")


def test_stale_update_is_refused_with_412_and_changes_nothing(client, db, admin_user):
    # given someone else saved first (version is now 2)
    org = make_organization(address="旧地址")
    auth = bearer(admin_user)
    patch(client, f"{API}/{org.pk}", {"address": "他人的修改"}, HTTP_IF_MATCH='"1"', **auth)
    before = counts()
    # when I save my edit of version 1
    response = patch(
        client, f"{API}/{org.pk}", {"address": "我的修改"}, HTTP_IF_MATCH='"1"', **auth
    )
    # then refused; the other change stays; nothing is written
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    org.refresh_from_db()
    assert (org.address, org.version) == ("他人的修改", 2)
    assert counts() == before


def test_update_without_version_is_428(client, db, admin_user):
    org = make_organization()
    response = patch(client, f"{API}/{org.pk}", {"address": "x"}, **bearer(admin_user))
    assert response.status_code == 428
    org.refresh_from_db()
    assert org.version == 1


def test_update_by_officer_outside_jurisdiction_changes_nothing(client, db, xicheng_officer):
    org = make_organization(division="110105", address="朝阳某处")
    auth = bearer(xicheng_officer)
    before = counts()
    response = patch(client, f"{API}/{org.pk}", {"address": "x", "version": 1}, **auth)
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.address == "朝阳某处"
    assert counts() == before


def test_officer_may_not_move_an_organization_out_of_jurisdiction(client, db, xicheng_officer):
    org = make_organization(division="110102")
    response = post(
        client,
        f"{API}/{org.pk}/events",
        {"kind": "moved", "date": "2012-01-01", "source": "test", "division_after": "110105"},
        **bearer(xicheng_officer),
    )
    assert response.status_code == 403
    assert org.events.count() == 1


# --- events -------------------------------------------------------------------------------


def test_add_event_changes_state_from_its_date(client, db, admin_user):
    # given an agency registered in 2010
    org = make_organization(registered_on=dt.date(2010, 1, 1))
    # when it is deregistered on 2012-06-30
    response = post(
        client,
        f"{API}/{org.pk}/events",
        {"kind": "deregistered", "date": "2012-06-30", "source": "公告"},
        **bearer(admin_user),
    )
    # then it is registered before that date and deregistered from it
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    assert client.get(f"{API}/{org.pk}", {"as_of": "2012-06-29"}).json()["status"] == "registered"
    assert client.get(f"{API}/{org.pk}", {"as_of": "2012-06-30"}).json()["status"] == "deregistered"


def test_event_missing_its_detail_names_the_field(client, db, admin_user):
    org = make_organization()
    auth = bearer(admin_user)
    before = counts()
    response = post(
        client,
        f"{API}/{org.pk}/events",
        {"kind": "transformed", "date": "2012-01-01", "source": "x"},
        **auth,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["kind_after"]
    assert counts() == before


def test_stale_event_is_refused(client, db, admin_user):
    org = make_organization()
    response = post(
        client,
        f"{API}/{org.pk}/events",
        {"kind": "graded", "date": "2012-01-01", "source": "x", "grade": "3A", "version": 7},
        **bearer(admin_user),
    )
    assert response.status_code == 412
    assert org.events.count() == 1


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_openapi_and_docs_are_served(client, db, path):
    assert client.get(path).status_code == 200
