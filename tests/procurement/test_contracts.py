"""Signing and terminating a contract: the term, amount, deliverables and staged payments,
each refusal naming its field (with the list index) and writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Contract, Deliverable, Payment, Status, StatusChange
from shuniu.procurement.services import contract_sign, contract_terminate
from shuniu.procurement.services._delivery_shared import MAX_MONEY, decimal_of
from tests.factories_procurement_deliver import (
    TWO_DELIVERABLES,
    TWO_PAYMENTS,
    awarded_purchase,
    buyer_officer,
    other_officer,
    signed,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _sign(actor, purchase, **changes):
    arguments = {
        "actor": actor,
        "purchase": purchase,
        "signed_on": dt.date(2010, 5, 15),
        "starts_on": dt.date(2010, 6, 1),
        "ends_on": dt.date(2011, 5, 31),
        "amount": Decimal("480000.00"),
        "deliverables": TWO_DELIVERABLES,
        "payments": TWO_PAYMENTS,
    }
    arguments.update(changes)
    return contract_sign(**arguments)


def _rows() -> tuple[int, int, int, int, int]:
    return (
        Contract.objects.count(),
        Deliverable.objects.count(),
        Payment.objects.count(),
        StatusChange.objects.count(),
        AuditRecord.objects.count(),
    )


def test_signing_writes_the_contract_its_deliverables_and_payments(db):
    # given an awarded purchase and an officer of the buyer's district
    officer = buyer_officer()
    # when the officer signs its contract
    contract = signed(officer)
    # then the contract, its deliverables and payments are stored in order
    assert (contract.amount, contract.number) == (Decimal("480000.00"), "XC-2010-01")
    deliverables = list(contract.deliverables.order_by("position"))
    assert [(d.kind, d.planned, d.due_on) for d in deliverables] == [
        ("service_hours", Decimal("1000.00"), dt.date(2010, 12, 31)),
        ("outcome", None, dt.date(2011, 5, 31)),
    ]
    assert [
        (p.position, p.deliverable_id, p.amount, p.due_on)
        for p in contract.payments.order_by("position")
    ] == [
        (0, deliverables[0].pk, Decimal("240000.00"), None),
        (1, deliverables[1].pk, Decimal("240000.00"), dt.date(2011, 6, 30)),
    ]
    # and the purchase is contracted on the signing date, audited
    purchase = contract.purchase
    purchase.refresh_from_db()
    assert purchase.status == Status.CONTRACTED
    assert purchase.status_changes.order_by("-id").first().date == dt.date(2010, 5, 15)
    assert set(AuditRecord.objects.filter(actor=officer).values_list("action", flat=True)) == {
        "contract.sign",
        "purchase.status",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {
                "deliverables": [
                    TWO_DELIVERABLES[0],
                    {"kind": "sessions", "description": "小组", "due_on": dt.date(2010, 9, 1)},
                ]
            },
            "deliverables[1].planned",
            "Give the planned quantity of this output (greater than 0).",
        ),
        (
            {
                "deliverables": [
                    {**TWO_DELIVERABLES[0], "planned": "0"},
                    TWO_DELIVERABLES[1],
                ]
            },
            "deliverables[0].planned",
            "Enter an amount greater than 0 with at most 2 decimal places.",
        ),
        (
            {"deliverables": [TWO_DELIVERABLES[0], {**TWO_DELIVERABLES[1], "planned": "3"}]},
            "deliverables[1].planned",
            "An outcome is described in words; leave the planned quantity out.",
        ),
        (
            {
                "deliverables": [
                    {**TWO_DELIVERABLES[0], "due_on": dt.date(2011, 6, 1)},
                    TWO_DELIVERABLES[1],
                ]
            },
            "deliverables[0].due_on",
            "The due date lies within the contract's term (2010-06-01 to 2011-05-31).",
        ),
        (
            {"payments": [TWO_PAYMENTS[0], {**TWO_PAYMENTS[1], "amount": "230000.00"}]},
            "payments",
            "The payments add up to 470000.00; they must add up to the contract amount 480000.00.",
        ),
        (
            {"payments": [TWO_PAYMENTS[0], {**TWO_PAYMENTS[1], "deliverable": 2}]},
            "payments[1].deliverable",
            "There is no deliverable at position 2 (the list has 2).",
        ),
        (
            {"amount": Decimal("480000.01")},
            "amount",
            "The contract amount may not exceed the awarded amount (480000.00).",
        ),
        (
            {"signed_on": dt.date(2010, 4, 30)},
            "signed_on",
            "A contract is signed on or after the award date (2010-05-01).",
        ),
        ({"deliverables": []}, "deliverables", "A contract has at least one deliverable."),
        (
            {"ends_on": dt.date(2010, 5, 31)},
            "ends_on",
            "The term ends on or after the day it starts.",
        ),
    ],
)
def test_a_bad_contract_names_the_field_and_writes_nothing(db, changes, field, message):
    # given an awarded purchase
    officer = buyer_officer()
    purchase = awarded_purchase()
    before = _rows()
    # when a contract with one bad value is signed
    with pytest.raises(ValidationError) as caught:
        _sign(officer, purchase, **changes)
    # then the refusal names the field, and nothing is written
    assert message in caught.value.message_dict[field]
    assert _rows() == before
    purchase.refresh_from_db()
    assert purchase.status == Status.AWARDED


def test_the_contract_amount_may_be_below_the_award(db):
    # given an award of 480,000 when a contract of 400,000 in one payment is signed
    contract = _sign(
        buyer_officer(),
        awarded_purchase(),
        amount=Decimal("400000.00"),
        payments=[{"amount": "400000.00", "deliverable": 1}],
    )
    # then it is stored
    assert contract.amount == Decimal("400000.00")


def test_only_an_awarded_purchase_is_contracted(db):
    # given a purchase contracted already
    officer = buyer_officer()
    contract = signed(officer)
    before = _rows()
    # when it is signed again
    with pytest.raises(ValidationError) as caught:
        _sign(officer, contract.purchase)
    # then it is refused
    assert caught.value.message_dict["status"] == [
        "Only an awarded purchase can be contracted (this one is contracted)."
    ]
    assert _rows() == before


def test_an_officer_of_another_district_may_not_sign(db):
    purchase = awarded_purchase()
    before = _rows()
    with pytest.raises(PermissionDenied):
        _sign(other_officer(), purchase)
    assert _rows() == before


def test_terminating_ends_the_contract_and_the_purchase(db):
    # given a signed contract
    officer = buyer_officer()
    contract = signed(officer)
    # when it is terminated on 2010-12-01
    done = contract_terminate(
        actor=officer, contract=contract, date=dt.date(2010, 12, 1), reason="机构停业", version=1
    )
    # then the contract and its purchase say so, with the reason on the timeline
    assert (done.terminated_on, done.version) == (dt.date(2010, 12, 1), 2)
    change = contract.purchase.status_changes.order_by("-id").first()
    assert (change.status, change.date, change.note) == (
        "terminated",
        dt.date(2010, 12, 1),
        "机构停业",
    )


def test_terminating_needs_a_reason_and_a_date_in_the_term(db):
    officer = buyer_officer()
    contract = signed(officer)
    before = _rows()
    with pytest.raises(ValidationError) as caught:
        contract_terminate(
            actor=officer, contract=contract, date=dt.date(2011, 6, 1), reason=" ", version=1
        )
    assert caught.value.message_dict == {
        "date": [
            "A contract is terminated between its signing (2010-05-15) and its end (2011-05-31)."
        ],
        "reason": ["This value is required."],
    }
    assert _rows() == before


@given(
    raw=st.one_of(
        st.text(max_size=30),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
    )
)
def test_any_amount_is_a_cent_amount_in_range_or_an_error_naming_the_field(raw):
    # given any value where an amount is expected
    errors: dict[str, list[str]] = {}
    # when it is read
    value = decimal_of(raw, field="amount", errors=errors, maximum=MAX_MONEY, positive=True)
    # then it is an amount of whole cents in range, or an error naming the field, never both
    if value is None:
        assert list(errors) == ["amount"]
    else:
        assert errors == {}
        assert Decimal(0) < value <= MAX_MONEY
        assert value == value.quantize(Decimal("0.01"))
