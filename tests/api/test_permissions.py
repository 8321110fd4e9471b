"""Who may call which API endpoint: every endpoint against every role. Reads of public data
are open to all; writes follow the jurisdiction and agency-staff rules, and a refused write
leaves the registry and its audit trail exactly as they were."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.registry.models import Organization, OrganizationEvent
from tests.api.opendata_routes import OPENDATA_ROUTES
from tests.api.operations import api_operations, operation_of
from tests.api.purchasing_figs_routes import FIGS_ROUTES
from tests.factories import make_organization
from tests.procurement.test_delivery_api import DELIVERY_OPERATIONS, delivery_rows
from tests.procurement.test_evaluations_api import COVERED as EVALUATION_OPERATIONS
from tests.procurement.test_evaluations_api import ROUTES as EVALUATION_ROUTES
from tests.procurement.test_purchases_api import PURCHASE_OPERATIONS, PURCHASE_ROUTES
from tests.workforce.test_scope_matrix import COVERED as WORKFORCE_PERSONAL
from tests.workforce.test_scope_matrix import NOT_PERSONAL as WORKFORCE_NOT_PERSONAL
from tests.workforce.test_scope_matrix import ROUTES as WORKFORCE_ROUTES

API = "/api/v1"
ROLES = [
    "anonymous",
    "evaluator",
    "staff_of_other_org",
    "staff_of_this_org",
    "officer_of_other_district",
    "officer_of_this_district",
    "admin",
]


@pytest.fixture
def world(db):
    """An agency in 东城区 (110101) and one in 朝阳区 (110105), and a bearer token per role."""
    here = make_organization(
        name="东城助人社工事务所",
        division="110101",
        service_fields=["youth"],
        address="东城区甲路1号",
    )
    other = make_organization(name="朝阳社工事务所", division="110105")
    User = get_user_model()
    headers: dict[str, dict[str, str]] = {"anonymous": {}}

    def user(role_name: str, **assignment):
        person = User.objects.create_user(role_name, password="pw-role-123!")
        if assignment:
            RoleAssignment.objects.create(user=person, **assignment)
        _, key = token_create(actor=cli_actor("test"), username=role_name)
        headers[role_name] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        return person

    user("evaluator", role=Role.EVALUATOR)
    user("staff_of_other_org", role=Role.AGENCY_STAFF, organization=other)
    user("staff_of_this_org", role=Role.AGENCY_STAFF, organization=here)
    user(
        "officer_of_other_district",
        role=Role.OFFICER,
        division=Division.objects.get(code="110102"),
    )
    user(
        "officer_of_this_district",
        role=Role.OFFICER,
        division=Division.objects.get(code="110101"),
    )
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-admin-123!")
    _, key = token_create(actor=cli_actor("test"), username=admin.username)
    headers["admin"] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    return {"here": here, "other": other, "headers": headers}


def counts() -> tuple[int, int, int]:
    return (
        Organization.objects.count(),
        OrganizationEvent.objects.count(),
        AuditRecord.objects.count(),
    )


def send(client, method: str, url: str, body: dict, headers: dict):
    call = getattr(client, method)
    return call(url, json.dumps(body), content_type="application/json", **headers)


# --- reads: open to everyone -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_public_endpoints(client, world, role):
    headers = world["headers"][role]
    here = world["here"]
    # list
    response = client.get(f"{API}/organizations", {"region": "110000"}, **headers)
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["items"]] == ["东城助人社工事务所", "朝阳社工事务所"]
    # detail
    response = client.get(f"{API}/organizations/{here.pk}", **headers)
    assert response.status_code == 200
    assert response.json()["name"] == "东城助人社工事务所"
    # divisions
    response = client.get(f"{API}/divisions", {"parent": "110000", "on": "2012-01-01"}, **headers)
    assert response.status_code == 200
    assert len(response.json()) == 16
    # statistics as of a date, and their series
    response = client.get(
        f"{API}/stats/organizations",
        {"region": "110000", "as_of": "2011-12-31", "kind": "agency"},
        **headers,
    )
    assert response.status_code == 200
    assert (response.json()["total"], response.json()["districts_covered"]) == (2, 2)
    response = client.get(
        f"{API}/stats/organizations/series",
        {"region": "110000", "kind": "agency", "from": "2009-01-01", "to": "2011-12-31"},
        **headers,
    )
    assert response.status_code == 200
    assert [p["total"] for p in response.json()["points"]] == [0, 2, 2]
    response = client.get(
        f"{API}/stats/workforce", {"region": "110000", "as_of": "2012-11-30"}, **headers
    )
    assert response.status_code == 200
    assert response.json()["certified_total"] == 0


# The public reads, each called by every role (test_every_public_read_answers_every_role).
READ_ROUTES = {
    "list_organizations": ("get", lambda here: f"{API}/organizations?region=110000"),
    "get_organization": ("get", lambda here: f"{API}/organizations/{here.pk}"),
    "list_divisions": ("get", lambda here: f"{API}/divisions?parent=110000"),
    "get_organization_stats": ("get", lambda here: f"{API}/stats/organizations?region=110000"),
    "get_organization_series": (
        "get",
        lambda here: f"{API}/stats/organizations/series?region=110000&from=2010-01-01",
    ),
    "get_workforce_stats": ("get", lambda here: f"{API}/stats/workforce?region=110000"),
    "get_operating_models": ("get", lambda here: f"{API}/stats/operating-models"),
}
READS = set(READ_ROUTES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(READ_ROUTES))
def test_every_public_read_answers_every_role(client, world, name, role):
    # given the registry as it is
    method, url = READ_ROUTES[name]
    before = counts()
    # when the role reads
    response = getattr(client, method)(url(world["here"]), **world["headers"][role])
    # then it is answered, and nothing is written
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert counts() == before


def test_the_matrix_covers_every_endpoint():
    # A new endpoint fails this until it is added to a matrix: the registry's here, the
    # workforce's in tests/workforce/test_scope_matrix.py (every endpoint about a person, by
    # role, in OPERATIONS; the aggregates about no person, by role, in AGGREGATES).
    operations = set(api_operations())
    covered = READS | WRITES | WORKFORCE_PERSONAL | WORKFORCE_NOT_PERSONAL | set(FIGS_ROUTES)
    # purchasing: each module's matrix in tests/procurement/
    covered |= PURCHASE_OPERATIONS
    covered |= DELIVERY_OPERATIONS  # tests/procurement/test_delivery_api.py
    covered |= EVALUATION_OPERATIONS  # tests/procurement/test_evaluations_api.py
    covered |= set(OPENDATA_ROUTES)  # tests/interop/test_opendata.py
    covered |= {"list_targets", "get_target"}  # tests/api/test_targets_api.py
    assert operations - covered == set(), "operations without a permission test"
    assert covered - operations == set(), "permission tests of operations that do not exist"
    # and each workforce operation is in exactly one of the two
    assert not WORKFORCE_PERSONAL & WORKFORCE_NOT_PERSONAL


def test_each_matrix_entry_calls_the_operation_it_names():
    # given every row of the matrices, with made-up ids
    anything = type("Anything", (), {"pk": 7})()
    keys = ("person", "cert", "registration", "job", "programme", "second", "university")
    world = dict.fromkeys(keys, anything)
    rows = [(name, method, url(anything)) for name, (method, url) in READ_ROUTES.items()]
    rows += [
        (WRITE_IDS[key], method, url(anything)) for key, (method, url, _) in OPERATIONS.items()
    ]
    rows += [(name, method, url(world)) for name, (method, url) in WORKFORCE_ROUTES.items()]
    purchasing = {"purchase": anything, "good": anything}
    rows += [(name, method, url(purchasing)) for name, (method, url) in PURCHASE_ROUTES.items()]
    rows += delivery_rows()
    rows += [(name, method, url(anything)) for name, (method, url) in EVALUATION_ROUTES.items()]
    rows += [(name, method, url(anything)) for name, (method, url) in FIGS_ROUTES.items()]
    rows += [(name, method, url(anything)) for name, (method, url) in OPENDATA_ROUTES.items()]
    rows += [("list_targets", "get", f"{API}/targets?region=110000")]
    rows += [("get_target", "get", f"{API}/targets/7")]  # tests/api/test_targets_api.py
    # then each one reaches the operation it is named after, and every operation is reached
    assert [(name, operation_of(method, url)) for name, method, url in rows] == [
        (name, name) for name, _, _ in rows
    ]
    assert {name for name, _, _ in rows} == set(api_operations())


# --- writes: the matrix ---------------------------------------------------------------------------

NEW_ORG = {
    "name": "东城新社工事务所",
    "kind": "agency",
    "registrar_division": "110101",
    "legal_form": "social_service",
    "registered_on": "2012-03-01",
    "source": "test",
}
PROFILE_CHANGE = {
    "name_en": "Dongcheng Helpers",
    "address": "东城区乙路2号",
    "service_fields": ["youth", "family"],
    "version": 1,
}
RECORD_CHANGE = {"formation": "independent", "version": 1}
MIXED_CHANGE = {"address": "东城区乙路2号", "formation": "independent", "version": 1}
EVENT = {"kind": "deregistered", "date": "2012-06-30", "source": "公告"}

OPERATIONS = {
    "create": ("post", lambda here: f"{API}/organizations", NEW_ORG),
    "patch_profile": ("patch", lambda here: f"{API}/organizations/{here.pk}", PROFILE_CHANGE),
    "patch_record": ("patch", lambda here: f"{API}/organizations/{here.pk}", RECORD_CHANGE),
    "patch_mixed": ("patch", lambda here: f"{API}/organizations/{here.pk}", MIXED_CHANGE),
    "add_event": ("post", lambda here: f"{API}/organizations/{here.pk}/events", EVENT),
}
# the operationId each row calls
WRITE_IDS = {
    "create": "create_organization",
    "patch_profile": "update_organization",
    "patch_record": "update_organization",
    "patch_mixed": "update_organization",
    "add_event": "add_organization_event",
}
WRITES = set(WRITE_IDS.values())

# role: create, patch_profile, patch_record, patch_mixed, add_event
EXPECTED = {
    "anonymous": (401, 401, 401, 401, 401),
    "evaluator": (403, 403, 403, 403, 403),
    "staff_of_other_org": (403, 403, 403, 403, 403),
    "staff_of_this_org": (403, 200, 403, 403, 403),
    "officer_of_other_district": (403, 403, 403, 403, 403),
    "officer_of_this_district": (201, 200, 200, 200, 201),
    "admin": (201, 200, 200, 200, 201),
}
MATRIX = [
    (role, operation, status)
    for role, statuses in EXPECTED.items()
    for operation, status in zip(OPERATIONS, statuses, strict=True)
]


@pytest.mark.parametrize(("role", "operation", "status"), MATRIX)
def test_write_permission_matrix(client, world, role, operation, status):
    # given the registry as it is, seen through the API
    here = world["here"]
    method, url, body = OPERATIONS[operation]
    detail_before = client.get(f"{API}/organizations/{here.pk}").json()
    before = counts()
    # when the role tries the write
    response = send(client, method, url(here), body, world["headers"][role])
    # then the answer is the expected one
    assert response.status_code == status, response.content
    if status in (401, 403):
        # and a refused write changed nothing at all
        assert response["Content-Type"] == "application/problem+json"
        assert counts() == before
        assert client.get(f"{API}/organizations/{here.pk}").json() == detail_before
    else:
        # and an accepted one is in the audit trail under the caller's name
        assert AuditRecord.objects.order_by("-id").first().actor_label == role


def test_agency_staff_change_their_profile_and_nothing_else(client, world):
    # given the staff member of 东城助人社工事务所
    here = world["here"]
    headers = world["headers"]["staff_of_this_org"]
    # when they correct the English name, address and service fields
    response = send(client, "patch", f"{API}/organizations/{here.pk}", PROFILE_CHANGE, headers)
    # then the profile shows them, and the registrar's fields are as they were
    assert response.status_code == 200
    body = response.json()
    assert (body["name_en"], body["address"], body["service_fields"]) == (
        "Dongcheng Helpers",
        "东城区乙路2号",
        ["youth", "family"],
    )
    assert (body["name"], body["kind"], body["uscc"], body["version"]) == (
        "东城助人社工事务所",
        "agency",
        here.uscc,
        2,
    )
    record = AuditRecord.objects.filter(action="organization.update").get()
    assert record.actor.username == "staff_of_this_org"
    assert record.before["address"] == "东城区甲路1号"
    assert record.after["address"] == "东城区乙路2号"


def test_agency_staff_refusal_names_the_fields_they_may_change(client, world):
    here = world["here"]
    response = send(
        client,
        "patch",
        f"{API}/organizations/{here.pk}",
        MIXED_CHANGE,
        world["headers"]["staff_of_this_org"] | {"HTTP_ACCEPT_LANGUAGE": "en"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Agency staff may change only these fields: address, name_en, service_fields "
        "(not formation)."
    )


def test_officer_refusal_names_the_district(client, world):
    here = world["here"]
    response = send(
        client,
        "patch",
        f"{API}/organizations/{here.pk}",
        RECORD_CHANGE,
        world["headers"]["officer_of_other_district"] | {"HTTP_ACCEPT_LANGUAGE": "en"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "东城区 is outside your jurisdiction."


# --- every verb agrees with GET -------------------------------------------------------------
# The registry is public: GET answers every organization to everyone, so a write outside the
# caller's jurisdiction may say why (403) without telling anything GET does not. An id that
# does not exist is 404 on every verb, whatever the body (no 428 or 422 before the lookup).


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("operation", ["patch_profile", "patch_record", "add_event"])
def test_an_unknown_organization_is_404_on_every_verb(client, world, role, operation):
    # given an id nobody holds, and a body without a version
    missing = Organization.objects.order_by("-pk").first().pk + 1000
    method, url, body = OPERATIONS[operation]
    body = {k: v for k, v in body.items() if k != "version"}
    before = counts()
    # when
    response = send(
        client, method, url(type("Missing", (), {"pk": missing})), body, world["headers"][role]
    )
    # then, like GET
    assert client.get(f"{API}/organizations/{missing}").status_code == 404
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert counts() == before
