"""The award through the service: every rule checked as of the award date against the
registry, refusals that write nothing but the compliance record, overrides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuniu.core.models import AuditRecord
from shuniu.procurement.models import (
    Award,
    Bid,
    EvaluationGrade,
    EvaluationStatus,
    Purchase,
    RefusedAttempt,
    StatusChange,
)
from shuniu.procurement.selectors import purchase_flags
from shuniu.procurement.services import award_create, purchase_status_set
from tests.factories_procurement import EvaluationFactory, contracted_purchase
from tests.factories_procurement_buy import buyer, event, purchase, supplier

AWARD_DAY = dt.date(2010, 5, 1)


@pytest.fixture
def officer(make_officer):
    return make_officer("dc_officer", "110101")


@pytest.fixture
def bought(officer):
    return purchase(officer, buyer("110101", "东城区社会工作委员会"))


def domain():
    return (
        Award.objects.count(),
        Bid.objects.count(),
        StatusChange.objects.count(),
        AuditRecord.objects.filter(object_type__startswith="procurement").count(),
        list(Purchase.objects.values_list("status", "version")),
    )


def award(officer, bought, org, **kwargs):
    values = {"amount": Decimal("480000"), "awarded_on": AWARD_DAY}
    values.update(kwargs)
    return award_create(actor=officer, purchase=bought, supplier=org, **values)


def test_an_eligible_supplier_is_awarded(officer, bought):
    # given an agency registered in 2005 whose 2009 inspection passed
    org = supplier(name="东城助人社工事务所")
    other = supplier(name="东城另一社工事务所")
    # when the officer awards the purchase to it, with two bids
    made = award(
        officer,
        bought,
        org,
        bids=[
            {"bidder": org, "amount": Decimal("480000"), "submitted_on": dt.date(2010, 4, 20)},
            {"bidder": other, "amount": Decimal("495000.50")},
        ],
    )
    # then the purchase is awarded on that date, the bids kept, the award audited
    bought.refresh_from_db()
    assert (bought.status, bought.version) == ("awarded", 2)
    assert list(bought.status_changes.values_list("status", "date")) == [
        ("planning", dt.date(2010, 3, 1)),
        ("awarded", AWARD_DAY),
    ]
    assert (made.amount, made.overridden_rules, made.override_reason) == (
        Decimal("480000.00"),
        [],
        "",
    )
    assert list(Bid.objects.values_list("bidder__name", "amount")) == [
        ("东城助人社工事务所", Decimal("480000.00")),
        ("东城另一社工事务所", Decimal("495000.50")),
    ]
    assert AuditRecord.objects.get(action="award.create").actor_label == "dc_officer"
    assert RefusedAttempt.objects.count() == 0


def test_a_supplier_that_failed_last_years_inspection_is_refused(officer, bought):
    # given an agency whose 2009 inspection failed
    org = supplier(inspections={2009: "failed"})
    before = domain()
    # when the officer tries to award
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, org)
    # then one message per failed rule, with its code, naming the fact
    errors = raised.value.error_dict["supplier"]
    assert [(e.code, e.message) for e in errors] == [
        ("inspection_failed", "2009 annual inspection: failed.")
    ]
    # and nothing was written but the refusal kept for compliance
    assert domain() == before
    attempt = RefusedAttempt.objects.get()
    assert (attempt.code, attempt.detail, attempt.actor_label) == (
        "ineligible_award",
        {"supplier": org.pk, "awarded_on": "2010-05-01", "failed": ["inspection_failed"]},
        "dc_officer",
    )


def test_every_failed_rule_is_named(officer, make_officer):
    # given a purchase with every rule, and a supplier failing each
    bought = purchase(
        officer,
        buyer("110101"),
        rules=[
            {"code": "not_registered"},
            {"code": "inspection_failed"},
            {"code": "on_credit_list"},
            {"code": "grade_below_minimum", "grade": "3A"},
            {"code": "service_field_missing", "service_field": "youth"},
            {"code": "barred_by_evaluation"},
        ],
    )
    org = supplier(inspections={2009: "failed"}, service_fields=["elderly"])
    event(org, "graded", dt.date(2008, 6, 1), grade="2A")
    event(org, "listed", dt.date(2010, 1, 5), credit_list="abnormal")
    event(org, "deregistered", dt.date(2010, 2, 1))
    contract = contracted_purchase(region="110101", buyer=bought.buyer, supplier=org)
    EvaluationFactory(
        contract=contract,
        status=EvaluationStatus.COMPLETED,
        completed_on=dt.date(2009, 12, 1),
        grade=EvaluationGrade.FAIL,
    )
    # when awarded
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, org)
    # then six codes, in the rules' order
    assert [e.code for e in raised.value.error_dict["supplier"]] == [
        "not_registered",
        "inspection_failed",
        "on_credit_list",
        "grade_below_minimum",
        "service_field_missing",
        "barred_by_evaluation",
    ]


def test_an_event_recorded_after_the_award_date_does_not_count(officer, bought):
    # given an agency deregistered the day after the award date
    org = supplier()
    event(org, "deregistered", AWARD_DAY + dt.timedelta(days=1))
    # then it is still eligible on the award date
    assert award(officer, bought, org).supplier == org


def test_an_override_with_a_reason_awards_and_flags(officer, bought):
    org = supplier(inspections={2009: "failed"})
    made = award(officer, bought, org, override_reason="  唯一具备资质的机构，经领导小组同意  ")
    assert made.override_reason == "唯一具备资质的机构，经领导小组同意"
    assert made.overridden_rules == ["inspection_failed"]
    record = AuditRecord.objects.get(action="award.override")
    assert record.after["failed"] == [
        {"code": "inspection_failed", "message": "2009 annual inspection: failed."}
    ]
    assert [f.code for f in purchase_flags(Purchase.objects.get(pk=bought.pk))] == [
        "award_override"
    ]


def test_a_blank_override_reason_is_no_override(officer, bought):
    org = supplier(inspections={2009: "failed"})
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, org, override_reason="   ")
    assert list(raised.value.message_dict) == ["supplier"]


def test_an_override_of_nothing_is_refused(officer, bought):
    before = domain()
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, supplier(), override_reason="以防万一")
    assert raised.value.message_dict == {
        "override_reason": ["Nothing to override: the supplier meets every rule on 2010-05-01."]
    }
    assert domain() == before
    assert RefusedAttempt.objects.count() == 0


def test_an_award_over_budget_is_made_and_flagged(officer, bought):
    award(officer, bought, supplier(), amount=Decimal("500000.01"))
    assert [f.code for f in purchase_flags(Purchase.objects.get(pk=bought.pk))] == [
        "award_over_budget"
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("0.001")}, "amount"),
        ({"awarded_on": dt.date(2010, 2, 28)}, "awarded_on"),
        ({"awarded_on": dt.date(2101, 1, 1)}, "awarded_on"),
        ({"override_reason": "a\x00b"}, "override_reason"),
    ],
)
def test_bad_award_input_names_the_field_and_writes_nothing(officer, bought, change, field):
    org = supplier()
    before = domain()
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, org, **change)
    assert list(raised.value.message_dict) == [field]
    assert domain() == before
    assert RefusedAttempt.objects.count() == 0


def test_two_bids_by_one_bidder_are_refused(officer, bought):
    org = supplier()
    with pytest.raises(ValidationError) as raised:
        award(
            officer,
            bought,
            org,
            bids=[{"bidder": org, "amount": Decimal(1)}, {"bidder": org, "amount": Decimal(2)}],
        )
    assert list(raised.value.message_dict) == ["bids"]
    assert Award.objects.count() == 0


def test_an_awarded_or_cancelled_purchase_cannot_be_awarded(officer, bought):
    org = supplier()
    award(officer, bought, org)
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, org)
    assert list(raised.value.message_dict) == ["status"]
    other = purchase(officer, bought.buyer)
    purchase_status_set(
        actor=officer, purchase=other, status="cancelled", date=dt.date(2010, 4, 1), version=1
    )
    with pytest.raises(ValidationError):
        award(officer, other, org)


def test_the_award_date_follows_the_timeline(officer, bought):
    purchase_status_set(
        actor=officer, purchase=bought, status="tendering", date=dt.date(2010, 5, 10), version=1
    )
    with pytest.raises(ValidationError) as raised:
        award(officer, bought, supplier())
    assert raised.value.message_dict == {
        "awarded_on": ["The date must not be before the last status change (2010-05-10)."]
    }


def test_an_officer_of_another_district_is_refused_and_nothing_is_kept(make_officer, bought):
    org = supplier(inspections={2009: "failed"})
    before = domain()
    with pytest.raises(PermissionDenied):
        award(make_officer("xc", "110102"), bought, org)
    assert domain() == before
    # a caller who was not allowed to try leaves no compliance record either
    assert RefusedAttempt.objects.count() == 0


@pytest.mark.parametrize(
    ("completed_on", "barred"),
    [
        (dt.date(2010, 5, 1), False),  # F = award date: not after F
        (dt.date(2010, 4, 30), True),  # F + 1 day
        (dt.date(2009, 5, 2), True),  # F + 1 year - 1 day
        (dt.date(2009, 5, 1), False),  # F + 1 year
    ],
)
def test_barred_by_a_failing_final_evaluation_of_the_same_buyer(
    officer, bought, completed_on, barred
):
    org = supplier()
    contract = contracted_purchase(
        region="110101", buyer=bought.buyer, supplier=org, awarded_on=dt.date(2008, 5, 1)
    )
    EvaluationFactory(
        contract=contract,
        status=EvaluationStatus.COMPLETED,
        completed_on=completed_on,
        grade=EvaluationGrade.FAIL,
    )
    if barred:
        with pytest.raises(ValidationError) as raised:
            award(officer, bought, org)
        assert [e.code for e in raised.value.error_dict["supplier"]] == ["barred_by_evaluation"]
    else:
        assert award(officer, bought, org).supplier == org


def test_a_fail_from_another_buyer_or_a_midterm_does_not_bar(officer, bought):
    org = supplier()
    elsewhere = contracted_purchase(region="110101", buyer=buyer("110101"), supplier=org)
    EvaluationFactory(
        contract=elsewhere,
        status=EvaluationStatus.COMPLETED,
        completed_on=dt.date(2010, 1, 1),
        grade=EvaluationGrade.FAIL,
    )
    same = contracted_purchase(region="110101", buyer=bought.buyer, supplier=org)
    EvaluationFactory(
        contract=same,
        stage="midterm",
        status=EvaluationStatus.COMPLETED,
        completed_on=dt.date(2010, 1, 1),
        grade=EvaluationGrade.FAIL,
    )
    assert award(officer, bought, org).supplier == org
