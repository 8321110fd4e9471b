"""Test data of the purchasing workspace pages: a Dongcheng (110101) buyer with a purchase
in planning, an eligible supplier and one whose last inspection failed, a contract signed
through the service with two deliverables and two payments, and one user on every side."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role
from shuniu.procurement.models import Contract
from shuniu.procurement.services import award_create, contract_sign
from tests.factories_procurement_buy import buyer, purchase, supplier
from tests.factories_procurement_eval import evaluation_institution, user

AWARD_DAY = dt.date(2010, 5, 1)
DELIVERABLES = [
    {
        "kind": "service_hours",
        "description": "服务时数",
        "planned": "1000",
        "due_on": dt.date(2010, 12, 31),
    },
    {"kind": "outcome", "description": "建立社区互助网络", "due_on": dt.date(2011, 5, 31)},
]
PAYMENTS = [
    {"amount": "240000.00", "deliverable": 0},
    {"amount": "240000.00", "deliverable": 1},
]


def world() -> SimpleNamespace:
    officer = user("dc-officer", Role.OFFICER, division="110101")
    gov = buyer("110101", "东城区社会工作委员会")
    good = supplier(name="东城助人社工事务所", inspections={2009: "passed", 2010: "passed"})
    failed = supplier(name="东城失检社工事务所", inspections={2009: "failed"})
    institution = evaluation_institution("北京评估中心")
    return SimpleNamespace(
        buyer=gov,
        good=good,
        failed=failed,
        institution=institution,
        purchase=purchase(officer, gov),
        officer=officer,
        other_officer=user("cy-officer", Role.OFFICER, division="110105"),
        admin=get_user_model().objects.create_superuser("pweb-admin", None, "pw-test-123!"),
        staff=user("good-staff", Role.AGENCY_STAFF, organization=good),
        other_staff=user("failed-staff", Role.AGENCY_STAFF, organization=failed),
        evaluator=user("pweb-evaluator", Role.EVALUATOR, organization=institution),
    )


def signed(w: SimpleNamespace, **kwargs: Any) -> Contract:
    """Award ``w.purchase`` to the good supplier and sign its contract (two deliverables,
    two payments of ¥240,000)."""
    award_create(
        actor=w.officer,
        purchase=w.purchase,
        supplier=w.good,
        amount=Decimal("480000"),
        awarded_on=AWARD_DAY,
    )
    w.purchase.refresh_from_db()
    return contract_sign(
        actor=w.officer,
        purchase=w.purchase,
        signed_on=dt.date(2010, 5, 15),
        starts_on=dt.date(2010, 6, 1),
        ends_on=dt.date(2011, 5, 31),
        amount=Decimal("480000"),
        deliverables=DELIVERABLES,
        payments=PAYMENTS,
        **kwargs,
    )
