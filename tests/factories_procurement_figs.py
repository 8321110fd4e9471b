"""Purchasing scenes for the figures, the export and the public pages (straight to the tables,
on top of ``tests/factories_procurement.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shuniu.procurement.models import (
    Contract,
    EvaluationGrade,
    EvaluationStatus,
    Kind,
    Method,
    OutputKind,
    Post,
    Purchase,
    Status,
    StatusChange,
)
from tests.factories import make_organization
from tests.factories_procurement import (
    DeliverableFactory,
    EvaluationFactory,
    PaymentFactory,
    PostAssignmentFactory,
    PostFactory,
    PurchaseFactory,
    contracted_purchase,
    government,
)
from tests.workforce.factories import make_certified


@dataclass
class Scene:
    service: Contract
    post: Contract
    planning: Purchase
    posts: Post


def scene() -> Scene:
    """Two contracted purchases in Beijing and one still planned:

    - 西城区 (110102) service, open tender, awarded 2010-05-01, signed 2010-05-25, ¥480,000;
      two deliverables; 240,000 paid on 2010-09-01, 240,000 not paid; a final evaluation
      completed 2011-06-10 graded good.
    - 东城区 (110101) post, single source, awarded 2011-03-01, signed 2011-03-25 (term
      2011-04-01..2013-03-31), ¥900,000; 10 posts; three people from 2011-05-01, one of whom
      left on 2012-01-01 (exclusive).
    - 西城区 service in planning (budget ¥100,000; never counted).
    """
    supplier = make_organization(name="西城社工事务所", division="110102")
    service = contracted_purchase(
        supplier=supplier,
        buyer=government("110102", name="西城区社会工作委员会"),
        amount=Decimal("480000.00"),
        awarded_on=dt.date(2010, 5, 1),
        starts_on=dt.date(2010, 6, 1),
        ends_on=dt.date(2011, 5, 31),
    )
    first = DeliverableFactory(
        contract=service,
        kind=OutputKind.PEOPLE_SERVED,
        description="服务人数",
        planned=Decimal(200),
        due_on=dt.date(2010, 8, 31),
        accepted_on=dt.date(2010, 8, 31),
    )
    second = DeliverableFactory(
        contract=service, description="服务时数", planned=Decimal(1000), due_on=dt.date(2011, 5, 31)
    )
    PaymentFactory(
        contract=service,
        deliverable=first,
        position=1,
        amount=Decimal("240000.00"),
        paid_on=dt.date(2010, 9, 1),
    )
    PaymentFactory(contract=service, deliverable=second, position=2, amount=Decimal("240000.00"))
    EvaluationFactory(
        contract=service,
        status=EvaluationStatus.COMPLETED,
        completed_on=dt.date(2011, 6, 10),
        total=Decimal("85.00"),
        grade=EvaluationGrade.GOOD,
        summary="内部评语",
    )
    post = contracted_purchase(
        kind=Kind.POST,
        region="110101",
        buyer=government("110101", name="东城区民政局"),
        supplier=make_organization(name="东城社工服务社", division="110101"),
        amount=Decimal("900000.00"),
        awarded_on=dt.date(2011, 3, 1),
        starts_on=dt.date(2011, 4, 1),
        ends_on=dt.date(2013, 3, 31),
        method=Method.SINGLE_SOURCE,
    )
    posts = PostFactory(contract=post, count=10)
    for i in range(3):
        PostAssignmentFactory(
            post=posts,
            person=make_certified(issued_on=dt.date(2010, 11, 1)),
            starts_on=dt.date(2011, 5, 1),
            ends_on=dt.date(2012, 1, 1) if i == 0 else None,
        )
    planning = PurchaseFactory(budget=Decimal("100000.00"), planned_on=dt.date(2010, 3, 1))
    return Scene(service=service, post=post, planning=planning, posts=posts)


def tendering(purchase: Purchase, on: dt.date) -> Purchase:
    StatusChange.objects.create(purchase=purchase, status=Status.TENDERING, date=on)
    purchase.status = Status.TENDERING
    purchase.save(update_fields=["status"])
    return purchase
