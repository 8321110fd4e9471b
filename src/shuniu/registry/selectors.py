"""Reads of the registry. The registry is public: anyone may read organizations' public
fields. Scoping for non-public data (personal data, drafts) arrives with those models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.selectors import DivisionIndex, division_ids_within
from shuniu.registry.models import (
    Formation,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    ServiceField,
    Status,
)

MAX_PAGE_SIZE = 200


def organization_search(qs: QuerySet[Organization], q: str) -> QuerySet[Organization]:
    """Substring search in names, English names, addresses and credit codes.

    SQLite: the FTS5 trigram index for 3+ characters, LIKE for 1-2 (trigram MATCH needs
    three). PostgreSQL: LIKE, served by the pg_trgm GIN index.
    """
    needle = " ".join(q.split()).lower()
    if not needle:
        return qs
    if connection.vendor == "sqlite" and len(needle) >= 3:
        phrase = '"' + needle.replace('"', '""') + '"'
        return qs.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM registry_organization_fts WHERE registry_organization_fts "
                "MATCH %s",
                [phrase],
            )
        )
    return qs.filter(search_text__contains=needle)


@dataclass(frozen=True)
class OrganizationFilter:
    region: str | None = None
    kind: str | None = None
    status: str | None = None
    formation: str | None = None
    service_field: str | None = None
    q: str | None = None
    as_of: dt.date | None = None


def _check_choice(field: str, value: str | None, allowed: list[str]) -> None:
    if value and value not in allowed:
        raise ValidationError({field: f"unknown value {value!r}; one of {', '.join(allowed)}"})


def organization_list(
    *, actor: Any, filters: OrganizationFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Organization], int]:
    """One page of organizations and the total count.

    With ``as_of``, status and district are those of that date (from the periods);
    otherwise the current ones. Each returned organization carries ``status_on`` and
    ``district`` (the county-level division holding its registrar's territory then).
    """
    _check_choice("kind", filters.kind, Kind.values)
    _check_choice("status", filters.status, Status.values)
    _check_choice("formation", filters.formation, Formation.values)
    on = filters.as_of or timezone.localdate()
    index = DivisionIndex.load()
    qs = Organization.objects.all()
    if filters.as_of is not None:
        period = OrganizationPeriod.objects.filter(
            organization=OuterRef("pk"), start__lte=on
        ).filter(Q(end__isnull=True) | Q(end__gt=on))
        qs = qs.annotate(
            status_on=Subquery(period.values("status")[:1]),
            division_on=Subquery(period.values("division_id")[:1]),
            kind_on=Subquery(period.values("kind")[:1]),
        ).filter(status_on__isnull=False)
        status_field, division_field, kind_field = "status_on", "division_on", "kind_on"
    else:
        status_field, division_field, kind_field = "status", "registrar_division_id", "kind"
    if filters.region:
        region = index.by_code.get(filters.region)
        if region is None:
            raise ValidationError({"region": f"unknown division code {filters.region!r}"})
        qs = qs.filter(
            **{f"{division_field}__in": division_ids_within(region=region, on=on, index=index)}
        )
    if filters.kind:
        qs = qs.filter(**{kind_field: filters.kind})
    if filters.status:
        qs = qs.filter(**{status_field: filters.status})
    if filters.formation:
        qs = qs.filter(formation=filters.formation)
    if filters.service_field:
        if not ServiceField.objects.filter(code=filters.service_field).exists():
            raise ValidationError(
                {"service_field": f"unknown service field {filters.service_field!r}"}
            )
        qs = qs.filter(service_fields__code=filters.service_field)
    if filters.q:
        qs = organization_search(qs, filters.q)
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(
        qs.select_related("registrar_division", "hub")
        .prefetch_related("service_fields")
        .order_by("name", "id")[offset : offset + limit]
    )
    for org in page:
        if filters.as_of is None:
            org.status_on = org.status  # type: ignore[attr-defined]
            org.division_on = org.registrar_division_id  # type: ignore[attr-defined]
            org.kind_on = org.kind  # type: ignore[attr-defined]
        org.district = index.holder(org.division_on, on)  # type: ignore[attr-defined]
    return page, count


def organization_get(*, actor: Any, pk: int, as_of: dt.date | None = None) -> Organization:
    """One organization with its events, hub, members, sponsors and support."""
    try:
        org = (
            Organization.objects.select_related("registrar_division", "hub")
            .prefetch_related(
                "service_fields",
                "sponsors",
                Prefetch(
                    "events",
                    queryset=OrganizationEvent.objects.select_related(
                        "division_after", "division_before", "hub"
                    ).order_by("date", "id"),
                ),
                "periods",
            )
            .get(pk=pk)
        )
    except Organization.DoesNotExist as exc:
        raise NotFound(pk) from exc
    on = as_of or timezone.localdate()
    period = next(
        (p for p in org.periods.all() if p.start <= on and (p.end is None or on < p.end)), None
    )
    index = DivisionIndex.load()
    org.status_on = period.status if period else ""  # type: ignore[attr-defined]
    org.district = index.holder(  # type: ignore[attr-defined]
        period.division_id if period else org.registrar_division_id, on
    )
    return org
