"""Helpers for the tests of purchases and awards: suppliers with a registry history, buyers,
officers, and purchases made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from shuniu.divisions.models import Division
from shuniu.procurement.services import purchase_create
from shuniu.registry.services import organization_event_add
from tests.factories import make_organization
from tests.factories_procurement import government


def registry_admin() -> Any:
    User = get_user_model()
    return User.objects.filter(username="factory-admin").first() or User.objects.create_superuser(
        "factory-admin", None, "x-Pw-1234!"
    )


def event(org: Any, kind: str, date: dt.date, **details: Any) -> Any:
    return organization_event_add(
        actor=registry_admin(), organization=org, kind=kind, date=date, source="test", **details
    )


def supplier(
    *,
    name: str | None = None,
    division: str = "110101",
    registered_on: dt.date = dt.date(2005, 3, 1),
    inspections: dict[int, str] | None = None,
    **kwargs: Any,
) -> Any:
    """An agency registered on ``registered_on`` with annual inspections ``{year: result}``
    (each published on 1 April of the next year); by default 2009 passed."""
    org = make_organization(name=name, division=division, registered_on=registered_on, **kwargs)
    for year, result in (inspections if inspections is not None else {2009: "passed"}).items():
        event(
            org,
            "annual_inspection",
            dt.date(year + 1, 4, 1),
            inspection_year=year,
            inspection_result=result,
        )
    org.refresh_from_db()
    return org


def buyer(division: str = "110101", name: str | None = None) -> Any:
    return government(division, name)


def purchase(actor: Any, buyer_org: Any, **kwargs: Any) -> Any:
    """A purchase opened through the service (defaults: a service purchase in 东城区)."""
    values: dict[str, Any] = {
        "region": Division.objects.get(code=kwargs.pop("region", "110101")),
        "kind": "service",
        "title": "东城区青少年社工服务项目",
        "budget": Decimal("500000.00"),
        "method": "open",
        "planned_on": dt.date(2010, 3, 1),
    }
    values.update(kwargs)
    return purchase_create(actor=actor, buyer=buyer_org, **values)
