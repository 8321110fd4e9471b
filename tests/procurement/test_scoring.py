"""Scoring: the output bands and grade thresholds at their boundaries, the tree sums, the
outputs read from accepted reports, and the default scheme's data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuniu.procurement.models import (
    EvaluationGrade,
    EvaluationScheme,
    Indicator,
    OutputKind,
    ReportStatus,
)
from shuniu.procurement.scoring import (
    Band,
    Node,
    Output,
    band_fraction,
    computed_outputs,
    grade_for,
    output_ratio,
    output_score,
    scheme_nodes,
    total_score,
    tree_scores,
)
from shuniu.procurement.selectors import contract_outputs
from tests.factories_procurement import contracted_purchase
from tests.factories_procurement_eval import deliverable, report

D = Decimal
BANDS = [
    Band(D("1"), D("1")),
    Band(D("0.8"), D("0.6667")),
    Band(D("0.6"), D("0.3333")),
    Band(D("0"), D("0")),
]
THRESHOLDS = {"excellent_from": D(90), "good_from": D(80), "pass_from": D(60)}


@pytest.mark.parametrize(
    ("ratio", "score"),
    [
        ("0", "0.00"),
        ("0.5999", "0.00"),
        ("0.6", "10.00"),
        ("0.7999", "10.00"),
        ("0.8", "20.00"),
        ("0.9999", "20.00"),
        ("1.0", "30.00"),
        ("1.5", "30.00"),
    ],
)
def test_output_band_boundaries(ratio, score):
    # given the bands and an output indicator of maximum 30
    # when a ratio at or just below a boundary is scored
    # then it earns the band it reaches, never the next one
    assert output_score(D(30), D(ratio), BANDS) == D(score)


def test_a_ratio_below_every_band_earns_nothing():
    # given bands that start at 0.5 only
    # when the ratio is 0.4
    # then the fraction is 0
    assert band_fraction(D("0.4"), [Band(D("0.5"), D("1"))]) == D(0)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", EvaluationGrade.EXCELLENT),
        ("90", EvaluationGrade.EXCELLENT),
        ("89.99", EvaluationGrade.GOOD),
        ("80", EvaluationGrade.GOOD),
        ("79.99", EvaluationGrade.PASS),
        ("60", EvaluationGrade.PASS),
        ("59.99", EvaluationGrade.FAIL),
        ("0", EvaluationGrade.FAIL),
    ],
)
def test_grade_thresholds_are_inclusive(total, grade):
    assert grade_for(D(total), **THRESHOLDS) == grade


def test_output_ratio_is_the_mean_of_capped_ratios_of_the_kind():
    # given two service-hour deliverables (150 % and 50 %) and one of sessions (0 %)
    outputs = [
        Output(OutputKind.SERVICE_HOURS, D(100), D(150)),
        Output(OutputKind.SERVICE_HOURS, D(100), D(50)),
        Output(OutputKind.SESSIONS, D(10), D(0)),
    ]
    # when the ratio of service hours and of every kind is taken
    # then each ratio is capped at 1 before the mean
    assert output_ratio(OutputKind.SERVICE_HOURS, outputs) == D("0.75")
    assert output_ratio("", outputs) == D("0.5")
    assert output_ratio(OutputKind.PEOPLE_SERVED, outputs) is None


def test_parents_sum_their_weighted_children():
    # given a parent of maximum 15 whose children weigh 1 and 0.5
    nodes = [
        Node("a", None, D(1), D(85)),
        Node("m", None, D(1), D(15)),
        Node("m1", "m", D(1), D(5)),
        Node("m2", "m", D("0.5"), D(20)),
    ]
    # when the leaves score 80, 4 and 10
    scores = tree_scores(nodes, {"a": D(80), "m1": D(4), "m2": D(10)})
    # then the parent is 4 + 0.5 × 10 and the total adds the top level
    assert scores["m"] == D("9.00")
    assert total_score(nodes, {"a": D(80), "m1": D(4), "m2": D(10)}) == D("89.00")


def _default_nodes() -> list[Node]:
    return [
        Node("completion", None, D(1), D(10)),
        Node("outputs", None, D(1), D(30), is_output=True),
        Node("outcomes", None, D(1), D(20)),
        Node("satisfaction", None, D(1), D(15)),
        Node("management", None, D(1), D(15)),
        Node("management-process", "management", D(1), D(8)),
        Node("management-staff", "management", D(1), D(7)),
        Node("finance", None, D(1), D(10)),
    ]


@st.composite
def leaf_scores(draw):
    leaves = {
        "completion": 10,
        "outputs": 30,
        "outcomes": 20,
        "satisfaction": 15,
        "management-process": 8,
        "management-staff": 7,
        "finance": 10,
    }
    return {
        code: draw(st.decimals(min_value=0, max_value=top, places=2))
        for code, top in leaves.items()
    }


@settings(max_examples=200, deadline=None)
@given(leaf_scores())
def test_scores_within_bounds_give_a_total_within_0_100_and_the_matching_grade(scores):
    # given leaf scores within their maxima on the default scheme's tree
    # when the total is taken
    total = total_score(_default_nodes(), scores)
    # then it lies in 0..100 and the grade is the one its thresholds give
    assert D(0) <= total <= D(100)
    assert total == sum(scores.values())
    expected = (
        "excellent" if total >= 90 else "good" if total >= 80 else "pass" if total >= 60 else "fail"
    )
    assert grade_for(total, **THRESHOLDS) == expected


def test_default_scheme_is_loaded_with_its_tree_bands_and_thresholds(db):
    # given the data migration
    scheme = EvaluationScheme.objects.get(code="default-2012")
    # then its thresholds, tree and bands are those documented
    assert scheme.name == "社会工作服务项目评估指标（通用）"
    assert (scheme.excellent_from, scheme.good_from, scheme.pass_from) == (D(90), D(80), D(60))
    _indicators, nodes, bands = scheme_nodes(scheme)
    assert [(n.code, n.parent, n.max_score) for n in nodes] == [
        (n.code, n.parent, n.max_score) for n in _default_nodes()
    ]
    assert Indicator.objects.get(scheme=scheme, code="outputs").is_output is True
    assert sorted((b.from_ratio, b.fraction) for b in bands) == [
        (D("0"), D("0")),
        (D("0.6"), D("0.3333")),
        (D("0.8"), D("0.6667")),
        (D("1"), D("1")),
    ]
    top = sum(n.weight * n.max_score for n in nodes if n.parent is None)
    assert top == D(100)


def test_contract_outputs_count_accepted_reports_only_in_one_query(db, django_assert_num_queries):
    # given a deliverable of 100 hours with 50 accepted, 30 returned and 10 submitted
    contract = contracted_purchase()
    hours = deliverable(contract, planned="100")
    report(contract, {hours: "50"})
    report(contract, {hours: "30"}, status=ReportStatus.RETURNED)
    report(contract, {hours: "10"}, status=ReportStatus.SUBMITTED)
    # and an outcome deliverable (not quantified) and an unreported one of sessions
    deliverable(contract, planned="20", kind=OutputKind.SESSIONS)
    # when the outputs are read
    with django_assert_num_queries(1):
        outputs = contract_outputs(contract)
    # then only the accepted actuals count, and unreported deliverables count 0
    assert [(o.kind, o.planned, o.actual) for o in outputs] == [
        (OutputKind.SERVICE_HOURS, D("100.00"), D("50.00")),
        (OutputKind.SESSIONS, D("20.00"), D("0")),
    ]
    # and the output indicator scores their mean ratio 0.25 through the bands: nothing
    computed = computed_outputs(_default_nodes(), outputs, BANDS)
    assert computed == {"outputs": (D("0.25"), D("0.00"))}
