"""Statistics "as of" a date. One function per figure feeds the API, the CLI and the pages."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Formation, Kind, OrganizationPeriod, Status

# Statuses an organization "exists" in for the totals. Registering ones are counted, as the
# 2012 survey did ("50 including those still registering"); callers may leave them out.
EXISTING_STATUSES = (Status.REGISTERED, Status.REGISTERING)


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class DistrictCount:
    code: str
    name: str
    name_en: str
    count: int


@dataclass(frozen=True)
class FormationCount:
    formation: str
    count: int


@dataclass(frozen=True)
class OrganizationStats:
    region: RegionRef
    as_of: dt.date
    kind: str | None
    total: int
    by_status: dict[str, int]
    districts_total: int
    districts_covered: int
    by_district: list[DistrictCount]
    by_formation: list[FormationCount]
    by_kind: dict[str, int]
    by_association_level: dict[str, int] = field(default_factory=dict)
    include_registering: bool = True


def _region(index: DivisionIndex, code: str, on: dt.date) -> Division:
    division = index.by_code.get(code)
    if division is None:
        raise NotFound(code)
    if not division.is_valid_on(on):
        raise ValidationError(
            {
                "region": (
                    f"{division.name} ({code}) did not exist on {on.isoformat()}"
                    + (
                        f"; use {index.by_id[division.successor_id].code}"
                        if division.successor_id
                        else ""
                    )
                )
            }
        )
    return division


def _validate_kind(kind: str | None) -> None:
    if kind and kind not in Kind.values:
        raise ValidationError({"kind": f"unknown kind {kind!r}; one of {', '.join(Kind.values)}"})


def organization_stats(
    *,
    region_code: str,
    as_of: dt.date,
    kind: str | None = None,
    include_registering: bool = True,
    index: DivisionIndex | None = None,
) -> OrganizationStats:
    """Organizations of ``region_code`` that exist on ``as_of``, grouped as the 2012 survey did.

    Grouping uses the divisions valid on ``as_of``: an organization registered in a
    division abolished before then counts in its successor.
    """
    _validate_kind(kind)
    index = index or DivisionIndex.load()
    region = _region(index, region_code, as_of)
    # Every division, past or present, whose territory lies in the region on as_of.
    holders = {d.pk: index.holder(d.pk, as_of) for d in index.by_id.values()}
    in_region = {pk for pk, h in holders.items() if index.within(h, region)}

    rows = (
        OrganizationPeriod.objects.filter(start__lte=as_of)
        .filter(Q(end__isnull=True) | Q(end__gt=as_of))
        .filter(division_id__in=in_region)
    )
    if kind:
        rows = rows.filter(kind=kind)
    grouped = rows.values(
        "status",
        "kind",
        "division_id",
        "formation",
        "association_level",
    ).annotate(n=Count("id"))

    counted_statuses = EXISTING_STATUSES if include_registering else (Status.REGISTERED,)
    by_status: Counter[str] = Counter({s: 0 for s in Status.values})
    per_division: Counter[int] = Counter()
    by_formation: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    total = 0
    for row in grouped:
        by_status[row["status"]] += row["n"]
        if row["status"] not in counted_statuses:
            continue
        total += row["n"]
        holder = holders[row["division_id"]]
        per_division[holder.pk] += row["n"]
        by_formation[row["formation"] or "unknown"] += row["n"]
        by_kind[row["kind"]] += row["n"]
        if row["association_level"]:
            by_level[row["association_level"]] += row["n"]

    districts = (
        index.county_level_on(region.pk, as_of) if region.level in ("city", "province") else []
    )
    if not districts and region.level in ("district", "county"):
        districts = [region]
    by_district = [
        DistrictCount(code=d.code, name=d.name, name_en=d.name_en, count=per_division.get(d.pk, 0))
        for d in districts
    ]
    formation_order = [*Formation.values, "unknown"]
    return OrganizationStats(
        region=RegionRef(code=region.code, name=region.name, name_en=region.name_en),
        as_of=as_of,
        kind=kind or None,
        total=total,
        by_status=dict(by_status),
        districts_total=len(districts),
        districts_covered=sum(1 for d in by_district if d.count > 0),
        by_district=by_district,
        by_formation=[
            FormationCount(formation=f, count=by_formation[f])
            for f in formation_order
            if by_formation.get(f)
        ],
        by_kind={k: by_kind[k] for k in Kind.values if by_kind.get(k)},
        by_association_level=dict(by_level),
        include_registering=include_registering,
    )


@dataclass(frozen=True)
class SeriesPoint:
    as_of: dt.date
    total: int
    by_status: dict[str, int]
    districts_covered: int
    districts_total: int


@dataclass(frozen=True)
class OrganizationSeries:
    region: RegionRef
    kind: str | None
    step: str
    points: list[SeriesPoint]


STEPS = ("year", "quarter", "month")
MAX_POINTS = 400


def step_ends(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """The last day of every step (year, quarter, month) from ``start`` to ``end``, plus
    ``end`` itself when it falls inside a step."""
    if step not in STEPS:
        raise ValidationError({"step": f"unknown step {step!r}; one of {', '.join(STEPS)}"})
    if end < start:
        raise ValidationError({"to": "must not be before 'from'"})
    months = {"year": 12, "quarter": 3, "month": 1}[step]
    points: list[dt.date] = []
    year, month = start.year, start.month
    # Align to the end of the step containing start.
    month = ((month - 1) // months + 1) * months
    while True:
        first_of_next = dt.date(year + (month // 12), month % 12 + 1, 1)
        point = first_of_next - dt.timedelta(days=1)
        if point > end:
            break
        points.append(point)
        month += months
        if month > 12:
            year, month = year + 1, month - 12
        if len(points) > MAX_POINTS:
            raise ValidationError({"to": f"more than {MAX_POINTS} points; use a longer step"})
    if not points or points[-1] != end:
        points.append(end)
    return points


def organization_series(
    *,
    region_code: str,
    start: dt.date,
    end: dt.date,
    kind: str | None = None,
    step: str = "year",
    include_registering: bool = True,
) -> OrganizationSeries:
    index = DivisionIndex.load()
    points = []
    region: RegionRef | None = None
    for point in step_ends(start, end, step):
        figures = organization_stats(
            region_code=region_code,
            as_of=point,
            kind=kind,
            include_registering=include_registering,
            index=index,
        )
        region = figures.region
        points.append(
            SeriesPoint(
                as_of=point,
                total=figures.total,
                by_status=figures.by_status,
                districts_covered=figures.districts_covered,
                districts_total=figures.districts_total,
            )
        )
    assert region is not None
    return OrganizationSeries(region=region, kind=kind or None, step=step, points=points)
