"""The delivery endpoints against every role (an evaluator assigned to the contract or not):
contracts and payments are public (a write from the wrong side is 403), service reports are
seen by those involved only (404 for anyone else); every refused write changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import (
    Contract,
    Kind,
    Payment,
    Post,
    PostAssignment,
    RefusedAttempt,
    ServiceReport,
    StatusChange,
)
from shuniu.procurement.services import post_add, post_assign, report_accept, report_submit
from tests.factories import make_organization
from tests.factories_procurement import EvaluationFactory
from tests.factories_procurement_deliver import (
    awarded_purchase,
    buyer_officer,
    other_officer,
    signed,
    staff_of,
)
from tests.workforce.factories import make_certified

API = "/api/v1"
ROLES = [
    "anonymous",
    "evaluator",
    "evaluator_assigned",
    "staff_of_other_org",
    "staff_of_this_org",
    "officer_of_other_district",
    "officer_of_this_district",
    "admin",
]


@pytest.fixture
def world(db, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    officer = buyer_officer("officer_of_this_district")
    contract = signed(officer)
    hours, outcome = contract.deliverables.order_by("position")
    supplier = contract.purchase.award.supplier
    staff = staff_of(supplier, "staff_of_this_org")
    staff_of(make_organization(division="110105"), "staff_of_other_org")
    other_officer("officer_of_other_district")
    evaluator = get_user_model().objects.create_user("evaluator", password="pw-eval-123!")
    RoleAssignment.objects.create(
        user=evaluator,
        role=Role.EVALUATOR,
        organization=make_organization(kind="evaluation", division="110102"),
    )
    # an evaluator of the institution assigned to evaluate the service contract
    assigned = make_organization(kind="evaluation", division="110102")
    EvaluationFactory(contract=contract, evaluator=assigned)
    RoleAssignment.objects.create(
        user=get_user_model().objects.create_user("evaluator_assigned", password="pw-eval-123!"),
        role=Role.EVALUATOR,
        organization=assigned,
    )
    get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-admin-123!")
    accepted = report_submit(
        actor=staff,
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 11, 30),
        submitted_on=dt.date(2010, 12, 1),
        lines=[{"deliverable": hours.pk, "actual": "1000"}],
    )
    report_accept(actor=officer, report=accepted, decided_on=dt.date(2010, 12, 10), version=1)
    pending = report_submit(
        actor=staff,
        contract=contract,
        period_start=dt.date(2010, 12, 1),
        period_end=dt.date(2011, 5, 31),
        submitted_on=dt.date(2011, 5, 31),
        lines=[{"deliverable": outcome.pk, "text": "已建立"}],
    )
    posts = signed(officer, kind=Kind.POST)
    post = post_add(
        actor=officer,
        contract=posts,
        title="社区社工岗位",
        count=3,
        required_level=1,
        monthly_salary=Decimal("3000.00"),
    )
    assignment = post_assign(
        actor=officer,
        post=post,
        person=make_certified(issued_on=dt.date(2009, 1, 1)),
        starts_on=dt.date(2010, 7, 1),
    )
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        _, key = token_create(actor=cli_actor("test"), username=role)
        headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    return {
        "headers": headers,
        "awarded": awarded_purchase().pk,
        "contract": contract.pk,
        "payment": contract.payments.get(position=0).pk,
        "hours": hours.pk,
        "report": pending.pk,
        "posts": posts.pk,
        "post": post.pk,
        "person": make_certified(issued_on=dt.date(2009, 1, 1)).pk,
        "assignment": assignment.pk,
    }


CONTRACT = {
    "signed_on": "2010-05-15",
    "starts_on": "2010-06-01",
    "ends_on": "2011-05-31",
    "amount": "480000.00",
    "deliverables": [
        {"kind": "sessions", "description": "小组活动", "planned": "40", "due_on": "2010-12-31"}
    ],
    "payments": [{"amount": "480000.00", "deliverable": 0}],
}

# operationId: (method, url of the world's ids, body of the world's ids)
ROUTES = {
    "sign_contract": (
        "post",
        lambda w: f"{API}/purchases/{w['awarded']}/contract",
        lambda w: CONTRACT,
    ),
    "terminate_contract": (
        "post",
        lambda w: f"{API}/contracts/{w['contract']}/terminate",
        lambda w: {"date": "2011-01-01", "reason": "停业", "version": 1},
    ),
    "release_payment": (
        "post",
        lambda w: f"{API}/payments/{w['payment']}/release",
        lambda w: {"paid_on": "2010-12-20", "version": 1},
    ),
    "list_contract_reports": ("get", lambda w: f"{API}/contracts/{w['contract']}/reports", None),
    "submit_report": (
        "post",
        lambda w: f"{API}/contracts/{w['contract']}/reports",
        lambda w: {
            "period_start": "2010-12-01",
            "period_end": "2011-02-28",
            "submitted_on": "2011-03-01",
            "lines": [{"deliverable": w["hours"], "actual": "120"}],
        },
    ),
    "accept_report": (
        "post",
        lambda w: f"{API}/reports/{w['report']}/accept",
        lambda w: {"decided_on": "2011-06-05", "version": 1},
    ),
    "return_report": (
        "post",
        lambda w: f"{API}/reports/{w['report']}/return",
        lambda w: {"decided_on": "2011-06-05", "comment": "请补充", "version": 1},
    ),
    "add_post": (
        "post",
        lambda w: f"{API}/contracts/{w['posts']}/posts",
        lambda w: {
            "title": "督导岗位",
            "count": 1,
            "required_level": 2,
            "monthly_salary": "5000.00",
        },
    ),
    "assign_post": (
        "post",
        lambda w: f"{API}/posts/{w['post']}/assignments",
        lambda w: {"person_id": w["person"], "starts_on": "2010-08-01"},
    ),
    "end_post_assignment": (
        "post",
        lambda w: f"{API}/assignments/{w['assignment']}/end",
        lambda w: {"ends_on": "2011-01-01", "version": 1},
    ),
}
# Every operation of this module, for tests/api/test_permissions.py's coverage check.
DELIVERY_OPERATIONS = set(ROUTES)


def delivery_rows() -> list[tuple[str, str, str]]:
    """(operationId, method, url) with made-up ids, for the matrix's routing check."""
    anything = type("Anything", (), {"__getitem__": lambda self, key: 7})()
    return [(name, method, url(anything)) for name, (method, url, _body) in ROUTES.items()]


# role: sign, terminate, release, list, submit, accept, return, add_post, assign, end
EXPECTED = {
    "anonymous": (401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    "evaluator": (403, 403, 403, 404, 404, 404, 404, 403, 403, 403),
    "evaluator_assigned": (403, 403, 403, 200, 403, 403, 403, 403, 403, 403),
    "staff_of_other_org": (403, 403, 403, 404, 404, 404, 404, 403, 403, 403),
    "staff_of_this_org": (403, 403, 403, 200, 201, 403, 403, 403, 403, 403),
    "officer_of_other_district": (403, 403, 403, 404, 404, 404, 404, 403, 403, 403),
    "officer_of_this_district": (201, 200, 200, 200, 403, 200, 200, 201, 201, 200),
    "admin": (201, 200, 200, 200, 403, 200, 200, 201, 201, 200),
}
MATRIX = [
    (role, operation, status)
    for role, statuses in EXPECTED.items()
    for operation, status in zip(ROUTES, statuses, strict=True)
]


def _state() -> tuple[object, ...]:
    return (
        list(Contract.objects.values_list("id", "version", "terminated_on").order_by("id")),
        list(Payment.objects.values_list("id", "paid_on").order_by("id")),
        list(ServiceReport.objects.values_list("id", "status", "version").order_by("id")),
        list(Post.objects.values_list("id").order_by("id")),
        list(PostAssignment.objects.values_list("id", "ends_on").order_by("id")),
        StatusChange.objects.count(),
        AuditRecord.objects.count(),
        RefusedAttempt.objects.count(),
    )


def _send(client, method, url, body, headers):
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(("role", "operation", "status"), MATRIX)
def test_delivery_permission_matrix(client, world, role, operation, status):
    # given the world as it is
    method, url, body = ROUTES[operation]
    before = _state()
    # when the role calls the operation
    response = _send(
        client, method, url(world), body(world) if body else None, world["headers"][role]
    )
    # then the answer is the expected one
    assert response.status_code == status, response.content
    if status >= 400:
        # and a refused call changed nothing at all
        assert response["Content-Type"] == "application/problem+json"
        assert _state() == before
    elif method == "post":
        # and an accepted write is in the audit trail under the caller's name
        assert AuditRecord.objects.order_by("-id").first().actor_label == role


def test_the_reports_list_shows_the_lines(client, world):
    response = client.get(
        f"{API}/contracts/{world['contract']}/reports", **world["headers"]["staff_of_this_org"]
    )
    body = response.json()
    assert (body["count"], [r["status"] for r in body["items"]]) == (2, ["accepted", "submitted"])
    assert body["items"][0]["lines"] == [
        {"deliverable_id": world["hours"], "actual": "1000.00", "text": ""}
    ]


def test_a_payment_before_acceptance_is_422_with_its_code(client, world):
    # given the second payment, whose outcome is not accepted
    payment = Payment.objects.get(contract_id=world["contract"], position=1)
    # when the buyer's officer releases it
    with translation.override("en"):
        response = client.post(
            f"{API}/payments/{payment.pk}/release",
            json.dumps({"paid_on": "2011-06-01"}),
            content_type="application/json",
            HTTP_IF_MATCH='"1"',
            **world["headers"]["officer_of_this_district"],
        )
    # then it is refused with the code, and the attempt is kept
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["deliverable"],
            "msg": "Payment 2 waits for its deliverable “建立社区互助网络” to be accepted; "
            "it is not accepted yet.",
            "code": "not_accepted",
        }
    ]
    assert RefusedAttempt.objects.filter(code="payment_before_acceptance").count() == 1
    assert Payment.objects.get(pk=payment.pk).paid_on is None


def test_a_release_without_a_version_is_428(client, world):
    response = client.post(
        f"{API}/payments/{world['payment']}/release",
        json.dumps({"paid_on": "2010-12-20"}),
        content_type="application/json",
        **world["headers"]["officer_of_this_district"],
    )
    assert response.status_code == 428
    assert Payment.objects.get(pk=world["payment"]).paid_on is None


def test_a_contract_error_names_the_list_index(client, world):
    body = {**CONTRACT, "payments": [{"amount": "480000.00", "deliverable": 3}]}
    with translation.override("en"):
        response = client.post(
            f"{API}/purchases/{world['awarded']}/contract",
            json.dumps(body),
            content_type="application/json",
            **world["headers"]["officer_of_this_district"],
        )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["payments[0].deliverable"],
            "msg": "There is no deliverable at position 3 (the list has 1).",
        }
    ]


def test_a_person_out_of_scope_is_not_found(client, world):
    person = make_certified(issued_on=dt.date(2009, 1, 1), division="110105")
    response = client.post(
        f"{API}/posts/{world['post']}/assignments",
        json.dumps({"person_id": person.pk, "starts_on": "2010-08-01"}),
        content_type="application/json",
        **world["headers"]["officer_of_this_district"],
    )
    assert response.status_code == 404
    assert PostAssignment.objects.count() == 1


def test_the_reports_list_takes_few_queries_whatever_its_length(
    client, world, django_assert_max_num_queries
):
    # given five more reports with a line each
    staff = get_user_model().objects.get(username="staff_of_this_org")
    contract = Contract.objects.get(pk=world["contract"])
    for month in range(1, 6):
        report_submit(
            actor=staff,
            contract=contract,
            period_start=dt.date(2011, month, 1),
            period_end=dt.date(2011, month, 20),
            submitted_on=dt.date(2011, month, 21),
            lines=[{"deliverable": world["hours"], "actual": "5"}],
        )
    # when the supplier's staff list them through the API: a bounded number of queries
    with django_assert_max_num_queries(14):
        response = client.get(
            f"{API}/contracts/{world['contract']}/reports", **world["headers"]["staff_of_this_org"]
        )
    assert (response.status_code, response.json()["count"]) == (200, 7)


def test_a_refusal_speaks_the_users_language(client, world):
    # given a Chinese-speaking officer releasing a payment whose deliverable is not accepted
    payment = Payment.objects.get(contract_id=world["contract"], position=1)
    response = client.post(
        f"{API}/payments/{payment.pk}/release",
        json.dumps({"paid_on": "2011-06-01", "version": 1}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **world["headers"]["officer_of_this_district"],
    )
    # then the refusal is in Chinese and names the deliverable
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == (
        "第 2 期付款须待交付成果“建立社区互助网络”验收后支付，该成果尚未验收。"
    )
