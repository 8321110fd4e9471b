"""The evaluator's workspace pages: who sees what, the scoring and completing forms, and the
list's query count."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.accounts.models import Role
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Evaluation, Score
from tests.factories_procurement import contracted_purchase
from tests.factories_procurement_eval import deliverable, evaluation, report, user, world

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
LIST = "/workspace/evaluations/"


@pytest.fixture
def w(db, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    made = world()
    made.staff_of_other_org = user(
        "other-staff", Role.AGENCY_STAFF, organization=contracted_purchase().purchase.award.supplier
    )
    made.anonymous = AnonymousUser()
    hours = deliverable(made.contract, planned="100")
    report(made.contract, {hours: "70"})
    made.evaluation = evaluation(made.contract, made.institution)
    return made


def login(client, w, role):
    if role != "anonymous":
        client.force_login(getattr(w, role))


def state():
    return (
        list(Evaluation.objects.values_list("id", "version", "status", "grade")),
        list(Score.objects.values_list("indicator__code", "score")),
        AuditRecord.objects.count(),
    )


# role: list, sheet GET, scores POST, complete POST
EXPECTED = {
    "anonymous": (302, 302, 302, 302),
    "staff_of_other_org": (403, 404, 404, 404),
    "staff": (403, 200, 403, 403),
    "evaluator": (200, 200, 302, 400),
    "other_evaluator": (200, 404, 404, 404),
    "other_officer": (403, 404, 404, 404),
    "officer": (403, 200, 403, 403),
    "admin": (403, 200, 403, 403),
}

SCORES = {
    "version": "1",
    "score-completion": "10",
    "score-outcomes": "15",
    "score-satisfaction": "12",
    "score-management-process": "6",
    "score-management-staff": "5",
    "score-finance": "8",
    "comment-finance": "账目清楚",
}


@pytest.mark.parametrize("role", ROLES)
def test_page_permission_matrix(client, w, role):
    login(client, w, role)
    url = f"/workspace/evaluations/{w.evaluation.pk}/"
    expected = EXPECTED[role]
    assert client.get(LIST).status_code == expected[0]
    page = client.get(url)
    assert page.status_code == expected[1]
    if page.status_code == 200:
        # the output is computed from the accepted report (0.7 → 1/3 of 30), shown read-only
        assert 'id="indicator-outputs"' in page.content.decode()
        assert "actual/planned 0.7000" in page.content.decode()
        assert ('id="scores-form"' in page.content.decode()) == (role == "evaluator")
    before = state()
    response = client.post(url, SCORES)
    assert response.status_code == expected[2]
    if role != "evaluator":
        assert state() == before
    before = state()
    response = client.post(
        f"/workspace/evaluations/{w.evaluation.pk}/complete/",
        {"version": "1", "completed_on": "2011-06-15"},
    )
    # the evaluator's version is stale after saving the scores: a 400 that says so
    assert response.status_code == expected[3]
    assert state() == before


def test_the_evaluator_scores_then_completes(client, w):
    client.force_login(w.evaluator)
    url = f"/workspace/evaluations/{w.evaluation.pk}/"
    response = client.post(url, SCORES, follow=True)
    assert "Scores saved." in response.content.decode()
    assert Score.objects.get(indicator__code="finance").comment == "账目清楚"
    response = client.post(
        f"{url}complete/",
        {"version": "2", "completed_on": "2011-06-15", "summary": "良好"},
        follow=True,
    )
    # 10 + 15 + 12 + 11 + 8 + outputs 10 = 66 → pass
    assert "Evaluation completed: 66.00 points, pass." in response.content.decode()
    w.evaluation.refresh_from_db()
    assert (w.evaluation.total, w.evaluation.grade) == (66, "pass")
    assert 'id="scores-form"' not in response.content.decode()


def test_a_score_above_the_maximum_names_the_indicator_and_saves_nothing(client, w):
    client.force_login(w.evaluator)
    response = client.post(
        f"/workspace/evaluations/{w.evaluation.pk}/", {**SCORES, "score-finance": "11"}
    )
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 10.00" in response.content.decode()
    assert Score.objects.count() == 0


def test_completing_before_scoring_says_what_is_missing(client, w):
    client.force_login(w.evaluator)
    response = client.post(
        f"/workspace/evaluations/{w.evaluation.pk}/complete/",
        {"version": "1", "completed_on": "2011-06-15"},
    )
    assert response.status_code == 400
    assert "Score every indicator first; missing:" in response.content.decode()
    w.evaluation.refresh_from_db()
    assert w.evaluation.status == "assigned"


def test_the_sheet_in_chinese(client, w):
    client.force_login(w.evaluator)
    response = client.get(
        f"/workspace/evaluations/{w.evaluation.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = response.content.decode()
    assert "服务产出" in body
    assert "保存评分" in body


def test_a_bad_page_number_is_a_400_naming_it(client, w):
    client.force_login(w.evaluator)
    response = client.get(LIST, {"page": "x"})
    assert response.status_code == 400
    assert 'id="query-errors"' in response.content.decode()


def test_the_list_has_a_bounded_number_of_queries(client, w, django_assert_max_num_queries):
    for _ in range(12):
        evaluation(contracted_purchase(), w.institution)
    client.force_login(w.evaluator)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.content.decode().count("/workspace/evaluations/") >= 13
