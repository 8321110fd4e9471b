"""Payments are released only once their deliverable is accepted, on or before the payment
date; a refusal changes nothing and is kept for compliance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import PermissionDenied, StaleVersion, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Payment, RefusedAttempt
from shuniu.procurement.services import payment_release, report_accept, report_submit
from tests.factories_procurement_deliver import buyer_officer, other_officer, signed, staff_of


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    officer = buyer_officer()
    contract = signed(officer)
    staff = staff_of(contract.purchase.award.supplier, "supplier_staff")
    first, second = contract.payments.order_by("position")
    return {
        "officer": officer,
        "contract": contract,
        "staff": staff,
        "first": first,
        "second": second,
    }


def _accept_first(world, on: dt.date) -> None:
    deliverable = world["first"].deliverable
    report = report_submit(
        actor=world["staff"],
        contract=world["contract"],
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 11, 30),
        submitted_on=dt.date(2010, 12, 1),
        lines=[{"deliverable": deliverable.pk, "actual": "1000"}],
    )
    report_accept(actor=world["officer"], report=report, decided_on=on, version=1)


def test_a_payment_before_acceptance_is_refused_and_kept(world):
    # given a payment whose deliverable is not accepted
    payment = world["first"]
    audit = AuditRecord.objects.count()
    # when the officer releases it
    with pytest.raises(ValidationError) as caught:
        payment_release(
            actor=world["officer"], payment=payment, paid_on=dt.date(2010, 12, 20), version=1
        )
    # then it is refused with the code not_accepted, and the payment is unchanged
    error = caught.value.error_dict["deliverable"][0]
    assert error.code == "not_accepted"
    assert error.message == (
        "Payment 1 waits for its deliverable “服务时数” to be accepted; it is not accepted yet."
    )
    payment.refresh_from_db()
    assert (payment.paid_on, payment.version) == (None, 1)
    assert AuditRecord.objects.count() == audit
    # and the attempt is kept for compliance
    attempt = RefusedAttempt.objects.get()
    assert (attempt.code, attempt.actor, attempt.detail) == (
        "payment_before_acceptance",
        world["officer"],
        {
            "payment": payment.pk,
            "deliverable": payment.deliverable_id,
            "paid_on": "2010-12-20",
            "accepted_on": None,
        },
    )


def test_a_payment_dated_before_the_acceptance_is_refused(world):
    # given the deliverable accepted on 2010-12-15
    _accept_first(world, dt.date(2010, 12, 15))
    # when the payment is dated the day before
    with pytest.raises(ValidationError) as caught:
        payment_release(
            actor=world["officer"], payment=world["first"], paid_on=dt.date(2010, 12, 14), version=1
        )
    # then it is refused
    assert caught.value.error_dict["deliverable"][0].code == "not_accepted"
    assert Payment.objects.get(pk=world["first"].pk).paid_on is None
    assert RefusedAttempt.objects.get().detail["accepted_on"] == "2010-12-15"


def test_a_payment_on_the_day_of_acceptance_is_released(world):
    # given the deliverable accepted on 2010-12-15
    _accept_first(world, dt.date(2010, 12, 15))
    # when the payment is released the same day
    payment = payment_release(
        actor=world["officer"], payment=world["first"], paid_on=dt.date(2010, 12, 15), version=1
    )
    # then it is paid, audited, and no refusal is kept
    assert (payment.paid_on, payment.version) == (dt.date(2010, 12, 15), 2)
    assert AuditRecord.objects.filter(action="payment.release").count() == 1
    assert RefusedAttempt.objects.count() == 0
    # and the other payment, whose deliverable is not accepted, is still refused
    with pytest.raises(ValidationError):
        payment_release(
            actor=world["officer"], payment=world["second"], paid_on=dt.date(2011, 6, 1), version=1
        )


def test_a_payment_is_released_once(world):
    _accept_first(world, dt.date(2010, 12, 15))
    payment_release(
        actor=world["officer"], payment=world["first"], paid_on=dt.date(2010, 12, 20), version=1
    )
    with pytest.raises(ValidationError) as caught:
        payment_release(
            actor=world["officer"],
            payment=world["first"],
            paid_on=dt.date(2010, 12, 21),
            version=None,
        )
    assert caught.value.message_dict == {
        "paid_on": ["This payment was already released on 2010-12-20."]
    }
    assert Payment.objects.get(pk=world["first"].pk).paid_on == dt.date(2010, 12, 20)


def test_a_stale_version_is_refused(world):
    _accept_first(world, dt.date(2010, 12, 15))
    with pytest.raises(StaleVersion):
        payment_release(
            actor=world["officer"], payment=world["first"], paid_on=dt.date(2010, 12, 20), version=7
        )
    assert Payment.objects.get(pk=world["first"].pk).paid_on is None


@pytest.mark.parametrize("who", ["other_officer", "staff"])
def test_only_the_buyer_side_releases_and_no_attempt_is_kept_for_others(world, who):
    # given someone not on the buyer's side
    actor = other_officer() if who == "other_officer" else world["staff"]
    # when they try to release a payment
    with pytest.raises(PermissionDenied):
        payment_release(
            actor=actor, payment=world["first"], paid_on=dt.date(2010, 12, 20), version=1
        )
    # then nothing changes and nothing is kept (they were not allowed to try)
    assert Payment.objects.get(pk=world["first"].pk).paid_on is None
    assert RefusedAttempt.objects.count() == 0


class _Undo(Exception):
    pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    accepted_after=st.integers(0, 400),
    paid_after=st.integers(0, 400),
)
def test_a_payment_is_released_exactly_when_its_deliverable_was_accepted_by_then(
    world, accepted_after, paid_after
):
    # given the deliverable accepted some days after 2010-12-01, and a payment date
    accepted_on = dt.date(2010, 12, 1) + dt.timedelta(days=accepted_after)
    paid_on = dt.date(2010, 12, 1) + dt.timedelta(days=paid_after)
    try:
        with transaction.atomic():
            _accept_first(world, accepted_on)
            # when the payment is released
            code = "released"
            try:
                payment_release(
                    actor=world["officer"], payment=world["first"], paid_on=paid_on, version=1
                )
            except ValidationError as exc:
                code = exc.error_dict["deliverable"][0].code
            released = code == "released"
            # then it is released if and only if the acceptance came on or before the date,
            # else refused as not accepted
            assert code == ("released" if accepted_on <= paid_on else "not_accepted")
            stored = Payment.objects.get(pk=world["first"].pk).paid_on
            assert stored == (paid_on if released else None)
            raise _Undo
    except _Undo:
        pass
