"""Factories for purchasing rows, written straight to the tables (no services): for tests of
the figures, the open-data export and the pages that need purchases in a given state. Tests
of the services themselves build their purchases through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory

from shuniu.divisions.models import Division
from shuniu.procurement.models import (
    DEFAULT_RULES,
    Award,
    Contract,
    Deliverable,
    EligibilityRule,
    Evaluation,
    EvaluationScheme,
    Indicator,
    Kind,
    Method,
    OutputBand,
    OutputKind,
    Payment,
    Post,
    PostAssignment,
    Purchase,
    ServiceReport,
    Stage,
    Status,
    StatusChange,
)
from tests.factories import make_organization

_ocids = itertools.count(1)


def government(division: str = "110102", name: str | None = None) -> object:
    """A buyer: a government unit registered with ``division``."""
    return make_organization(
        name=name or f"{division}社会工作委员会{next(_ocids)}",
        kind="government",
        division=division,
        legal_form="government",
        with_uscc=False,
    )


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase
        skip_postgeneration_save = True

    ocid = factory.LazyFunction(lambda: f"ocds-test00-{next(_ocids):06d}")
    buyer = factory.LazyFunction(government)
    region = factory.LazyAttribute(lambda o: Division.objects.get(code="110102"))
    kind = Kind.SERVICE
    title = factory.Sequence(lambda n: f"社区服务项目{n}")
    budget = Decimal("500000.00")
    method = Method.OPEN
    status = Status.PLANNING
    planned_on = dt.date(2010, 3, 1)

    @factory.post_generation
    def timeline(obj, create, extracted, **kwargs):
        """The planning row of the timeline and the default eligibility rules."""
        if not create:
            return
        StatusChange.objects.create(purchase=obj, status=Status.PLANNING, date=obj.planned_on)
        EligibilityRule.objects.bulk_create(
            EligibilityRule(purchase=obj, code=code) for code in DEFAULT_RULES
        )


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    purchase = factory.SubFactory(PurchaseFactory, status=Status.AWARDED)
    supplier = factory.LazyFunction(lambda: make_organization(division="110102"))
    amount = Decimal("480000.00")
    awarded_on = dt.date(2010, 5, 1)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    purchase = factory.SubFactory(PurchaseFactory, status=Status.CONTRACTED)
    signed_on = dt.date(2010, 5, 15)
    starts_on = dt.date(2010, 6, 1)
    ends_on = dt.date(2011, 5, 31)
    amount = Decimal("480000.00")


def contracted_purchase(
    *,
    kind: str = Kind.SERVICE,
    region: str = "110102",
    buyer: object | None = None,
    supplier: object | None = None,
    amount: Decimal = Decimal("480000.00"),
    awarded_on: dt.date = dt.date(2010, 5, 1),
    starts_on: dt.date = dt.date(2010, 6, 1),
    ends_on: dt.date = dt.date(2011, 5, 31),
    status: str = Status.IN_DELIVERY,
    method: str = Method.OPEN,
) -> Contract:
    """A purchase awarded and contracted, with its timeline; returns the contract."""
    purchase = PurchaseFactory(
        kind=kind,
        region=Division.objects.get(code=region),
        buyer=buyer or government(region),
        status=status,
        method=method,
        budget=amount,
        planned_on=awarded_on - dt.timedelta(days=60),
    )
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                purchase=purchase, status=Status.TENDERING, date=awarded_on - dt.timedelta(days=30)
            ),
            StatusChange(purchase=purchase, status=Status.AWARDED, date=awarded_on),
            StatusChange(
                purchase=purchase, status=Status.CONTRACTED, date=starts_on - dt.timedelta(days=7)
            ),
        ]
    )
    AwardFactory(
        purchase=purchase,
        supplier=supplier or make_organization(division=region),
        amount=amount,
        awarded_on=awarded_on,
    )
    return ContractFactory(
        purchase=purchase,
        signed_on=starts_on - dt.timedelta(days=7),
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
    )


class DeliverableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliverable

    contract = factory.SubFactory(ContractFactory)
    kind = OutputKind.SERVICE_HOURS
    description = factory.Sequence(lambda n: f"服务时数{n}")
    planned = Decimal("1000")
    due_on = dt.date(2010, 12, 31)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    contract = factory.SubFactory(ContractFactory)
    deliverable = factory.LazyAttribute(lambda o: DeliverableFactory(contract=o.contract))
    amount = Decimal("240000.00")


class ServiceReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceReport

    contract = factory.SubFactory(ContractFactory)
    period_start = dt.date(2010, 6, 1)
    period_end = dt.date(2010, 11, 30)
    submitted_on = dt.date(2010, 12, 5)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    contract = factory.SubFactory(ContractFactory, purchase__kind=Kind.POST)
    title = "社区社工岗位"
    count = 10
    required_level = 1
    monthly_salary = Decimal("3000.00")


class PostAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostAssignment

    post = factory.SubFactory(PostFactory)
    starts_on = dt.date(2010, 7, 1)


def scheme(code: str = "test-scheme") -> EvaluationScheme:
    """A small scheme: outputs 40 (from reports), satisfaction 30, management 30; excellent
    from 90, good from 80, pass from 60; the issue's four output bands."""
    made = EvaluationScheme.objects.create(
        code=code,
        name="测试评估指标",
        name_en="Test scheme",
        excellent_from=Decimal(90),
        good_from=Decimal(80),
        pass_from=Decimal(60),
    )
    Indicator.objects.create(
        scheme=made, code="outputs", name="产出", max_score=Decimal(40), is_output=True, position=1
    )
    Indicator.objects.create(
        scheme=made, code="satisfaction", name="满意度", max_score=Decimal(30), position=2
    )
    Indicator.objects.create(
        scheme=made, code="management", name="管理", max_score=Decimal(30), position=3
    )
    OutputBand.objects.bulk_create(
        [
            OutputBand(scheme=made, from_ratio=Decimal("1"), fraction=Decimal("1")),
            OutputBand(scheme=made, from_ratio=Decimal("0.8"), fraction=Decimal("0.6667")),
            OutputBand(scheme=made, from_ratio=Decimal("0.6"), fraction=Decimal("0.3333")),
            OutputBand(scheme=made, from_ratio=Decimal("0"), fraction=Decimal("0")),
        ]
    )
    return made


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    contract = factory.SubFactory(ContractFactory)
    evaluator = factory.LazyFunction(
        lambda: make_organization(kind="evaluation", division="110102")
    )
    scheme = factory.LazyFunction(
        lambda: EvaluationScheme.objects.filter(code="test-scheme").first() or scheme()
    )
    stage = Stage.FINAL
    assigned_on = dt.date(2011, 5, 1)
