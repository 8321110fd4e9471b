"""The evaluations API: every endpoint against every role, denied writes changing nothing,
the coded conflict-of-interest problem, versions, and the evaluator's list."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shuniu.accounts.models import Role
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Evaluation, RefusedAttempt, Score
from tests.factories_procurement import contracted_purchase
from tests.factories_procurement_eval import (
    deliverable,
    evaluation,
    evaluation_institution,
    report,
    user,
    world,
)

API = "/api/v1"
ROLES = [
    "anonymous",
    "staff_of_other_org",
    "staff",
    "evaluator",
    "other_evaluator",
    "other_officer",
    "officer",
    "admin",
]
HAND = {
    "completion": {"score": "10"},
    "outcomes": {"score": "15"},
    "satisfaction": {"score": "12"},
    "management-process": {"score": "6"},
    "management-staff": {"score": "5"},
    "finance": {"score": "8"},
}

# The operations of this module, for tests/api/test_permissions.py's coverage checks: the
# operationId, and a request that calls it (ids made up there).
ROUTES = {
    "list_evaluation_schemes": ("get", lambda o: f"{API}/evaluation-schemes"),
    "get_evaluation_scheme": ("get", lambda o: f"{API}/evaluation-schemes/default-2012"),
    "assign_evaluation": ("post", lambda o: f"{API}/contracts/{o.pk}/evaluations"),
    "list_evaluations": ("get", lambda o: f"{API}/evaluations?mine=1"),
    "get_evaluation": ("get", lambda o: f"{API}/evaluations/{o.pk}"),
    "score_evaluation": ("put", lambda o: f"{API}/evaluations/{o.pk}/scores"),
    "complete_evaluation": ("post", lambda o: f"{API}/evaluations/{o.pk}/complete"),
}
COVERED = set(ROUTES)


@pytest.fixture
def w(db):
    made = world()
    made.staff_of_other_org = user(
        "other-staff", Role.AGENCY_STAFF, organization=contracted_purchase().purchase.award.supplier
    )
    made.headers = {"anonymous": {"HTTP_ACCEPT_LANGUAGE": "en"}}
    for role in ROLES[1:]:
        _, key = token_create(actor=cli_actor("test"), username=getattr(made, role).username)
        made.headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    hours = deliverable(made.contract, planned="100")
    report(made.contract, {hours: "100"})
    made.evaluation = evaluation(made.contract, made.institution)
    return made


def send(client, method, url, body, headers):
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", **headers
    )


def state():
    return (
        list(Evaluation.objects.values_list("id", "version", "status", "grade")),
        list(Score.objects.values_list("indicator__code", "score")),
        AuditRecord.objects.count(),
        RefusedAttempt.objects.count(),
    )


# --- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_schemes_are_public(client, w, role):
    response = client.get(f"{API}/evaluation-schemes", **w.headers[role])
    assert response.status_code == 200
    assert [s["code"] for s in response.json()["items"]] == ["default-2012"]
    response = client.get(f"{API}/evaluation-schemes/default-2012", **w.headers[role])
    assert response.status_code == 200
    body = response.json()
    assert body["excellent_from"] == "90.00"
    assert [(i["code"], i["parent"], i["max_score"]) for i in body["indicators"]][4:7] == [
        ("management", None, "15.00"),
        ("management-process", "management", "8.00"),
        ("management-staff", "management", "7.00"),
    ]
    assert client.get(f"{API}/evaluation-schemes/nope", **w.headers[role]).status_code == 404


# role → status of GET /evaluations/{id} while open, and whether scores are shown
OPEN_READ = {
    "anonymous": 404,
    "staff_of_other_org": 404,
    "staff": 200,
    "evaluator": 200,
    "other_evaluator": 404,
    "other_officer": 404,
    "officer": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_an_open_evaluation_is_seen_only_by_the_involved(client, w, role):
    response = client.get(f"{API}/evaluations/{w.evaluation.pk}", **w.headers[role])
    assert response.status_code == OPEN_READ[role]
    if response.status_code == 200:
        body = response.json()
        assert response["ETag"] == '"1"'
        assert body["grade"] == ""
        outputs = next(s for s in body["scores"] if s["indicator"] == "outputs")
        assert (outputs["score"], outputs["computed"], outputs["ratio"]) == ("30.00", True, "1")


@pytest.mark.parametrize("role", ROLES)
def test_a_completed_grade_is_public_and_its_scores_are_not(client, w, role):
    # given the evaluation scored and completed by its evaluator
    send(
        client,
        "put",
        f"{API}/evaluations/{w.evaluation.pk}/scores",
        {"scores": HAND, "version": 1},
        w.headers["evaluator"],
    )
    send(
        client,
        "post",
        f"{API}/evaluations/{w.evaluation.pk}/complete",
        {"completed_on": "2011-06-15", "version": 2},
        w.headers["evaluator"],
    )
    # when anyone reads it
    response = client.get(f"{API}/evaluations/{w.evaluation.pk}", **w.headers[role])
    # then the grade is there; the scores only for the involved
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["grade"], body["status"]) == ("86.00", "good", "completed")
    assert (body["scores"] is not None) == (OPEN_READ[role] == 200)
    listed = client.get(f"{API}/evaluations", **w.headers[role]).json()
    assert [(i["id"], i["grade"]) for i in listed["items"]] == [(w.evaluation.pk, "good")]


@pytest.mark.parametrize("role", ROLES)
def test_mine_lists_the_evaluations_of_my_institutions(client, w, role):
    response = client.get(f"{API}/evaluations", {"mine": 1}, **w.headers[role])
    assert response.status_code == 200
    expected = [w.evaluation.pk] if role == "evaluator" else []
    assert [i["id"] for i in response.json()["items"]] == expected


def test_the_evaluators_list_has_a_bounded_number_of_queries(
    client, w, django_assert_max_num_queries
):
    # given 12 more evaluations assigned to the evaluator's institution
    for _ in range(12):
        evaluation(contracted_purchase(), w.institution)
    # when the evaluator lists them
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/evaluations", {"mine": 1}, **w.headers["evaluator"])
    # then all 13 are there
    assert response.json()["count"] == 13


# --- writes --------------------------------------------------------------------------------------

# role: assign, score, complete
WRITES = {
    "anonymous": (401, 401, 401),
    "staff_of_other_org": (403, 404, 404),
    "staff": (403, 403, 403),
    "evaluator": (403, 200, 200),
    "other_evaluator": (403, 404, 404),
    "other_officer": (403, 404, 404),
    "officer": (201, 403, 403),
    "admin": (201, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_assign_matrix(client, w, role):
    # given a second contract of the same buyer's district without an evaluation
    other = contracted_purchase(buyer=w.contract.purchase.buyer)
    before = state()
    response = send(
        client,
        "post",
        f"{API}/contracts/{other.pk}/evaluations",
        {"evaluator": w.institution.pk, "stage": "final", "assigned_on": "2011-03-01"},
        w.headers[role],
    )
    assert response.status_code == WRITES[role][0], response.content
    if response.status_code == 201:
        assert response.json()["evaluator"]["id"] == w.institution.pk
        assert response.json()["scheme"] == "default-2012"
    else:
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_score_and_complete_matrix(client, w, role):
    before = state()
    response = send(
        client,
        "put",
        f"{API}/evaluations/{w.evaluation.pk}/scores",
        {"scores": HAND, "version": 1},
        w.headers[role],
    )
    assert response.status_code == WRITES[role][1], response.content
    if response.status_code != 200:
        assert state() == before
        # seed the scores so that completing can only fail on permission
        Score.objects.bulk_create(
            Score(evaluation=w.evaluation, indicator=i, score=0)
            for i in w.evaluation.scheme.indicators.filter(children__isnull=True, is_output=False)
        )
    before = state()
    response = send(
        client,
        "post",
        f"{API}/evaluations/{w.evaluation.pk}/complete",
        {"completed_on": "2011-06-15", "summary": "好", "version": 2 if role == "evaluator" else 1},
        w.headers[role],
    )
    assert response.status_code == WRITES[role][2], response.content
    if response.status_code == 200:
        assert response.json()["grade"] == "good"
        assert response["ETag"] == '"3"'
    else:
        assert state() == before


def test_conflicted_institution_is_a_422_with_each_code_and_a_kept_refusal(client, w):
    w.supplier.sponsors.add(w.institution)
    other = contracted_purchase(buyer=w.contract.purchase.buyer, supplier=w.supplier)
    response = send(
        client,
        "post",
        f"{API}/contracts/{other.pk}/evaluations",
        {"evaluator": w.institution.pk, "stage": "final", "assigned_on": "2011-03-01"},
        w.headers["officer"],
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["loc"], e["code"]) for e in response.json()["errors"]] == [
        (["evaluator"], "coi_sponsor")
    ]
    assert not Evaluation.objects.filter(contract=other).exists()
    assert RefusedAttempt.objects.get().code == "conflicted_evaluator"
    # and in Chinese
    chinese = {**w.headers["officer"], "HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    response = send(
        client,
        "post",
        f"{API}/contracts/{other.pk}/evaluations",
        {"evaluator": w.institution.pk, "stage": "final", "assigned_on": "2011-03-01"},
        chinese,
    )
    assert response.json()["errors"][0]["msg"] == (
        "评估机构是承接方的业务主管（发起）单位，或承接方是评估机构的业务主管（发起）单位。"
    )


def test_assign_bad_input_names_the_field(client, w):
    other = contracted_purchase(buyer=w.contract.purchase.buyer)
    url = f"{API}/contracts/{other.pk}/evaluations"
    body = {"evaluator": w.institution.pk, "stage": "final", "assigned_on": "2011-03-01"}
    for change, field in [
        ({"stage": "early"}, "stage"),
        ({"evaluator": 999999}, "evaluator"),
        ({"scheme": "nope"}, "scheme"),
        ({"assigned_on": "1900-01-01"}, "assigned_on"),
    ]:
        response = send(client, "post", url, {**body, **change}, w.headers["officer"])
        assert response.status_code == 422, change
        assert field in json.dumps(response.json()["errors"]), change
    assert not Evaluation.objects.filter(contract=other).exists()
    unknown = send(
        client, "post", f"{API}/contracts/999999/evaluations", body, w.headers["officer"]
    )
    assert unknown.status_code == 404


def test_scores_need_a_version_and_refuse_a_stale_one(client, w):
    url = f"{API}/evaluations/{w.evaluation.pk}/scores"
    response = send(client, "put", url, {"scores": HAND}, w.headers["evaluator"])
    assert response.status_code == 428
    response = send(client, "put", url, {"scores": HAND, "version": 5}, w.headers["evaluator"])
    assert response.status_code == 412
    response = client.put(
        url,
        json.dumps({"scores": HAND}),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **w.headers["evaluator"],
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert Score.objects.count() == 6


def test_bad_scores_name_the_indicator(client, w):
    url = f"{API}/evaluations/{w.evaluation.pk}/scores"
    for scores, needle in [
        ({"finance": {"score": "11"}}, "scores.finance"),
        ({"outputs": {"score": "1"}}, "scores.outputs"),
        ({"finance": {"score": "x"}}, "score"),
        ({"finance": {"score": "1", "comment": "\u202e"}}, "comment"),
    ]:
        response = send(
            client, "put", url, {"scores": scores, "version": 1}, w.headers["evaluator"]
        )
        assert response.status_code == 422, scores
        assert needle in json.dumps(response.json()["errors"]), scores
    assert Score.objects.count() == 0


def test_complete_before_every_leaf_is_scored_is_refused(client, w):
    response = send(
        client,
        "post",
        f"{API}/evaluations/{w.evaluation.pk}/complete",
        {"completed_on": "2011-06-15", "version": 1},
        w.headers["evaluator"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["scores"]
    w.evaluation.refresh_from_db()
    assert (w.evaluation.status, w.evaluation.version) == ("assigned", 1)


def test_an_institution_not_registered_yet(client, w):
    late = evaluation_institution(registered_on=dt.date(2012, 1, 1))
    other = contracted_purchase(buyer=w.contract.purchase.buyer)
    response = send(
        client,
        "post",
        f"{API}/contracts/{other.pk}/evaluations",
        {"evaluator": late.pk, "stage": "midterm", "assigned_on": "2011-03-01"},
        w.headers["officer"],
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["evaluator"], "msg": f"{late.name} is not registered on 2011-03-01."}
    ]
