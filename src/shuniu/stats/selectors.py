"""Statistics "as of" a date. One function per figure feeds the API, the CLI and the pages."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, connections, router
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.divisions.selectors import DivisionIndex, RegionGrouping, division_ids_within
from shuniu.registry.models import (
    Formation,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    Status,
)
from shuniu.targets.models import Metric, PublishedFigure
from shuniu.workforce.models import (
    LEVEL_KEYS,
    Certificate,
    Employment,
    GraduateCohort,
    Level,
    Placement,
)

# What a statistic can be asked for: a province, a prefecture-level unit or a county-level
# division (a street is not a region).
REGION_LEVELS = (
    DivisionLevel.PROVINCE,
    DivisionLevel.CITY,
    DivisionLevel.PREFECTURE,
    *COUNTY_LEVELS,
)

# Statuses an organization "exists" in for the totals. Registering ones are counted, as the
# 2012 survey did ("50 including those still registering"); callers may leave them out.
EXISTING_STATUSES = (Status.REGISTERED, Status.REGISTERING)
# The enumerations' values, once: ``TextChoices.values`` builds a new list on every call
# (about 4 µs), and every statistic asked for four of them.
_STATUS_VALUES = tuple(Status.values)
_KIND_VALUES = tuple(Kind.values)
_KIND_SET = frozenset(_KIND_VALUES)
_FORMATION_ORDER = (*Formation.values, "unknown")
# The statuses counted in the totals, with and without the registering ones (plain strings:
# a set lookup per grouped row).
_COUNTED_STATUSES = {
    True: frozenset(s.value for s in EXISTING_STATUSES),
    False: frozenset({Status.REGISTERED.value}),
}


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
    # Counted under the nearest division valid on the date above their own, which ended
    # with no known successor (a merge the national table could not attribute): in the
    # total, in no district row unless the region groups by that ancestor.
    under_ancestor: int = 0


def _region(index: DivisionIndex, code: str, on: dt.date) -> Division:
    """The region ``code`` names on ``on``: any province, prefecture-level unit or
    county-level division in force then (a reused code means what it meant on ``on``)."""
    division = index.code_on(code, on)
    if division is None or division.level not in REGION_LEVELS:
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
    if kind and kind not in _KIND_SET:
        raise ValidationError({"kind": f"unknown kind {kind!r}; one of {', '.join(_KIND_VALUES)}"})


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
    # A district row counts what its territory holds: itself or, for a province, the
    # prefecture-level unit above the holder. Computed once per index, region and date.
    grouping = index.grouping(region, as_of)
    return _stats_of(
        region,
        grouping,
        as_of,
        kind,
        include_registering,
        _periods_grouped(grouping.ids_sql, as_of, kind),
    )


def _stats_of(
    region: Division,
    grouping: RegionGrouping,
    as_of: dt.date,
    kind: str | None,
    include_registering: bool,
    grouped: Iterable[tuple[Any, ...]],
) -> OrganizationStats:
    """The statistics of ``region`` on ``as_of`` from its periods in force then, grouped as
    ``_periods_grouped`` returns them (every division id one of ``grouping``'s)."""
    districts = grouping.districts
    counted_statuses = _COUNTED_STATUSES[include_registering]
    row_of = grouping.row_of
    by_status: Counter[str] = Counter(dict.fromkeys(_STATUS_VALUES, 0))
    per_division: Counter[int] = Counter()
    by_formation: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    total = under_ancestor = 0
    for division_id, status, kind_, formation, association_level, n in grouped:
        by_status[status] += n
        if status not in counted_statuses:
            continue
        total += n
        row, through_ancestor = row_of[division_id]
        if through_ancestor:
            under_ancestor += n
        per_division[row] += n
        by_formation[formation or "unknown"] += n
        by_kind[kind_] += n
        if association_level:
            by_level[association_level] += n

    by_district = [
        DistrictCount(code=d.code, name=d.name, name_en=d.name_en, count=per_division.get(d.pk, 0))
        for d in districts
    ]
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
            for f in _FORMATION_ORDER
            if by_formation.get(f)
        ],
        by_kind={k: by_kind[k] for k in _KIND_VALUES if by_kind.get(k)},
        by_association_level=dict(by_level),
        include_registering=include_registering,
        under_ancestor=under_ancestor,
    )


def _periods_grouped(ids_sql: str, as_of: dt.date, kind: str | None) -> list[tuple[Any, ...]]:
    """(division id, status, kind, formation, association level, periods) of the periods
    in force on ``as_of`` in the divisions ``ids_sql`` lists: one GROUP BY that the covering
    index ``period_as_of_covering`` answers alone. Plain SQL: the ORM's per-value converters
    and row dictionaries cost more than the query itself on a city's ~800 groups."""
    alias = router.db_for_read(OrganizationPeriod)
    ops = connections[alias].ops
    end, start = ops.quote_name("end"), ops.quote_name("start")
    table = OrganizationPeriod._meta.db_table
    sql = (
        f"SELECT division_id, status, kind, formation, association_level, COUNT(*) "  # noqa: S608
        f"FROM {table} WHERE division_id IN ({ids_sql}) AND {start} <= %s "
        f"AND ({end} IS NULL OR {end} > %s)"
        + (" AND kind = %s" if kind else "")
        + " GROUP BY division_id, status, kind, formation, association_level"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [as_of, as_of, *([kind] if kind else [])])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


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
    index: DivisionIndex | None = None,
) -> OrganizationSeries:
    """The statistics of ``region_code`` at the end of every step from ``start`` to ``end``
    (``step_ends``), each computed by ``_stats_of`` as ``organization_stats`` computes one
    date, from one GROUP BY that counts the periods in force on every date at once: one
    range of the covering index instead of one query per date."""
    _validate_kind(kind)
    index = index or DivisionIndex.load()
    dates = step_ends(start, end, step)
    # Each date groups by its own divisions (a district merged in between counts in its
    # successor after the merge); the statement reads the periods of all of them.
    regions = [_region(index, region_code, day) for day in dates]
    groupings = [index.grouping(r, day) for r, day in zip(regions, dates, strict=True)]
    ids: set[int] = set()
    for grouping in groupings:
        ids.update(grouping.row_of)
    grouped = _periods_grouped_on(_ids(ids), dates, kind)
    points = []
    for i, (region, grouping, day) in enumerate(zip(regions, groupings, dates, strict=True)):
        figures = _stats_of(
            region,
            grouping,
            day,
            kind,
            include_registering,
            ((*row[:5], row[5 + i]) for row in grouped if row[5 + i] and row[0] in grouping.row_of),
        )
        points.append(
            SeriesPoint(
                as_of=day,
                total=figures.total,
                by_status=figures.by_status,
                districts_covered=figures.districts_covered,
                districts_total=figures.districts_total,
            )
        )
    last = regions[-1]
    return OrganizationSeries(
        region=RegionRef(code=last.code, name=last.name, name_en=last.name_en),
        kind=kind or None,
        step=step,
        points=points,
    )


def _periods_grouped_on(
    ids_sql: str, dates: Sequence[dt.date], kind: str | None
) -> list[tuple[Any, ...]]:
    """(division id, status, kind, formation, association level, then the periods in force
    on each of ``dates``) of the divisions ``ids_sql`` lists: ``_periods_grouped`` for many
    dates in one pass over the periods that overlap them (the covering index again)."""
    alias = router.db_for_read(OrganizationPeriod)
    ops = connections[alias].ops
    end, start = ops.quote_name("end"), ops.quote_name("start")
    table = OrganizationPeriod._meta.db_table
    in_force = f"SUM(CASE WHEN {start} <= %s AND ({end} IS NULL OR {end} > %s) THEN 1 ELSE 0 END)"
    sql = (
        "SELECT division_id, status, kind, formation, association_level, "  # noqa: S608
        + ", ".join(in_force for _day in dates)
        + f" FROM {table} WHERE division_id IN ({ids_sql}) AND {start} <= %s "
        f"AND ({end} IS NULL OR {end} > %s)"
        + (" AND kind = %s" if kind else "")
        + " GROUP BY division_id, status, kind, formation, association_level"
    )
    params: list[Any] = [day for day in dates for _twice in (0, 1)]
    params += [max(dates), min(dates), *([kind] if kind else [])]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


# ---------------------------------------------------------------------------------------
# Workforce
# ---------------------------------------------------------------------------------------

# Kinds of organization that make up "the sector" an employment counts in.
SECTOR_KINDS = (Kind.AGENCY, Kind.ASSOCIATION, Kind.TRAINING, Kind.EVALUATION)
RETENTION_YEARS = (1, 3)
# A cohort of year Y counts as graduated from 1 July of Y.
GRADUATION_MONTH_DAY = (7, 1)
# Packs (level, division id) into one integer so that MAX() per person picks the highest
# level (ties: the highest division id) in one GROUP BY on both databases.
_LEVEL_SHIFT = 1 << 32


@dataclass(frozen=True)
class DistrictCertified:
    code: str
    name: str
    name_en: str
    certified: int


@dataclass(frozen=True)
class YearCount:
    year: int
    graduates: int


@dataclass(frozen=True)
class WorkforcePipeline:
    """Graduates → placed by programmes → certified → employed in the sector, as of a date.

    ``graduates``: social-work graduates of the region's universities in all years that
    graduated by ``as_of``; ``placed``: people placed in the region by programmes;
    ``placed_certified``: of them, how many hold a valid certificate; ``certified`` and
    ``employed_in_sector`` as in ``WorkforceStats``.
    """

    graduates: int
    graduates_by_year: list[YearCount]
    universities: int
    placed: int
    placed_certified: int
    certified: int
    employed_in_sector: int


@dataclass(frozen=True)
class Retention:
    """Of the people employed by the region's agencies on ``base_on``, how many still were
    on ``as_of`` (by any agency of the region)."""

    years: int
    base_on: dt.date
    employed_then: int
    still_employed: int


@dataclass(frozen=True)
class PublishedRef:
    metric: str
    value: int | float
    qualifier: str
    as_of: dt.date
    source: str
    note: str


@dataclass(frozen=True)
class WorkforceStats:
    region: RegionRef
    as_of: dt.date
    certified_total: int
    by_level: dict[str, int]
    employed_by_agencies: int
    employed_in_sector: int
    agency_staff: int
    districts_total: int
    by_district: list[DistrictCertified]
    city_registered: int
    pipeline: WorkforcePipeline
    retention: list[Retention]
    published: list[PublishedRef]


@dataclass(frozen=True)
class CertifiedFigures:
    total: int
    by_level: dict[str, int]
    by_division: dict[int, int]  # registered division id (as stored) -> people
    employed_by_agencies: int
    employed_in_sector: int


def _ids(values: set[int]) -> str:
    # Integers from our own tables: safe to inline, and it keeps the statement free of
    # thousands of bound parameters (SQLite caps them).
    return ",".join(str(int(v)) for v in sorted(values)) or "NULL"


def _quoted(values: Sequence[str]) -> str:
    return ",".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _region_division_ids(index: DivisionIndex, region: Division, on: dt.date) -> set[int]:
    return division_ids_within(region=region, on=on, index=index)


def workforce_certified(
    *, region: Division, as_of: dt.date, index: DivisionIndex
) -> CertifiedFigures:
    """People holding a valid certificate registered in the region on ``as_of`` (issued by
    then, not revoked by then), each once at their highest level, with the division of
    that certificate, and whether they work for an agency (or another sector body) then.

    One statement: a GROUP BY per person over the ``certificate_as_of`` index, joined to
    the people's employment on the date, then a GROUP BY of the (level, division,
    employment) keys: a few hundred rows at most come back.
    """
    periods = OrganizationPeriod._meta.db_table
    end = connection.ops.quote_name("end")
    start = connection.ops.quote_name("start")
    in_region = _ids(_region_division_ids(index, region, as_of))
    # Two choices keep this on the certificate_as_of index (division, issued_on, person,
    # level) without touching the table rows: revoked certificates (few) are left out by id
    # rather than by testing revoked_on on every row, and "+person_id" stops SQLite from
    # walking the person_id index instead, which reads every row in person order (6x
    # slower at a million people). The employment flags are one aggregate joined to the
    # people (a hash join on PostgreSQL, 3x faster there than a subquery per person).
    if connection.vendor == "postgresql":
        # PostgreSQL may plan NOT IN as a subplan rescanned per row when the tables have no
        # statistics yet (right after a bulk load): minutes instead of milliseconds. It
        # reads the table rows anyway, so the plain test is as fast there and never degrades.
        not_revoked = "(c.revoked_on IS NULL OR c.revoked_on > %s)"
    else:
        not_revoked = (
            "c.id NOT IN (SELECT r.id FROM workforce_certificate r WHERE r.revoked_on <= %s)"
        )
    sql = f"""
        SELECT t.k, a.emp, COUNT(*)
        FROM (
            SELECT +c.person_id AS person_id,
                   MAX(c.level * {_LEVEL_SHIFT} + c.registered_division_id) AS k
            FROM workforce_certificate c
            WHERE c.registered_division_id IN ({in_region})
              AND c.issued_on <= %s
              AND {not_revoked}
            GROUP BY +c.person_id
        ) t
        LEFT JOIN (
            SELECT e.person_id AS person_id,
                   MAX(CASE WHEN p.kind = 'agency' THEN 2 ELSE 1 END) AS emp
            FROM workforce_employment e
            JOIN {periods} p ON p.organization_id = e.organization_id
            WHERE e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s)
              AND p.{start} <= %s AND (p.{end} IS NULL OR p.{end} > %s)
              AND p.status IN ({_quoted(EXISTING_STATUSES)})
              AND p.kind IN ({_quoted(SECTOR_KINDS)})
            GROUP BY e.person_id
        ) a ON a.person_id = t.person_id
        GROUP BY t.k, a.emp
    """  # noqa: S608 code constants, ids through int(); dates are parameters
    by_level: Counter[str] = Counter({key: 0 for key in LEVEL_KEYS.values()})
    by_division: Counter[int] = Counter()
    total = agencies = sector = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of] * 6)
        for key, employed, count in cursor.fetchall():
            level, division_id = divmod(int(key), _LEVEL_SHIFT)
            by_level[LEVEL_KEYS[Level(level)]] += count
            by_division[division_id] += count
            total += count
            if employed is not None:
                sector += count
                if int(employed) == 2:
                    agencies += count
    return CertifiedFigures(
        total=total,
        by_level=dict(by_level),
        by_division=dict(by_division),
        employed_by_agencies=agencies,
        employed_in_sector=sector,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 2, 28)


def workforce_agency_staff(
    *, region: Division, as_of: dt.date, index: DivisionIndex
) -> tuple[int, list[Retention]]:
    """People employed by the region's agencies on ``as_of`` (certified or not) and the
    retention of those employed one and three years before.

    An organization counts as an agency of the region on a date when its period then says
    kind agency, registered or registering, in a division of the region. One statement
    flags every person for the three dates.
    """
    bases = [_years_before(as_of, n) for n in RETENTION_YEARS]
    dates = [as_of, *bases]
    # Division ids differ between dates only by merges; the union is what a period may hold.
    division_ids: set[int] = set()
    for day in dates:
        division_ids |= _region_division_ids(index, region, day)
    periods = OrganizationPeriod._meta.db_table
    end = connection.ops.quote_name("end")
    start = connection.ops.quote_name("start")
    flags = []
    params: list[Any] = []
    for i, day in enumerate(dates):
        within = sorted(_region_division_ids(index, region, day))
        flags.append(
            f"""MAX(CASE WHEN e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s)
                AND p.{start} <= %s AND (p.{end} IS NULL OR p.{end} > %s)
                AND p.division_id IN ({_ids(set(within))}) THEN 1 ELSE 0 END) AS f{i}"""
        )
        params += [day] * 4
    columns = ", ".join(f"f{i}" for i in range(len(dates)))
    sql = f"""
        SELECT {columns}, COUNT(*) FROM (
            SELECT e.person_id, {", ".join(flags)}
            FROM workforce_employment e
            JOIN {periods} p ON p.organization_id = e.organization_id
            WHERE p.kind = 'agency' AND p.status IN ({_quoted(EXISTING_STATUSES)})
              AND p.division_id IN ({_ids(division_ids)})
              AND e.starts_on <= %s AND p.{start} <= %s
            GROUP BY e.person_id
        ) t
        GROUP BY {columns}
    """  # noqa: S608 code constants, ids through int(); dates are parameters
    params += [as_of, as_of]
    now = 0
    then = [0] * len(bases)
    still = [0] * len(bases)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            count = row[-1]
            flags_now, flags_then = int(row[0]), [int(f) for f in row[1:-1]]
            now += count * flags_now
            for i, flag in enumerate(flags_then):
                if flag:
                    then[i] += count
                    still[i] += count * flags_now
    retention = [
        Retention(years=n, base_on=base, employed_then=then[i], still_employed=still[i])
        for i, (n, base) in enumerate(zip(RETENTION_YEARS, bases, strict=True))
    ]
    return now, retention


def workforce_pipeline(
    *,
    region: Division,
    as_of: dt.date,
    index: DivisionIndex,
    certified: int,
    employed_in_sector: int,
) -> WorkforcePipeline:
    """The talent pipeline of the region up to ``as_of`` (see ``WorkforcePipeline``)."""
    universities = Organization.objects.filter(
        kind=Kind.UNIVERSITY,
        registrar_division_id__in=_region_division_ids(index, region, as_of),
    ).values("pk")
    month, day = GRADUATION_MONTH_DAY
    last_year = as_of.year if as_of >= dt.date(as_of.year, month, day) else as_of.year - 1
    cohorts = GraduateCohort.objects.filter(university__in=universities, year__lte=last_year)
    by_year = {
        row["year"]: row["n"]
        for row in cohorts.values("year").annotate(n=Sum("graduates")).order_by("year")
    }
    university_count = cohorts.values("university_id").distinct().count()
    valid = Certificate.objects.filter(
        person_id=OuterRef("person_id"), issued_on__lte=as_of
    ).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of))
    placements = Placement.objects.filter(
        division_id__in=_region_division_ids(index, region, as_of), starts_on__lte=as_of
    )
    placed = placements.aggregate(
        placed=Count("person_id", distinct=True),
        certified=Count("person_id", distinct=True, filter=Q(Exists(valid))),
    )
    return WorkforcePipeline(
        graduates=sum(by_year.values()),
        graduates_by_year=[YearCount(year=y, graduates=n) for y, n in by_year.items()],
        universities=university_count,
        placed=placed["placed"],
        placed_certified=placed["certified"],
        certified=certified,
        employed_in_sector=employed_in_sector,
    )


WORKFORCE_METRICS = (
    Metric.CERTIFIED_WORKERS,
    Metric.UNIVERSITIES,
    Metric.GRADUATES_PER_YEAR,
    Metric.PROGRAMME_PLACEMENTS,
)


def workforce_published(*, region: Division, as_of: dt.date) -> list[PublishedRef]:
    """The latest published figure of each workforce metric stated for the region on or
    before ``as_of``, to be shown beside the computed ones."""
    latest: dict[str, PublishedFigure] = {}
    for figure in PublishedFigure.objects.filter(
        region=region, metric__in=WORKFORCE_METRICS, as_of__lte=as_of
    ).order_by("metric", "as_of", "id"):
        latest[figure.metric] = figure
    return [
        PublishedRef(
            metric=f.metric,
            value=int(f.value) if f.value == f.value.to_integral_value() else float(f.value),
            qualifier=f.qualifier,
            as_of=f.as_of,
            source=f.source,
            note=f.note,
        )
        for metric in WORKFORCE_METRICS
        if (f := latest.get(metric)) is not None
    ]


def workforce_stats(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> WorkforceStats:
    """Certified social workers of a region on ``as_of``: by level (each person once, at
    the highest level), by district (of the certificate's registration, mapped to the
    county-level divisions of that date; city registrations count in the total only),
    employed by agencies; agency staff; the pipeline; retention; published figures."""
    index = index or DivisionIndex.load()
    region = _region(index, region_code, as_of)
    certified = workforce_certified(region=region, as_of=as_of, index=index)
    agency_staff, retention = workforce_agency_staff(region=region, as_of=as_of, index=index)
    districts = (
        index.county_level_on(region.pk, as_of) if region.level in ("city", "province") else []
    )
    if not districts and region.level in ("district", "county"):
        districts = [region]
    per_holder: Counter[int] = Counter()
    for division_id, count in certified.by_division.items():
        per_holder[index.holder(division_id, as_of).pk] += count
    by_district = [
        DistrictCertified(
            code=d.code, name=d.name, name_en=d.name_en, certified=per_holder.get(d.pk, 0)
        )
        for d in districts
    ]
    return WorkforceStats(
        region=RegionRef(code=region.code, name=region.name, name_en=region.name_en),
        as_of=as_of,
        certified_total=certified.total,
        by_level=certified.by_level,
        employed_by_agencies=certified.employed_by_agencies,
        employed_in_sector=certified.employed_in_sector,
        agency_staff=agency_staff,
        districts_total=len(districts),
        by_district=by_district,
        city_registered=certified.total - sum(d.certified for d in by_district),
        pipeline=workforce_pipeline(
            region=region,
            as_of=as_of,
            index=index,
            certified=certified.total,
            employed_in_sector=certified.employed_in_sector,
        ),
        retention=retention,
        published=workforce_published(region=region, as_of=as_of),
    )


@dataclass(frozen=True)
class PublishedComparison:
    """A published figure beside the number computed from records for the same question."""

    metric: str
    published: Decimal
    qualifier: str
    computed: int
    matches: bool
    source: str
    note: str


def organization_published_comparison(figures: OrganizationStats) -> list[PublishedComparison]:
    """The published figures for exactly the statistic's region, date and kind, each with the
    computed number. A qualified figure ("over 5,000") is a bound, never counted as a match."""
    from shuniu.targets.models import Metric
    from shuniu.targets.published import published_figures_for

    computed = {
        Metric.ORGANIZATIONS.value: figures.total,
        Metric.DISTRICTS_COVERED.value: figures.districts_covered,
    }
    return [
        PublishedComparison(
            metric=f.metric,
            published=f.value,
            qualifier=f.qualifier,
            computed=computed[f.metric],
            matches=not f.qualifier and f.value == computed[f.metric],
            source=f.source,
            note=f.note,
        )
        for f in published_figures_for(
            region_code=figures.region.code, as_of=figures.as_of, kind=figures.kind
        )
    ]


@dataclass(frozen=True)
class RecordsEnd:
    """The last date a region's records speak of, up to today: after it a statistic "as of"
    a later date only repeats the state of that day. ``None``: no record at all."""

    organizations: dt.date | None  # the latest event of an organization of the region
    workforce: dt.date | None  # the latest certificate issued or employment begun there


def records_end(*, region: Division, today: dt.date, index: DivisionIndex) -> RecordsEnd:
    """Three indexed MAX() reads over the divisions whose territory lies in the region today
    (merged ones included), so a page can say where its records stop."""
    ids = _region_division_ids(index, region, today)
    latest_event = OrganizationEvent.objects.filter(
        organization__registrar_division_id__in=ids, date__lte=today
    ).aggregate(last=Max("date"))["last"]
    latest_certificate = Certificate.objects.filter(
        registered_division_id__in=ids, issued_on__lte=today
    ).aggregate(last=Max("issued_on"))["last"]
    latest_employment = Employment.objects.filter(
        organization__registrar_division_id__in=ids, starts_on__lte=today
    ).aggregate(last=Max("starts_on"))["last"]
    workforce = [d for d in (latest_certificate, latest_employment) if d is not None]
    return RecordsEnd(organizations=latest_event, workforce=max(workforce) if workforce else None)
