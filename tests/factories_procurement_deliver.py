"""Test data of the delivery step (contracts, payments, reports, posts): an awarded purchase
written to the tables, its contract signed through the service, and the people on each side."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.divisions.models import Division
from shuniu.procurement.models import Contract, Kind, Purchase, Status, StatusChange
from shuniu.procurement.services import contract_sign
from tests.factories import make_organization
from tests.factories_procurement import AwardFactory, PurchaseFactory, government


def awarded_purchase(
    *, kind: str = Kind.SERVICE, amount: Decimal = Decimal("480000.00")
) -> Purchase:
    """A purchase by a 西城区 (110102) buyer awarded on 2010-05-01 to a 110102 agency."""
    purchase = PurchaseFactory(
        kind=kind, status=Status.AWARDED, buyer=government("110102"), planned_on=dt.date(2010, 3, 1)
    )
    StatusChange.objects.create(purchase=purchase, status=Status.AWARDED, date=dt.date(2010, 5, 1))
    AwardFactory(
        purchase=purchase,
        supplier=make_organization(division="110102"),
        amount=amount,
        awarded_on=dt.date(2010, 5, 1),
    )
    return Purchase.objects.get(pk=purchase.pk)


TWO_DELIVERABLES = [
    {
        "kind": "service_hours",
        "description": "服务时数",
        "planned": "1000",
        "due_on": dt.date(2010, 12, 31),
    },
    {"kind": "outcome", "description": "建立社区互助网络", "due_on": dt.date(2011, 5, 31)},
]
TWO_PAYMENTS = [
    {"amount": "240000.00", "deliverable": 0},
    {"amount": "240000.00", "deliverable": 1, "due_on": dt.date(2011, 6, 30)},
]


def signed(actor: User, *, kind: str = Kind.SERVICE, purchase: Purchase | None = None) -> Contract:
    """The contract of an awarded purchase signed on 2010-05-15 for 2010-06-01..2011-05-31,
    ¥480,000 in two payments, one per deliverable (1000 service hours; an outcome)."""
    return contract_sign(
        actor=actor,
        purchase=purchase or awarded_purchase(kind=kind),
        signed_on=dt.date(2010, 5, 15),
        starts_on=dt.date(2010, 6, 1),
        ends_on=dt.date(2011, 5, 31),
        amount=Decimal("480000.00"),
        number="XC-2010-01",
        deliverables=TWO_DELIVERABLES,
        payments=TWO_PAYMENTS,
    )


def buyer_officer(username: str = "xc_buyer") -> User:
    user = get_user_model().objects.create_user(username, password="pw-officer-123!")
    RoleAssignment.objects.create(
        user=user, role=Role.OFFICER, division=Division.objects.get(code="110102")
    )
    return user


def other_officer(username: str = "cy_officer") -> User:
    user = get_user_model().objects.create_user(username, password="pw-officer-123!")
    RoleAssignment.objects.create(
        user=user, role=Role.OFFICER, division=Division.objects.get(code="110105")
    )
    return user


def staff_of(organization: object, username: str) -> User:
    user = get_user_model().objects.create_user(username, password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=organization)
    return user
