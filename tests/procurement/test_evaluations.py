"""Evaluations: assigning with the conflict-of-interest check, scoring, completing, schemes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import (
    AttemptCode,
    Evaluation,
    EvaluationScheme,
    RefusedAttempt,
    Score,
    Stage,
)
from shuniu.procurement.services import (
    evaluation_assign,
    evaluation_complete,
    evaluation_scheme_create,
    evaluation_score,
)
from shuniu.procurement.services.evaluations import hub_from_events
from shuniu.registry.models import EventKind, Organization, OrganizationEvent, Support
from tests.factories import make_organization
from tests.factories_procurement import contracted_purchase
from tests.factories_procurement_eval import (
    deliverable,
    evaluation,
    evaluation_institution,
    report,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


D = Decimal
ON = dt.date(2011, 3, 1)


def codes(exc: DjangoValidationError, field: str = "evaluator") -> list[str | None]:
    return [e.code for e in exc.error_dict[field]]


def _assign(w, actor=None, institution=None, **kwargs):
    return evaluation_assign(
        actor=actor or w.officer,
        contract=w.contract,
        evaluator=institution or w.institution,
        stage=kwargs.pop("stage", Stage.FINAL),
        assigned_on=kwargs.pop("assigned_on", ON),
        **kwargs,
    )


def _nothing_written(w, refusals: int = 0) -> None:
    assert Evaluation.objects.count() == 0
    assert not AuditRecord.objects.filter(action="evaluation.assign").exists()
    assert RefusedAttempt.objects.count() == refusals


# ---------------------------------------------------------------------------------------
# Assigning


def test_officer_assigns_an_unconflicted_institution_on_the_default_scheme():
    w = world()
    made = _assign(w)
    assert (made.evaluator, made.stage, made.assigned_on) == (w.institution, "final", ON)
    assert made.scheme.code == "default-2012"
    assert AuditRecord.objects.filter(action="evaluation.assign", object_id=str(made.pk)).exists()
    assert RefusedAttempt.objects.count() == 0


@pytest.mark.parametrize("who", ["anonymous", "other_officer", "staff", "evaluator"])
def test_only_the_buyer_side_assigns_and_a_refusal_writes_nothing(who):
    w = world()
    actor = AnonymousUser() if who == "anonymous" else getattr(w, who)
    with pytest.raises(PermissionDenied):
        _assign(w, actor=actor)
    _nothing_written(w)


def test_admin_assigns():
    w = world()
    assert _assign(w, actor=w.admin).pk is not None


def test_one_evaluation_per_stage():
    w = world()
    _assign(w)
    with pytest.raises(ValidationError) as refused:
        _assign(w, institution=w.other_institution)
    assert list(refused.value.message_dict) == ["stage"]
    assert Evaluation.objects.count() == 1
    assert _assign(w, institution=w.other_institution, stage=Stage.MIDTERM).stage == "midterm"


def test_the_institution_must_be_an_evaluation_institution_registered_on_the_date():
    w = world()
    agency = make_organization(division="110102")
    late = evaluation_institution(registered_on=dt.date(2011, 6, 1))
    with pytest.raises(ValidationError) as refused:
        _assign(w, institution=agency)
    assert "evaluation institution" in refused.value.message_dict["evaluator"][0]
    with pytest.raises(ValidationError) as refused:
        _assign(w, institution=late)
    assert refused.value.message_dict["evaluator"] == [
        f"{late.name} is not registered on 2011-03-01."
    ]
    _nothing_written(w)


def test_assigned_on_before_signing_is_refused():
    w = world()
    with pytest.raises(ValidationError) as refused:
        _assign(w, assigned_on=dt.date(2010, 5, 1))
    assert list(refused.value.message_dict) == ["assigned_on"]
    _nothing_written(w)


def _refused_with(w, code: str, **kwargs) -> None:
    with pytest.raises(ValidationError) as refused:
        _assign(w, **kwargs)
    assert codes(refused.value) == [code]
    _nothing_written(w, refusals=1)
    attempt = RefusedAttempt.objects.get()
    assert attempt.code == AttemptCode.CONFLICTED_EVALUATOR
    assert attempt.purchase == w.contract.purchase
    assert attempt.actor == w.officer
    assert attempt.detail["codes"] == [code]


def test_coi_the_supplier_itself():
    # given a contract whose supplier is itself an evaluation institution
    w = world()
    w.contract = contracted_purchase(supplier=w.institution)
    _refused_with(w, "coi_is_supplier")


def test_coi_same_hub_undated():
    w = world()
    hub = make_organization(kind="association", division="110102", legal_form="social_group")
    Organization.objects.filter(pk__in=[w.supplier.pk, w.institution.pk]).update(hub=hub)
    _refused_with(w, "coi_same_hub")


def test_coi_the_evaluator_is_the_suppliers_hub():
    w = world()
    Organization.objects.filter(pk=w.supplier.pk).update(hub=w.institution)
    _refused_with(w, "coi_same_hub")


def _hub_event(org, kind, date, hub=None):
    OrganizationEvent.objects.create(organization=org, kind=kind, date=date, hub=hub, source="t")


def test_coi_same_hub_reads_the_hub_history_on_the_assignment_date():
    # given both joined one hub in 2010 and the institution left it on 2011-02-01
    w = world()
    hub = make_organization(kind="association", division="110102", legal_form="social_group")
    for org in (w.supplier, w.institution):
        _hub_event(org, EventKind.JOINED_HUB, dt.date(2010, 2, 1), hub)
    _hub_event(w.institution, EventKind.LEFT_HUB, dt.date(2011, 2, 1))
    # when assigned on 2011-01-31 (still both led by it): refused
    _refused_with(w, "coi_same_hub", assigned_on=dt.date(2011, 1, 31))
    # when assigned on 2011-03-01, after it left: allowed
    assert _assign(w).pk is not None


def test_coi_a_hub_joined_after_the_date_does_not_count():
    w = world()
    hub = make_organization(kind="association", division="110102", legal_form="social_group")
    for org in (w.supplier, w.institution):
        _hub_event(org, EventKind.JOINED_HUB, dt.date(2011, 4, 1), hub)
    assert _assign(w).pk is not None


@pytest.mark.parametrize("direction", ["sponsors", "sponsored"])
def test_coi_sponsor_either_way(direction):
    w = world()
    if direction == "sponsors":
        w.supplier.sponsors.add(w.institution)
    else:
        w.institution.sponsors.add(w.supplier)
    _refused_with(w, "coi_sponsor")


@pytest.mark.parametrize("direction", ["given", "received"])
def test_coi_support_overlapping_the_term_either_way(direction):
    w = world()
    giver, receiver = (
        (w.institution, w.supplier) if direction == "given" else (w.supplier, w.institution)
    )
    # the contract runs 2010-06-01..2011-05-31; the support ends on its first day
    Support.objects.create(
        giver=giver,
        receiver=receiver,
        kind="funds",
        starts_on=dt.date(2009, 1, 1),
        ends_on=dt.date(2010, 6, 1),
    )
    _refused_with(w, "coi_support")


def test_support_outside_the_term_is_no_conflict():
    w = world()
    Support.objects.create(
        giver=w.institution,
        receiver=w.supplier,
        kind="funds",
        starts_on=dt.date(2009, 1, 1),
        ends_on=dt.date(2010, 5, 31),
    )
    Support.objects.create(
        giver=w.supplier, receiver=w.institution, kind="training", starts_on=dt.date(2011, 6, 1)
    )
    assert _assign(w).pk is not None


def test_every_failed_check_has_its_own_coded_message():
    w = world()
    Organization.objects.filter(pk=w.supplier.pk).update(hub=w.institution)
    w.supplier.sponsors.add(w.institution)
    Support.objects.create(
        giver=w.institution, receiver=w.supplier, kind="funds", starts_on=dt.date(2010, 1, 1)
    )
    with pytest.raises(ValidationError) as refused:
        _assign(w)
    assert codes(refused.value) == ["coi_same_hub", "coi_sponsor", "coi_support"]
    assert RefusedAttempt.objects.get().detail["codes"] == [
        "coi_same_hub",
        "coi_sponsor",
        "coi_support",
    ]


def test_a_denied_caller_leaves_no_refused_attempt():
    w = world()
    w.supplier.sponsors.add(w.institution)
    with pytest.raises(PermissionDenied):
        _assign(w, actor=w.other_officer)
    _nothing_written(w)


# ---------------------------------------------------------------------------------------
# Scoring and completing


HAND = {
    "completion": {"score": "10"},
    "outcomes": {"score": "15", "comment": "成效明显"},
    "satisfaction": {"score": "12"},
    "management-process": {"score": "6"},
    "management-staff": {"score": "5"},
    "finance": {"score": "8"},
}


def _scored_world(actual: str = "85"):
    w = world()
    hours = deliverable(w.contract, planned="100")
    report(w.contract, {hours: actual})
    w.evaluation = evaluation(w.contract, w.institution)
    return w


def test_evaluator_scores_and_completes_with_outputs_from_accepted_reports():
    # given 85 of 100 hours accepted (band 0.8 → 2/3 of 30 = 20)
    w = _scored_world()
    # when the evaluator scores the rest (56) and completes
    scored = evaluation_score(actor=w.evaluator, evaluation=w.evaluation, scores=HAND, version=1)
    assert scored.version == 2
    done = evaluation_complete(
        actor=w.evaluator,
        evaluation=w.evaluation,
        completed_on=dt.date(2011, 6, 15),
        summary="总体良好",
        version=2,
    )
    # then the total is 76 and the grade pass; the output score is stored with its ratio
    assert (done.total, done.grade, done.status) == (D("76.00"), "pass", "completed")
    outputs = Score.objects.get(evaluation=done, indicator__code="outputs")
    assert (outputs.score, outputs.comment) == (D("20.00"), "actual/planned 0.8500")
    assert AuditRecord.objects.filter(action="evaluation.complete").count() == 1


def test_a_failing_final_grade():
    w = _scored_world(actual="10")
    low = {code: {"score": "1"} for code in HAND}
    evaluation_score(actor=w.evaluator, evaluation=w.evaluation, scores=low, version=1)
    done = evaluation_complete(
        actor=w.evaluator, evaluation=w.evaluation, completed_on=dt.date(2011, 6, 15), version=2
    )
    assert (done.total, done.grade, done.stage) == (D("6.00"), "fail", "final")


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"outputs": {"score": "30"}}, "scores.outputs"),
        ({"management": {"score": "10"}}, "scores.management"),
        ({"nope": {"score": "1"}}, "scores.nope"),
        ({"finance": {"score": "10.01"}}, "scores.finance"),
        ({"finance": {"score": "-1"}}, "scores.finance"),
        ({"finance": {"score": "abc"}}, "scores.finance"),
        ({"finance": {"score": "NaN"}}, "scores.finance"),
        ({"finance": {"score": "1.001"}}, "scores.finance"),
        ({"finance": {"score": "1", "comment": "\u202e"}}, "scores.finance"),
    ],
)
def test_bad_scores_are_refused_naming_the_indicator_and_write_nothing(scores, field):
    w = _scored_world()
    with pytest.raises(ValidationError) as refused:
        evaluation_score(actor=w.evaluator, evaluation=w.evaluation, scores=scores, version=1)
    assert list(refused.value.message_dict) == [field]
    assert Score.objects.count() == 0
    w.evaluation.refresh_from_db()
    assert w.evaluation.version == 1


def test_an_output_without_matching_deliverables_is_scored_by_hand():
    w = world()
    w.evaluation = evaluation(w.contract, w.institution)
    evaluation_score(
        actor=w.evaluator,
        evaluation=w.evaluation,
        scores={**HAND, "outputs": {"score": "25"}},
        version=1,
    )
    done = evaluation_complete(
        actor=w.evaluator, evaluation=w.evaluation, completed_on=dt.date(2011, 6, 1), version=2
    )
    assert (done.total, done.grade) == (D("81.00"), "good")


def test_complete_needs_every_leaf_scored():
    w = _scored_world()
    evaluation_score(
        actor=w.evaluator, evaluation=w.evaluation, scores={"finance": {"score": "8"}}, version=1
    )
    with pytest.raises(ValidationError) as refused:
        evaluation_complete(
            actor=w.evaluator, evaluation=w.evaluation, completed_on=dt.date(2011, 6, 1), version=2
        )
    assert list(refused.value.message_dict) == ["scores"]
    w.evaluation.refresh_from_db()
    assert (w.evaluation.status, w.evaluation.grade, w.evaluation.version) == ("assigned", "", 2)


def test_completed_evaluations_take_no_more_scores():
    w = _scored_world()
    evaluation_score(actor=w.evaluator, evaluation=w.evaluation, scores=HAND, version=1)
    evaluation_complete(
        actor=w.evaluator, evaluation=w.evaluation, completed_on=dt.date(2011, 6, 1), version=2
    )
    with pytest.raises(ValidationError):
        evaluation_score(
            actor=w.evaluator,
            evaluation=w.evaluation,
            scores={"finance": {"score": "1"}},
            version=3,
        )
    assert Score.objects.get(indicator__code="finance").score == D(8)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("anonymous", NotFound),
        ("other_evaluator", NotFound),
        ("other_officer", NotFound),
        ("officer", PermissionDenied),
        ("staff", PermissionDenied),
        ("admin", PermissionDenied),
    ],
)
def test_only_the_assigned_evaluator_scores_or_completes(who, error):
    w = _scored_world()
    actor = AnonymousUser() if who == "anonymous" else getattr(w, who)
    with pytest.raises(error):
        evaluation_score(actor=actor, evaluation=w.evaluation, scores=HAND, version=1)
    with pytest.raises(error):
        evaluation_complete(
            actor=actor, evaluation=w.evaluation, completed_on=dt.date(2011, 6, 1), version=1
        )
    w.evaluation.refresh_from_db()
    assert (w.evaluation.version, w.evaluation.status) == (1, "assigned")
    assert Score.objects.count() == 0


# ---------------------------------------------------------------------------------------
# Schemes


def _scheme_data(**changes):
    data = {
        "code": "small",
        "name": "小方案",
        "thresholds": {"excellent": 90, "good": 75, "pass": 60},
        "bands": [{"from_ratio": "1", "fraction": "1"}, {"from_ratio": "0", "fraction": "0"}],
        "indicators": [
            {"code": "out", "name": "产出", "max_score": 50, "is_output": True},
            {
                "code": "rest",
                "name": "其他",
                "max_score": 50,
                "children": [
                    {"code": "a", "name": "甲", "max_score": 20},
                    {"code": "b", "name": "乙", "max_score": 60, "weight": "0.5"},
                ],
            },
        ],
    }
    data.update(changes)
    return data


def test_admin_loads_a_scheme_from_data():
    w = world()
    made = evaluation_scheme_create(actor=w.admin, data=_scheme_data())
    assert made.good_from == D(75)
    assert list(made.indicators.values_list("code", "parent__code", "weight")) == [
        ("out", None, D(1)),
        ("rest", None, D(1)),
        ("a", "rest", D(1)),
        ("b", "rest", D("0.5")),
    ]
    assert made.bands.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"thresholds": {"excellent": 80, "good": 80, "pass": 60}}, "thresholds"),
        ({"bands": [{"from_ratio": "0.5", "fraction": "1"}]}, "bands"),
        ({"bands": [{"from_ratio": "0", "fraction": "2"}]}, "bands[0].fraction"),
        ({"indicators": [{"code": "x", "name": "x", "max_score": 90}]}, "indicators"),
        (
            {"indicators": [{"code": "x", "name": "x", "max_score": -100}]},
            "indicators[0].max_score",
        ),
        ({"indicators": []}, "indicators"),
        ({"code": "bad code!"}, "code"),
    ],
)
def test_bad_schemes_are_refused_naming_the_field(changes, field):
    w = world()
    with pytest.raises(ValidationError) as refused:
        evaluation_scheme_create(actor=w.admin, data=_scheme_data(**changes))
    assert field in refused.value.message_dict
    assert not EvaluationScheme.objects.filter(code__in=["small", "bad code!"]).exists()


def test_children_must_add_up_to_their_parent():
    w = world()
    data = _scheme_data()
    data["indicators"][1]["children"][1]["weight"] = 1
    with pytest.raises(ValidationError) as refused:
        evaluation_scheme_create(actor=w.admin, data=data)
    assert list(refused.value.message_dict) == ["indicators[1].max_score"]


def test_only_admins_load_schemes():
    w = world()
    with pytest.raises(PermissionDenied):
        evaluation_scheme_create(actor=w.officer, data=_scheme_data())
    assert not EvaluationScheme.objects.filter(code="small").exists()


_hub_events = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2015, 12, 31)),
        st.sampled_from([EventKind.JOINED_HUB, EventKind.LEFT_HUB]),
        st.integers(min_value=1, max_value=10_000),
        st.sampled_from([None, 1, 2]),
    ),
    max_size=6,
    unique_by=lambda e: e[2],
)


@settings(max_examples=200, deadline=None)
@given(
    events=_hub_events,
    later=_hub_events,
    day=st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2015, 12, 31)),
)
def test_an_event_after_the_date_never_changes_the_hub_on_it(events, later, day):
    # given an organization's hub events, some of them on or before ``day``
    before = [e for e in events if e[0] <= day]
    # and more events strictly after ``day`` (ids apart from the others)
    after = [
        (day + dt.timedelta(days=1 + i), k, 20_000 + i, h) for i, (_d, k, _i, h) in enumerate(later)
    ]
    # when the hub on ``day`` is read with and without the later events
    # then it is the same, provided the history does not start with a LEFT_HUB after ``day``
    if not before:
        return
    assert hub_from_events(before + after, day, None) == hub_from_events(before, day, None)
