"""360Giving (1.4) grants from the registry's support ledger.

A grant is a ``funds`` support with an amount: money one body gave another. Office space,
guidance, training and other support in kind have no amount to award, so they are left out
(360Giving describes money given). The support belongs to the region holding its receiver's
(current) registrar division on the as-of date and counts when it started on or before then.
Funders and recipients carry ``CN-USCI-<code>`` ids where they have a credit code. Public
fields only: the note is not exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from shuniu.divisions.selectors import division_ids_within
from shuniu.interop.opendata import Scope, org_identifier
from shuniu.interop.streaming import json_stream
from shuniu.registry.models import Organization, Support, SupportKind

CURRENCY = "CNY"
PREFIX = "360G-shuniu"
VERSION = "1.4"
CHUNK = 500


def grants_in_scope(scope: Scope) -> QuerySet[Support]:
    """The money support received in the region, started on or before the as-of date."""
    divisions = division_ids_within(region=scope.region, on=scope.as_of, index=scope.index)
    return (
        Support.objects.filter(
            kind=SupportKind.FUNDS,
            amount_yuan__isnull=False,
            starts_on__lte=scope.as_of,
            receiver__registrar_division_id__in=sorted(divisions),
        )
        .select_related("giver", "receiver", "receiver__registrar_division")
        .order_by("starts_on", "id")
    )


def _organization(org: Organization) -> dict[str, Any]:
    made: dict[str, Any] = {"id": org_identifier(org.uscc, org.pk), "name": org.name}
    if org.address:
        made["streetAddress"] = org.address
    made["addressCountry"] = "CN"
    return made


def grant(support: Support) -> dict[str, Any]:
    receiver = support.receiver
    title = f"{support.giver.name} → {receiver.name}"
    made: dict[str, Any] = {
        "id": f"{PREFIX}-support-{support.pk}",
        "title": title,
        "description": support.policy_reference or title,
        "currency": CURRENCY,
        "amountAwarded": float(support.amount_yuan or 0),
        "awardDate": support.starts_on.isoformat(),
        "recipientOrganization": [_organization(receiver)],
        "fundingOrganization": [_organization(support.giver)],
    }
    if support.ends_on:
        made["plannedDates"] = [
            {"startDate": support.starts_on.isoformat(), "endDate": support.ends_on.isoformat()}
        ]
    return made


def grants_stream(
    supports: Iterable[Support], *, scope: Scope, published: dt.datetime
) -> Iterator[str]:
    """A 360Giving package ``{"grants": [...]}`` of the support, a grant per piece."""
    head = {
        "version": VERSION,
        "title": f"Shuniu support ledger {scope.region.code} as of {scope.as_of.isoformat()}",
        "issued": published.isoformat(),
    }
    return json_stream(head, "grants", (grant(s) for s in supports))
