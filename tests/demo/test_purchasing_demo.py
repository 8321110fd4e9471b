"""The demo's purchasing: its figures, its OCDS output, the bar after a failing evaluation,
the override, and the posts filled by certified people of the workforce demo.

The demo is loaded once for the tests that read it, inside a transaction rolled back afterwards
(``demo`` in tests/demo/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.models import AuditRecord
from shuniu.demo.purchasing.plan import PURCHASES, SYNTHETIC_SOURCE
from shuniu.interop.ocds import record_package, release_package
from shuniu.procurement.figures import purchasing_stats
from shuniu.procurement.models import (
    AttemptCode,
    Evaluation,
    EvaluationStatus,
    Kind,
    Purchase,
    RefusedAttempt,
    Stage,
    Status,
)
from shuniu.procurement.selectors import FlagCode, purchase_flags
from shuniu.procurement.services import award_check
from shuniu.registry.models import Organization
from tests.interop.test_ocds import PUBLISHED, _fresh, assert_valid

d = dt.date
SHENZHEN, BEIJING = "440300", "110000"
# Division codes within each city (the city itself and its districts).
PREFIX = {SHENZHEN: "4403", BEIJING: "11"}


@pytest.fixture
def loaded(demo, db):
    return demo.summary


def purchase(title: str) -> Purchase:
    return Purchase.objects.get(title=title)


def org(name: str) -> Organization:
    return Organization.objects.get(name=name)


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def test_shenzhen_end_2007_has_the_31_posts_bought_from_pengxing(loaded):
    # when
    stats = purchasing_stats(region_code=SHENZHEN, as_of=d(2007, 12, 31))
    # then: one post purchase, single source, nothing paid yet (the first payment is 2008's)
    assert stats.purchases == {"service": 0, "post": 1}
    assert (stats.contracted_amount, stats.paid_amount) == (Decimal("1860000.00"), Decimal("0.00"))
    # nobody held a certificate before the first national exam (2008): funded, not filled
    assert (stats.posts_funded, stats.posts_filled, stats.posts_vacant) == (31, 0, 31)
    assert [(b.name, b.purchases) for b in stats.by_buyer] == [("深圳市民政局", 1)]
    assert [(s.name, s.contracted_amount, s.share) for s in stats.top_suppliers] == [
        ("深圳市鹏星社会工作服务社", Decimal("1860000.00"), Decimal("1.0000"))
    ]
    assert {m.method: m.purchases for m in stats.by_method if m.purchases} == {"single_source": 1}
    assert stats.city_level_amount == Decimal("1860000.00")
    assert stats.by_grade == {"excellent": 0, "good": 0, "pass": 0, "fail": 0}
    assert [(y.year, y.purchases) for y in stats.by_year] == [(2007, 1)]


def test_shenzhen_posts_are_filled_in_the_second_year(loaded):
    # when: the renewal's term, after the first certificates were issued (October 2008)
    stats = purchasing_stats(region_code=SHENZHEN, as_of=d(2009, 6, 30))
    # then
    assert (stats.posts_funded, stats.posts_filled, stats.posts_vacant) == (31, 31, 0)
    assert stats.by_grade == {"excellent": 0, "good": 0, "pass": 1, "fail": 0}
    assert stats.paid_amount == Decimal("1860000.00")


def test_beijing_end_2012_figures(loaded):
    # when
    stats = purchasing_stats(region_code=BEIJING, as_of=d(2012, 12, 31))
    # then
    assert stats.purchases == {"service": 6, "post": 1}
    assert stats.contracted_amount == Decimal("3210000.00")
    assert stats.paid_amount == Decimal("1740000.00")
    # the pilot's posts ended with its term (2011-09-30)
    assert (stats.posts_funded, stats.posts_filled, stats.posts_vacant) == (0, 0, 0)
    assert stats.city_level_amount == Decimal("960000.00")
    districts = [(r.code, r.purchases, r.contracted_amount) for r in stats.by_district]
    assert [row for row in districts if row[1]] == [
        ("110101", 2, Decimal("610000.00")),
        ("110102", 3, Decimal("1250000.00")),
        ("110105", 1, Decimal("390000.00")),
    ]
    assert {m.method: m.purchases for m in stats.by_method if m.purchases} == {
        "open": 3,
        "invited": 1,
        "negotiation": 2,
        "consultation": 1,
    }
    assert [(b.name, b.purchases, b.contracted_amount) for b in stats.by_buyer] == [
        ("西城区社会工作委员会", 3, Decimal("1250000.00")),
        ("北京市社会工作委员会", 1, Decimal("960000.00")),
        ("东城区社会工作委员会", 2, Decimal("610000.00")),
        ("朝阳区社会工作委员会", 1, Decimal("390000.00")),
    ]
    assert (stats.buyers_total, stats.suppliers_total) == (4, 6)
    assert [(s.name, s.purchases) for s in stats.top_suppliers[:2]] == [
        ("东城区助人社工事务所", 1),
        ("西城区益林社工事务所", 2),
    ]
    assert stats.by_grade == {"excellent": 0, "good": 1, "pass": 0, "fail": 1}
    assert [(y.year, y.purchases, y.contracted_amount) for y in stats.by_year] == [
        (2010, 3, Decimal("1740000.00")),
        (2011, 2, Decimal("730000.00")),
        (2012, 2, Decimal("740000.00")),
    ]


def test_beijing_pilot_posts_are_filled_during_its_term(loaded):
    stats = purchasing_stats(region_code=BEIJING, as_of=d(2011, 3, 31))
    assert (stats.posts_funded, stats.posts_filled, stats.posts_vacant) == (20, 20, 0)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.dates(min_value=d(2007, 1, 1), max_value=d(2013, 12, 31)))
def test_figures_count_exactly_the_plan_contracts_signed_by_the_date(loaded, day):
    # given the plan's contracts by city
    for code in (SHENZHEN, BEIJING):
        planned = [
            p
            for p in PURCHASES
            if p.contract is not None
            and p.contract.signed_on <= day
            and p.region.startswith(PREFIX[code])
        ]
        # when
        stats = purchasing_stats(region_code=code, as_of=day)
        # then: a purchase counts from its contract's signing, never before
        assert stats.purchases_total == len(planned)
        assert stats.contracted_amount == sum((p.contract.amount for p in planned), Decimal(0))
        assert stats.posts_filled <= stats.posts_funded


# ---------------------------------------------------------------------------------------
# Open data
# ---------------------------------------------------------------------------------------


def test_every_demo_purchase_is_valid_ocds(loaded):
    purchases = list(Purchase.objects.filter(synthetic=True))
    assert len(purchases) == len(PURCHASES) == 9
    for row in purchases:
        package = release_package(_fresh(row), uri="urn:demo", published=PUBLISHED)
        records = record_package([_fresh(row)], uri="urn:demo", published=PUBLISHED)
        assert_valid("release-package-schema.json", package)
        assert_valid("record-package-schema.json", records)


# ---------------------------------------------------------------------------------------
# The cycle's rules, as the services applied them
# ---------------------------------------------------------------------------------------


def test_the_failing_evaluation_bars_the_supplier_from_the_same_buyer(loaded):
    # given Dongcheng's 2010 purchase graded fail on 2011-11-20
    failed = Evaluation.objects.get(contract__purchase__title="东城区社区矫正社会工作服务项目")
    assert (failed.stage, failed.status, failed.grade) == (
        Stage.FINAL,
        EvaluationStatus.COMPLETED,
        "fail",
    )
    assert failed.completed_on == d(2011, 11, 20)
    chenyang = org("东城区晨阳社会工作服务中心")
    # then the buyer's 2012 award to it was refused, and kept as a refused attempt
    later = purchase("东城区社区矫正社会工作服务项目（2012年度）")
    attempt = RefusedAttempt.objects.get(purchase=later)
    assert attempt.code == AttemptCode.INELIGIBLE_AWARD
    assert attempt.detail["supplier"] == chenyang.pk
    assert "barred_by_evaluation" in attempt.detail["failed"]
    # and the purchase went to another agency
    assert later.award.supplier.name == "东城区安心社工服务中心"
    assert later.award.overridden is False
    # the bar lasts a year from the failing grade
    codes = [f.code for f in award_check(purchase=later, supplier=chenyang, on=d(2012, 3, 10))]
    assert "barred_by_evaluation" in codes
    codes = [f.code for f in award_check(purchase=later, supplier=chenyang, on=d(2012, 11, 21))]
    assert "barred_by_evaluation" not in codes


def test_the_override_is_flagged_with_its_reason(loaded):
    chaoyang = purchase("朝阳区残疾人康复社会工作服务项目")
    assert chaoyang.award.overridden_rules == ["grade_below_minimum"]
    assert "尚未参加社会组织等级评估" in chaoyang.award.override_reason
    assert FlagCode.AWARD_OVERRIDE in [f.code for f in purchase_flags(chaoyang)]
    assert AuditRecord.objects.filter(
        action="award.override", object_id=str(chaoyang.award.pk)
    ).exists()
    # the only override of the demo
    assert [p.title for p in Purchase.objects.exclude(award__override_reason="")] == [
        "朝阳区残疾人康复社会工作服务项目"
    ]


def test_every_other_award_passed_every_rule_on_its_date(loaded):
    for row in Purchase.objects.filter(synthetic=True).select_related("award__supplier"):
        if row.award.overridden:
            continue
        assert award_check(purchase=row, supplier=row.award.supplier, on=row.award.awarded_on) == []
        assert row.award.supplier.kind == "agency"
        assert row.buyer.kind == "government"


def test_a_full_cycle_per_kind_with_reports_payments_and_a_final_evaluation(loaded):
    for kind in (Kind.SERVICE, Kind.POST):
        complete = [
            p
            for p in Purchase.objects.filter(kind=kind, status=Status.COMPLETED)
            if p.contract.reports.filter(status="accepted").exists()
            and not p.contract.payments.filter(paid_on__isnull=True).exists()
            and p.contract.evaluations.filter(
                stage=Stage.FINAL, status=EvaluationStatus.COMPLETED, evaluator__kind="evaluation"
            ).exists()
        ]
        assert complete, kind


def test_posts_are_filled_by_people_certified_in_the_city_on_the_start_date(loaded):
    filled = {}
    for row in Purchase.objects.filter(kind=Kind.POST).order_by("planned_on"):
        for post in row.contract.posts.all():
            for assignment in post.assignments.select_related("person"):
                assert assignment.person.certificates.filter(
                    level__gte=post.required_level,
                    issued_on__lte=assignment.starts_on,
                    registered_division__code__startswith=PREFIX[row.region.code],
                ).exists()
            filled[row.title] = post.assignments.count()
    assert filled == {
        "深圳市民政局购买社会工作岗位（首批31个）": 0,
        "北京市购买社会工作岗位试点": 20,
        "深圳市民政局购买社会工作岗位（续购31个）": 31,
    }


def test_purchases_are_marked_synthetic_with_their_source(loaded):
    rows = Purchase.objects.filter(synthetic=True)
    assert rows.count() == Purchase.objects.count() == 9
    sources = {p.title: p.source for p in rows}
    assert "2007年7月深圳市民政局" in sources["深圳市民政局购买社会工作岗位（首批31个）"]
    assert "购买社会工作岗位试点" in sources["北京市购买社会工作岗位试点"]
    assert sources["深圳市民政局购买社会工作岗位（续购31个）"] == SYNTHETIC_SOURCE
    evaluators = Organization.objects.filter(kind="evaluation", synthetic=True)
    assert {o.name for o in evaluators} >= {
        "北京市博衡社会工作评估中心",
        "深圳市衡鉴社会服务评估中心",
    }


def test_reports_and_scores_are_by_the_supplier_and_evaluator_accounts(loaded):
    labels = set(
        AuditRecord.objects.filter(action="service_report.submit").values_list(
            "actor_label", flat=True
        )
    )
    assert labels == {"demo_staff"}
    labels = set(
        AuditRecord.objects.filter(action="evaluation.complete").values_list(
            "actor_label", flat=True
        )
    )
    assert labels == {"demo_evaluator"}
