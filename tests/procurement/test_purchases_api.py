"""The purchasing API of purchases and awards: every endpoint against every role, refused
writes changing nothing, 422s naming the field (and the rule codes), 404s."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.procurement.models import (
    Award,
    Bid,
    EligibilityRule,
    Purchase,
    RefusedAttempt,
    StatusChange,
)
from tests.factories_procurement import (
    DeliverableFactory,
    EvaluationFactory,
    PaymentFactory,
    PostAssignmentFactory,
    PostFactory,
    contracted_purchase,
)
from tests.factories_procurement_buy import buyer, purchase, supplier
from tests.workforce.factories import make_person

API = "/api/v1"
ROLES = [
    "anonymous",
    "agency_staff",
    "evaluator",
    "officer_of_other_district",
    "officer_of_this_district",
    "admin",
]


@pytest.fixture
def world(db):
    """A purchase of 东城区's 社工委 in planning, an eligible agency and one that failed its
    2009 inspection, and a bearer token per role."""
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-admin-123!")
    the_buyer = buyer("110101", "东城区社会工作委员会")
    good = supplier(name="东城助人社工事务所")
    bad = supplier(name="东城未过年检社工事务所", inspections={2009: "failed"})
    bought = purchase(admin, the_buyer)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}

    def user(name: str, **assignment):
        person = User.objects.create_user(name, password="pw-role-123!")
        if assignment:
            RoleAssignment.objects.create(user=person, **assignment)
        _, key = token_create(actor=cli_actor("test"), username=name)
        headers[name] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        return person

    user("agency_staff", role=Role.AGENCY_STAFF, organization=good)
    user("evaluator", role=Role.EVALUATOR)
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
    _, key = token_create(actor=cli_actor("test"), username="admin")
    headers["admin"] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    return {
        "buyer": the_buyer,
        "good": good,
        "bad": bad,
        "purchase": bought,
        "headers": headers,
    }


def send(client, method, url, body, headers, **extra):
    call = getattr(client, method)
    return call(url, json.dumps(body), content_type="application/json", **headers, **extra)


def counts():
    return (
        Purchase.objects.count(),
        StatusChange.objects.count(),
        EligibilityRule.objects.count(),
        Award.objects.count(),
        Bid.objects.count(),
        RefusedAttempt.objects.count(),
        AuditRecord.objects.count(),
        list(Purchase.objects.values_list("title", "status", "version")),
    )


def new_purchase(w):
    return {
        "buyer": w["buyer"].pk,
        "region": "110101",
        "kind": "service",
        "title": "东城区老年社工服务",
        "budget": "300000.00",
        "method": "invited",
        "planned_on": "2010-06-01",
    }


# operation: (method, url, body)
WRITES = {
    "create_purchase": ("post", lambda w: f"{API}/purchases", new_purchase),
    "update_purchase": (
        "patch",
        lambda w: f"{API}/purchases/{w['purchase'].pk}",
        lambda w: {"title": "改名", "version": 1},
    ),
    "set_purchase_status": (
        "post",
        lambda w: f"{API}/purchases/{w['purchase'].pk}/status",
        lambda w: {"status": "tendering", "date": "2010-03-10", "version": 1},
    ),
    "award_purchase": (
        "post",
        lambda w: f"{API}/purchases/{w['purchase'].pk}/award",
        lambda w: {"supplier": w["good"].pk, "amount": "480000.00", "awarded_on": "2010-05-01"},
    ),
    "get_purchase_flags": ("get", lambda w: f"{API}/purchases/{w['purchase'].pk}/flags", None),
    "list_compliance": ("get", lambda w: f"{API}/compliance", None),
}
READS = {
    "list_purchases": ("get", lambda w: f"{API}/purchases"),
    "get_purchase": ("get", lambda w: f"{API}/purchases/{w['purchase'].pk}"),
}
# Every operation of this module, for tests/api/test_permissions.py.
PURCHASE_OPERATIONS = set(WRITES) | set(READS)
PURCHASE_ROUTES = {name: (method, url) for name, (method, url, _) in WRITES.items()} | READS

# role: create, update, status, award, flags, compliance
EXPECTED = {
    "anonymous": (401, 401, 401, 401, 401, 401),
    "agency_staff": (403, 403, 403, 403, 403, 403),
    "evaluator": (403, 403, 403, 403, 403, 403),
    "officer_of_other_district": (403, 403, 403, 403, 403, 200),
    "officer_of_this_district": (201, 200, 200, 201, 200, 200),
    "admin": (201, 200, 200, 201, 200, 200),
}
MATRIX = [
    (role, operation, status)
    for role, statuses in EXPECTED.items()
    for operation, status in zip(WRITES, statuses, strict=True)
]


@pytest.mark.parametrize(("role", "operation", "status"), MATRIX)
def test_permission_matrix(client, world, role, operation, status):
    # given the purchases as they are
    method, url, body = WRITES[operation]
    detail = client.get(f"{API}/purchases/{world['purchase'].pk}").json()
    before = counts()
    # when the role calls the operation
    if body is None:
        response = getattr(client, method)(url(world), **world["headers"][role])
    else:
        response = send(client, method, url(world), body(world), world["headers"][role])
    # then the answer is the expected one
    assert response.status_code == status, response.content
    if status in (401, 403):
        # and a refused call changed nothing at all
        assert response["Content-Type"] == "application/problem+json"
        assert counts() == before
        assert client.get(f"{API}/purchases/{world['purchase'].pk}").json() == detail
    elif method != "get":
        assert AuditRecord.objects.order_by("-id").first().actor_label == role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(READS))
def test_every_role_reads_purchases(client, world, role, name):
    method, url = READS[name]
    before = counts()
    response = getattr(client, method)(url(world), **world["headers"][role])
    assert response.status_code == 200, response.content
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "flags_shown"),
    [
        ("anonymous", False),
        ("agency_staff", False),
        ("officer_of_other_district", False),
        ("officer_of_this_district", True),
        ("admin", True),
    ],
)
def test_flags_in_the_detail_only_for_the_buyers_side(client, world, role, flags_shown):
    response = client.get(f"{API}/purchases/{world['purchase'].pk}", **world["headers"][role])
    assert response.json()["flags"] == ([] if flags_shown else None)


@pytest.mark.parametrize(
    "url",
    [
        "/purchases/999999",
        "/purchases/999999/flags",
    ],
)
def test_unknown_purchase_is_404(client, world, url):
    response = client.get(f"{API}{url}", **world["headers"]["admin"])
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"title": "x", "version": 1}),
        ("post", "/status", {"status": "tendering", "date": "2010-03-10", "version": 1}),
        ("post", "/award", {"supplier": 1, "amount": "1.00", "awarded_on": "2010-05-01"}),
    ],
)
def test_writes_to_an_unknown_purchase_are_404(client, world, method, suffix, body):
    before = counts()
    response = send(
        client, method, f"{API}/purchases/999999{suffix}", body, world["headers"]["admin"]
    )
    assert response.status_code == 404
    assert counts() == before


def test_create_answers_201_with_id_and_ocid(client, world):
    response = send(
        client, "post", f"{API}/purchases", new_purchase(world), world["headers"]["admin"]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ocid"].startswith("ocds-shuniu-2010-")
    assert (body["status"], body["budget"], body["method"], body["buyer"]["name"]) == (
        "planning",
        "300000.00",
        "invited",
        "东城区社会工作委员会",
    )
    assert response["Location"] == f"/api/v1/purchases/{body['id']}"
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"kind": "goods"}, "kind"),
        ({"method": "auction"}, "method"),
        ({"budget": "-5"}, "budget"),
        ({"budget": "1.234"}, "budget"),
        ({"budget": "NaN"}, "budget"),
        ({"budget": "Infinity"}, "budget"),
        ({"budget": "1e30"}, "budget"),
        ({"region": "999999"}, "region"),
        ({"region": "abc"}, "region"),
        ({"buyer": 999999}, "buyer"),
        ({"buyer": 0}, "buyer"),
        ({"planned_on": "2010-13-01"}, "planned_on"),
        ({"planned_on": "1900-01-01"}, "planned_on"),
        ({"title": ""}, "title"),
        ({"service_fields": ["nope"]}, "service_fields"),
        ({"rules": [{"code": "nope"}]}, "rules"),
        ({"rules": "x"}, "rules"),
    ],
)
def test_bad_purchase_input_is_422_naming_the_field(client, world, change, loc):
    before = counts()
    body = new_purchase(world) | change
    response = send(client, "post", f"{API}/purchases", body, world["headers"]["admin"])
    assert response.status_code == 422, response.content
    assert any(loc in e["loc"] for e in response.json()["errors"]), response.content
    assert counts() == before


def test_award_refused_lists_each_rule_with_its_code(client, world):
    # given an agency that failed its 2009 inspection
    before = counts()
    # when the officer awards the purchase to it
    response = send(
        client,
        "post",
        f"{API}/purchases/{world['purchase'].pk}/award",
        {"supplier": world["bad"].pk, "amount": "480000.00", "awarded_on": "2010-05-01"},
        world["headers"]["officer_of_this_district"],
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then 422 with the rule's code, and only the refusal is kept
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["supplier"],
            "code": "inspection_failed",
            "msg": "2009 annual inspection: failed.",
        }
    ]
    after = counts()
    assert after[:5] == before[:5]
    assert after[5] == before[5] + 1
    assert after[7] == before[7]


def test_award_refusal_in_chinese(client, world):
    response = send(
        client,
        "post",
        f"{API}/purchases/{world['purchase'].pk}/award",
        {"supplier": world["bad"].pk, "amount": "480000.00", "awarded_on": "2010-05-01"},
        world["headers"]["officer_of_this_district"],
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["errors"][0]["msg"] == "2009年度年检：不合格。"


def test_award_with_override_and_then_the_detail(client, world):
    response = send(
        client,
        "post",
        f"{API}/purchases/{world['purchase'].pk}/award",
        {
            "supplier": world["bad"].pk,
            "amount": "480000.00",
            "awarded_on": "2010-05-01",
            "override_reason": "辖区内唯一机构",
            "bids": [{"bidder": world["bad"].pk, "amount": "480000.00"}],
        },
        world["headers"]["officer_of_this_district"],
    )
    assert response.status_code == 201, response.content
    assert response.json()["overridden_rules"] == ["inspection_failed"]
    detail = client.get(
        f"{API}/purchases/{world['purchase'].pk}",
        **world["headers"]["officer_of_this_district"],
    ).json()
    assert detail["status"] == "awarded"
    assert detail["supplier"]["name"] == "东城未过年检社工事务所"
    assert [f["code"] for f in detail["flags"]] == ["award_override"]
    assert [b["amount"] for b in detail["bids"]] == ["480000.00"]


def test_patch_needs_a_version_and_refuses_a_stale_one(client, world):
    url = f"{API}/purchases/{world['purchase'].pk}"
    headers = world["headers"]["admin"]
    assert send(client, "patch", url, {"title": "甲"}, headers).status_code == 428
    response = send(client, "patch", url, {"title": "甲"}, headers, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert (
        send(client, "patch", url, {"title": "乙"}, headers, HTTP_IF_MATCH='"1"').status_code == 412
    )
    assert Purchase.objects.get(pk=world["purchase"].pk).title == "甲"


def test_patch_null_refuses_required_and_clears_the_rest(client, world):
    url = f"{API}/purchases/{world['purchase'].pk}"
    headers = world["headers"]["admin"]
    response = send(client, "patch", url, {"budget": None, "version": 1}, headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["budget"]
    response = send(client, "patch", url, {"title_en": None, "rules": None, "version": 1}, headers)
    assert response.status_code == 200, response.content
    assert response.json()["rules"] == []


def test_status_endpoint(client, world):
    url = f"{API}/purchases/{world['purchase'].pk}/status"
    headers = world["headers"]["admin"]
    response = send(client, "post", url, {"status": "contracted", "date": "2010-04-01"}, headers)
    assert response.status_code == 428
    response = send(
        client, "post", url, {"status": "completed", "date": "2010-04-01", "version": 1}, headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["status"]
    response = send(
        client, "post", url, {"status": "tendering", "date": "2010-04-01", "version": 1}, headers
    )
    assert response.status_code == 200
    assert [t["status"] for t in response.json()["timeline"]] == ["planning", "tendering"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"kind": "goods"}, "kind"),
        ({"status": "nope"}, "status"),
        ({"region": "999999"}, "region"),
        ({"region": "1"}, "region"),
        ({"buyer": "x"}, "buyer"),
        ({"page": "0"}, "page"),
        ({"q": "a\u202eb"}, "q"),
    ],
)
def test_bad_list_filters_are_422_naming_the_parameter(client, world, query, loc):
    response = client.get(f"{API}/purchases", query)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["loc"][-1] == loc


def test_list_filters(client, world):
    contract = contracted_purchase(region="110102", supplier=world["good"])
    base = f"{API}/purchases"
    ids = lambda q: [i["id"] for i in client.get(base, q).json()["items"]]  # noqa: E731
    assert ids({"region": "110101"}) == [world["purchase"].pk]
    # newest planned first (the contracted one was planned on 2010-03-02)
    assert ids({"region": "110000"}) == [contract.purchase_id, world["purchase"].pk]
    assert ids({"supplier": world["good"].pk}) == [contract.purchase_id]
    assert ids({"buyer": world["buyer"].pk}) == [world["purchase"].pk]
    assert ids({"status": "in_delivery"}) == [contract.purchase_id]
    assert ids({"kind": "post"}) == []
    assert ids({"q": "青少年"}) == [world["purchase"].pk]


def test_list_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(5):
        contracted_purchase(region="110101")
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/purchases", {"region": "110000"})
    assert response.json()["count"] == 6


def test_detail_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    # given a contracted purchase with deliverables, payments, posts and evaluations
    contract = contracted_purchase(region="110101", kind="post", buyer=world["buyer"])
    for _ in range(3):
        deliverable = DeliverableFactory(contract=contract)
        PaymentFactory(contract=contract, deliverable=deliverable)
        post = PostFactory(contract=contract)
        PostAssignmentFactory(post=post, person=make_person(), starts_on=dt.date(2010, 7, 1))
    EvaluationFactory(contract=contract)
    headers = world["headers"]["officer_of_this_district"]
    client.get(f"{API}/purchases/{contract.purchase_id}", **headers)
    # when the officer reads it
    with django_assert_max_num_queries(15):
        response = client.get(f"{API}/purchases/{contract.purchase_id}", **headers)
    # then everything is there
    body = response.json()["contract"]
    assert (len(body["deliverables"]), len(body["payments"]), len(body["posts"])) == (3, 3, 3)
    assert [p["filled"] for p in body["posts"]] == [1, 1, 1]
    assert body["evaluations"][0]["grade"] == ""
    assert Decimal(body["amount"]) == Decimal("480000.00")


def test_compliance_endpoint(client, world):
    contracted_purchase(
        region="110101",
        buyer=world["buyer"],
        starts_on=dt.date(2010, 6, 1),
        ends_on=dt.date(2014, 6, 1),
    )
    response = client.get(
        f"{API}/compliance", {"region": "110101"}, **world["headers"]["officer_of_this_district"]
    )
    assert response.status_code == 200
    assert [f["code"] for f in response.json()["items"][0]["flags"]] == ["term_over_3_years"]
    other = client.get(f"{API}/compliance", **world["headers"]["officer_of_other_district"])
    assert other.json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"supplier": 999999}, "supplier"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"awarded_on": "2010-02-30"}, "awarded_on"),
        ({"awarded_on": "2101-01-01"}, "awarded_on"),
        ({"bids": [{"bidder": 999999, "amount": "1.00"}]}, "bids"),
        ({"override_reason": "a\u202eb"}, "override_reason"),
    ],
)
def test_bad_award_input_is_422_naming_the_field(client, world, change, loc):
    before = counts()
    body = {"supplier": world["good"].pk, "amount": "480000.00", "awarded_on": "2010-05-01"}
    response = send(
        client,
        "post",
        f"{API}/purchases/{world['purchase'].pk}/award",
        body | change,
        world["headers"]["admin"],
    )
    assert response.status_code == 422, response.content
    assert any(loc in e["loc"] for e in response.json()["errors"]), response.content
    assert counts() == before
