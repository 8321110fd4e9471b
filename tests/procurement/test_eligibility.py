"""Eligibility rules as of the award date: a pure function over the registry's events."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuniu.procurement.eligibility import (
    EventFact,
    RuleSpec,
    SupplierFacts,
    eligibility_failures,
    years_later,
)

D = dt.date
REGISTERED = EventFact("registered", D(2005, 3, 1))
PASSED_2009 = EventFact("annual_inspection", D(2010, 4, 1), 2009, "passed")


def codes(rules, facts, on):
    return [f.code for f in eligibility_failures(rules, facts, on=on)]


def messages(rules, facts, on):
    return [f.message for f in eligibility_failures(rules, facts, on=on)]


REG = [RuleSpec("not_registered")]
INSP = [RuleSpec("inspection_failed")]
CREDIT = [RuleSpec("on_credit_list")]
BAR = [RuleSpec("barred_by_evaluation")]


# --- registered on the award date --------------------------------------------------------


def test_registered_on_the_date_passes():
    assert codes(REG, SupplierFacts(events=[REGISTERED]), D(2010, 5, 1)) == []


def test_registered_on_the_award_day_itself_passes():
    facts = SupplierFacts(events=[EventFact("registered", D(2010, 5, 1))])
    assert codes(REG, facts, D(2010, 5, 1)) == []


def test_not_yet_registered_fails_with_the_date():
    facts = SupplierFacts(events=[EventFact("registered", D(2010, 5, 2))])
    assert messages(REG, facts, D(2010, 5, 1)) == [
        "Not registered on 2010-05-01: no registration recorded by then."
    ]


@pytest.mark.parametrize(
    ("kind", "label"), [("deregistered", "deregistered"), ("revoked", "revoked")]
)
def test_deregistered_or_revoked_before_the_date_fails(kind, label):
    facts = SupplierFacts(events=[REGISTERED, EventFact(kind, D(2009, 12, 31))])
    assert messages(REG, facts, D(2010, 5, 1)) == [
        f"Not registered on 2010-05-01: {label} since 2009-12-31."
    ]
    assert codes(REG, facts, D(2009, 12, 30)) == []


def test_only_applied_for_registration_fails():
    facts = SupplierFacts(events=[EventFact("registration_applied", D(2009, 1, 1))])
    assert codes(REG, facts, D(2010, 5, 1)) == ["not_registered"]


# --- last year's annual inspection -------------------------------------------------------


@pytest.mark.parametrize("result", ["passed", "basically_passed"])
def test_last_years_inspection_passed_or_basically_passed(result):
    facts = SupplierFacts(
        events=[REGISTERED, EventFact("annual_inspection", D(2010, 4, 1), 2009, result)]
    )
    assert codes(INSP, facts, D(2010, 5, 1)) == []


def test_last_years_inspection_failed_names_the_year():
    facts = SupplierFacts(
        events=[REGISTERED, EventFact("annual_inspection", D(2010, 4, 1), 2009, "failed")]
    )
    assert messages(INSP, facts, D(2010, 5, 1)) == ["2009 annual inspection: failed."]


def test_an_older_failure_does_not_count():
    facts = SupplierFacts(
        events=[
            REGISTERED,
            EventFact("annual_inspection", D(2009, 4, 1), 2008, "failed"),
            PASSED_2009,
        ]
    )
    assert codes(INSP, facts, D(2010, 5, 1)) == []


def test_missing_inspection_fails():
    facts = SupplierFacts(events=[REGISTERED])
    assert messages(INSP, facts, D(2010, 5, 1)) == [
        "2009 annual inspection: no result recorded by 2010-05-01."
    ]


def test_inspection_published_after_the_award_is_missing_on_the_award_date():
    facts = SupplierFacts(events=[REGISTERED, PASSED_2009])
    assert codes(INSP, facts, D(2010, 3, 31)) == ["inspection_failed"]
    assert codes(INSP, facts, D(2010, 4, 1)) == []


@pytest.mark.parametrize(("registered", "fails"), [(D(2008, 12, 31), True), (D(2009, 1, 1), False)])
def test_no_inspection_is_due_from_one_registered_last_year_or_later(registered, fails):
    facts = SupplierFacts(events=[EventFact("registered", registered)])
    assert codes(INSP, facts, D(2010, 5, 1)) == (["inspection_failed"] if fails else [])


# --- credit lists -----------------------------------------------------------------------


def test_listed_then_delisted():
    facts = SupplierFacts(
        events=[
            REGISTERED,
            EventFact("listed", D(2009, 3, 1), credit_list="abnormal"),
            EventFact("delisted", D(2010, 3, 1), credit_list="abnormal"),
        ]
    )
    assert messages(CREDIT, facts, D(2009, 3, 1)) == [
        "On the abnormal activity list since 2009-03-01."
    ]
    assert codes(CREDIT, facts, D(2010, 2, 28)) == ["on_credit_list"]
    assert codes(CREDIT, facts, D(2010, 3, 1)) == []
    assert codes(CREDIT, facts, D(2009, 2, 28)) == []


def test_delisted_from_one_list_stays_on_the_other():
    facts = SupplierFacts(
        events=[
            EventFact("listed", D(2009, 3, 1), credit_list="abnormal"),
            EventFact("listed", D(2009, 4, 1), credit_list="serious_violation"),
            EventFact("delisted", D(2009, 5, 1), credit_list="abnormal"),
        ]
    )
    assert messages(CREDIT, facts, D(2010, 1, 1)) == [
        "On the serious violation list since 2009-04-01."
    ]


# --- grade ------------------------------------------------------------------------------


GRADE_3A = [RuleSpec("grade_below_minimum", grade="3A")]


@pytest.mark.parametrize(("grade", "fails"), [("2A", True), ("3A", False), ("4A", False)])
def test_grade_below_at_above_the_minimum(grade, fails):
    facts = SupplierFacts(events=[EventFact("graded", D(2008, 6, 1), grade=grade)])
    assert codes(GRADE_3A, facts, D(2010, 5, 1)) == (["grade_below_minimum"] if fails else [])


def test_grade_below_names_it():
    facts = SupplierFacts(events=[EventFact("graded", D(2008, 6, 1), grade="2A")])
    assert messages(GRADE_3A, facts, D(2010, 5, 1)) == [
        "Grade 2A (since 2008-06-01) is below the minimum 3A."
    ]


def test_grade_expires_after_five_years():
    facts = SupplierFacts(events=[EventFact("graded", D(2005, 6, 1), grade="4A")])
    assert codes(GRADE_3A, facts, D(2010, 5, 31)) == []
    assert messages(GRADE_3A, facts, D(2010, 6, 1)) == [
        "Grade 4A of 2005-06-01 expired on 2010-06-01 (minimum 3A)."
    ]


def test_no_grade_fails():
    assert messages(GRADE_3A, SupplierFacts(), D(2010, 5, 1)) == [
        "No evaluation grade by 2010-05-01 (minimum 3A)."
    ]


def test_the_latest_grade_counts():
    facts = SupplierFacts(
        events=[
            EventFact("graded", D(2006, 6, 1), grade="4A"),
            EventFact("graded", D(2009, 6, 1), grade="2A"),
        ]
    )
    assert codes(GRADE_3A, facts, D(2009, 5, 31)) == []
    assert codes(GRADE_3A, facts, D(2009, 6, 1)) == ["grade_below_minimum"]


# --- service field ----------------------------------------------------------------------


def test_service_field():
    rule = [RuleSpec("service_field_missing", service_field="youth", service_field_name="青少年")]
    assert codes(rule, SupplierFacts(service_fields=frozenset({"youth"})), D(2010, 5, 1)) == []
    assert messages(rule, SupplierFacts(service_fields=frozenset({"elderly"})), D(2010, 5, 1)) == [
        "Does not work in the required service field 青少年."
    ]


# --- barred by a failing evaluation -----------------------------------------------------

F = D(2011, 6, 30)


@pytest.mark.parametrize(
    ("on", "barred"),
    [
        (F, False),
        (F + dt.timedelta(days=1), True),
        (D(2012, 6, 29), True),
        (D(2012, 6, 30), False),
    ],
)
def test_barred_window_boundaries(on, barred):
    facts = SupplierFacts(failed_evaluations=[F])
    assert codes(BAR, facts, on) == (["barred_by_evaluation"] if barred else [])


def test_barred_names_the_dates():
    facts = SupplierFacts(failed_evaluations=[F])
    assert messages(BAR, facts, D(2012, 1, 1)) == [
        "Barred until 2012-06-30: a final evaluation for this buyer graded it fail on 2011-06-30."
    ]


def test_years_later_on_29_february():
    assert years_later(D(2012, 2, 29), 1) == D(2013, 2, 28)


def test_one_message_per_failed_rule_in_rule_order():
    rules = [*REG, *INSP, *CREDIT, *BAR]
    facts = SupplierFacts(
        events=[
            EventFact("registered", D(2001, 1, 1)),
            EventFact("annual_inspection", D(2010, 4, 1), 2009, "failed"),
            EventFact("listed", D(2010, 1, 1), credit_list="abnormal"),
        ],
        failed_evaluations=[D(2010, 1, 1)],
    )
    assert codes(rules, facts, D(2010, 5, 1)) == [
        "inspection_failed",
        "on_credit_list",
        "barred_by_evaluation",
    ]


# --- property: what happens after the award date never changes the outcome ---------------

KINDS = [
    "founded",
    "registration_applied",
    "registered",
    "annual_inspection",
    "graded",
    "listed",
    "delisted",
    "deregistered",
    "revoked",
]
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2015, 12, 31))
events = st.builds(
    EventFact,
    kind=st.sampled_from(KINDS),
    date=dates,
    inspection_year=st.integers(min_value=1999, max_value=2015),
    inspection_result=st.sampled_from(["passed", "basically_passed", "failed"]),
    grade=st.sampled_from(["1A", "2A", "3A", "4A", "5A"]),
    credit_list=st.sampled_from(["", "abnormal", "serious_violation"]),
)
ALL_RULES = [
    RuleSpec("not_registered"),
    RuleSpec("inspection_failed"),
    RuleSpec("on_credit_list"),
    RuleSpec("grade_below_minimum", grade="3A"),
    RuleSpec("service_field_missing", service_field="youth"),
    RuleSpec("barred_by_evaluation"),
]


@given(
    before=st.lists(events, max_size=12),
    after=st.lists(events, min_size=1, max_size=6),
    failed=st.lists(dates, max_size=3),
    later_failed=st.lists(dates, max_size=3),
    on=st.dates(min_value=D(2003, 1, 1), max_value=D(2013, 12, 31)),
)
def test_an_event_after_the_award_date_never_changes_the_outcome(
    before, after, failed, later_failed, on
):
    # given a history up to the award date (and failing evaluations completed by then)
    known = [e for e in before if e.date <= on]
    done = [f for f in failed if f <= on]
    base = SupplierFacts(events=known, failed_evaluations=done)
    # when events and evaluations dated after it are added
    later = [
        EventFact(
            e.kind,
            on + dt.timedelta(days=1 + (e.date - D(2000, 1, 1)).days % 900),
            e.inspection_year,
            e.inspection_result,
            e.grade,
            e.credit_list,
        )
        for e in after
    ]
    more = SupplierFacts(
        events=known + later,
        failed_evaluations=done + [on + dt.timedelta(days=1 + d.day) for d in later_failed],
    )
    # then the outcome on the award date is the same
    assert eligibility_failures(ALL_RULES, more, on=on) == eligibility_failures(
        ALL_RULES, base, on=on
    )
