"""Purchasing figures as of a date (``procurement.figures.purchasing_stats``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import NotFound
from shuniu.procurement.figures import purchasing_stats
from shuniu.procurement.models import EvaluationGrade, EvaluationStatus, Kind
from tests.factories_procurement import (
    EvaluationFactory,
    PaymentFactory,
    PostAssignmentFactory,
    contracted_purchase,
)
from tests.factories_procurement_figs import scene
from tests.workforce.factories import make_certified

pytestmark = pytest.mark.django_db


def test_nothing_is_counted_before_the_first_contract_is_signed():
    # Given the scene (first contract signed 2010-05-25)
    scene()
    # When the figures are taken the day before
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2010, 5, 24))
    # Then nothing counts, not even the award of 2010-05-01 or the planned purchase
    assert figures.purchases == {"service": 0, "post": 0}
    assert figures.contracted_amount == Decimal("0.00")
    assert figures.paid_amount == Decimal("0.00")
    assert (figures.posts_funded, figures.posts_filled, figures.posts_vacant) == (0, 0, 0)
    assert figures.by_year == []
    assert figures.top_suppliers == []


def test_a_signed_contract_counts_from_its_signing_day():
    scene()
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2010, 5, 25))
    assert figures.purchases == {"service": 1, "post": 0}
    assert figures.contracted_amount == Decimal("480000.00")
    assert figures.paid_amount == Decimal("0.00")
    xicheng = next(d for d in figures.by_district if d.code == "110102")
    assert (xicheng.purchases, xicheng.contracted_amount) == (1, Decimal("480000.00"))
    assert [(s.name, s.contracted_amount, s.share) for s in figures.top_suppliers] == [
        ("西城社工事务所", Decimal("480000.00"), Decimal("1.0000"))
    ]
    assert [(b.name, b.purchases) for b in figures.by_buyer] == [("西城区社会工作委员会", 1)]


def test_a_payment_counts_from_its_paid_day_and_unpaid_ones_never():
    scene()
    before = purchasing_stats(region_code="110000", as_of=dt.date(2010, 8, 31))
    after = purchasing_stats(region_code="110000", as_of=dt.date(2010, 9, 1))
    assert before.paid_amount == Decimal("0.00")
    assert after.paid_amount == Decimal("240000.00")


def test_posts_are_funded_during_the_term_and_filled_by_running_assignments():
    scene()
    signed = purchasing_stats(region_code="110000", as_of=dt.date(2011, 3, 25))
    started = purchasing_stats(region_code="110000", as_of=dt.date(2011, 4, 1))
    filled = purchasing_stats(region_code="110000", as_of=dt.date(2011, 5, 1))
    one_left = purchasing_stats(region_code="110000", as_of=dt.date(2012, 1, 1))
    ended = purchasing_stats(region_code="110000", as_of=dt.date(2013, 4, 1))
    # The contract counts from signing; the posts only from the term's start
    assert signed.purchases == {"service": 1, "post": 1}
    assert (signed.posts_funded, signed.posts_filled) == (0, 0)
    assert (started.posts_funded, started.posts_filled, started.posts_vacant) == (10, 0, 10)
    assert (filled.posts_funded, filled.posts_filled, filled.posts_vacant) == (10, 3, 7)
    assert (one_left.posts_funded, one_left.posts_filled, one_left.posts_vacant) == (10, 2, 8)
    assert (ended.posts_funded, ended.posts_filled) == (0, 0)
    dongcheng = next(d for d in filled.by_district if d.code == "110101")
    assert (dongcheng.posts_funded, dongcheng.posts_filled) == (10, 3)


def test_a_terminated_post_contract_funds_no_posts_from_its_termination():
    s = scene()
    s.post.terminated_on = dt.date(2012, 6, 30)
    s.post.save(update_fields=["terminated_on"])
    assert purchasing_stats(region_code="110000", as_of=dt.date(2012, 6, 29)).posts_funded == 10
    after = purchasing_stats(region_code="110000", as_of=dt.date(2012, 6, 30))
    assert (after.posts_funded, after.posts_filled) == (0, 0)
    # ... and still counts as a contracted purchase
    assert after.purchases == {"service": 1, "post": 1}


def test_final_grades_count_from_their_completion_day():
    scene()
    assert purchasing_stats(region_code="110000", as_of=dt.date(2011, 6, 9)).by_grade == {
        "excellent": 0,
        "good": 0,
        "pass": 0,
        "fail": 0,
    }
    assert purchasing_stats(region_code="110000", as_of=dt.date(2011, 6, 10)).by_grade == {
        "excellent": 0,
        "good": 1,
        "pass": 0,
        "fail": 0,
    }


def test_midterm_and_unfinished_evaluations_are_not_grades():
    s = scene()
    EvaluationFactory(
        contract=s.post,
        stage="midterm",
        status=EvaluationStatus.COMPLETED,
        completed_on=dt.date(2012, 3, 1),
        total=Decimal(50),
        grade=EvaluationGrade.FAIL,
    )
    EvaluationFactory(contract=s.post, stage="final")
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2014, 1, 1))
    assert figures.by_grade == {"excellent": 0, "good": 1, "pass": 0, "fail": 0}


def test_method_year_and_region_breakdowns():
    scene()
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2014, 1, 1))
    assert figures.contracted_amount == Decimal("1380000.00")
    assert {m.method: (m.purchases, m.contracted_amount) for m in figures.by_method} == {
        "open": (1, Decimal("480000.00")),
        "invited": (0, Decimal("0.00")),
        "negotiation": (0, Decimal("0.00")),
        "consultation": (0, Decimal("0.00")),
        "single_source": (1, Decimal("900000.00")),
        "quotation": (0, Decimal("0.00")),
    }
    assert [(y.year, y.purchases, y.contracted_amount) for y in figures.by_year] == [
        (2010, 1, Decimal("480000.00")),
        (2011, 1, Decimal("900000.00")),
    ]
    assert [(s.name, s.share) for s in figures.top_suppliers] == [
        ("东城社工服务社", Decimal("0.6522")),
        ("西城社工事务所", Decimal("0.3478")),
    ]
    assert figures.suppliers_total == 2
    assert figures.city_level_amount == Decimal("0.00")
    # A district region sees its own purchases only
    xicheng = purchasing_stats(region_code="110102", as_of=dt.date(2014, 1, 1))
    assert xicheng.purchases == {"service": 1, "post": 0}
    assert [d.code for d in xicheng.by_district] == ["110102"]
    # Another city sees none
    shanghai = purchasing_stats(region_code="310000", as_of=dt.date(2014, 1, 1))
    assert shanghai.contracted_amount == Decimal("0.00")


def test_a_purchase_of_an_abolished_district_counts_in_its_successor():
    # Given a purchase delivered in 崇文区 (110103, merged into 东城区 in 2010)
    contracted_purchase(region="110103", amount=Decimal("1000.00"), awarded_on=dt.date(2009, 5, 1))
    # When the figures are taken after the merger
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2011, 1, 1))
    # Then 东城区 holds it
    dongcheng = next(d for d in figures.by_district if d.code == "110101")
    assert dongcheng.contracted_amount == Decimal("1000.00")
    assert "110103" not in [d.code for d in figures.by_district]


def test_an_unknown_region_is_not_found():
    with pytest.raises(NotFound):
        purchasing_stats(region_code="999999", as_of=dt.date(2010, 1, 1))


def test_the_figures_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    # Given many purchases with payments and posts
    scene()
    for i in range(8):
        contract = contracted_purchase(
            kind=Kind.POST if i % 2 else Kind.SERVICE, amount=Decimal(1000 + i)
        )
        PaymentFactory(contract=contract, paid_on=dt.date(2010, 9, 1), amount=Decimal(10))
    # Then the figures take the same few queries (one per aggregate, the names of the top
    # buyers and suppliers, and their counts when the lists are full)
    with django_assert_max_num_queries(12):
        purchasing_stats(region_code="110000", as_of=dt.date(2012, 1, 1))


_later = st.dates(min_value=dt.date(2012, 1, 2), max_value=dt.date(2030, 12, 31))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(signed=_later, paid=_later, assigned=_later, completed=_later)
def test_rows_dated_after_the_day_never_change_its_figures(signed, paid, assigned, completed):
    # Given the scene and its figures on 2012-01-01
    from django.db import transaction

    with transaction.atomic():
        s = scene()
        day = dt.date(2012, 1, 1)
        before = purchasing_stats(region_code="110000", as_of=day)
        # When a contract, a payment, an assignment and an evaluation dated after it are added
        later = contracted_purchase(
            kind=Kind.POST,
            amount=Decimal("5.00"),
            awarded_on=signed - dt.timedelta(days=1),
            starts_on=signed + dt.timedelta(days=7),
            ends_on=signed + dt.timedelta(days=400),
        )
        PaymentFactory(contract=s.service, paid_on=paid, amount=Decimal("7.00"))
        PostAssignmentFactory(post=s.posts, person=make_certified(), starts_on=assigned)
        EvaluationFactory(
            contract=later,
            status=EvaluationStatus.COMPLETED,
            completed_on=completed,
            total=Decimal(10),
            grade=EvaluationGrade.FAIL,
        )
        # Then the figures on the day are the same
        assert purchasing_stats(region_code="110000", as_of=day) == before
        transaction.set_rollback(True)


def test_the_top_suppliers_are_the_ten_largest_and_all_are_counted():
    # Given twelve suppliers, the largest contracts with the last ones made
    scene()
    for i in range(10):
        contracted_purchase(amount=Decimal(1000 * (i + 1)))
    # When the figures are taken
    figures = purchasing_stats(region_code="110000", as_of=dt.date(2014, 1, 1))
    # Then ten are listed, largest first (ties by id), and all twelve are counted
    assert figures.suppliers_total == 12
    assert [s.contracted_amount for s in figures.top_suppliers] == [
        Decimal("900000.00"),
        Decimal("480000.00"),
        *(Decimal(1000 * n).quantize(Decimal("0.01")) for n in range(10, 2, -1)),
    ]
    assert figures.buyers_total == 12
