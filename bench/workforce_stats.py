"""``workforce_stats`` "as of" a date against one hand-written SQL statement.

The people are those ``people_import`` loaded (or, when it did not run, loaded here through
the same import): at --scale 1, 100,000 people with certificates and jobs; --scale 10 is
the million of the issue.

The baseline computes the same numbers as the selector: the certified people, each once at
their highest level, those of them working for an agency and in the sector, by district
(one statement); agency staff and its retention after one and three years (one
statement); the pipeline's graduates, universities and placements (two). The region's
division ids (on the date and on the retention base dates) and the district each counts in
are worked out once before timing (``bench.sql.region_map``, not ``DivisionIndex``), as an
analyst would; they were recursive CTEs over the whole division table inside the timed
statements, which made the baseline slow and the ratio flattering. Only
the published figures, a lookup of a few rows, are left out. The "certified only" column
times ``workforce_certified`` alone, for diagnosis.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.utils import timezone

from bench.harness import BenchmarkError, Context, Report, Row, compare, console
from bench.people_data import organizations, people_count, write_people_csv
from bench.sql import county_level_divisions, fetch_all, region_map

NAME = "workforce_stats"
REGIONS = ("110000", "310000")
DATES = (dt.date(2012, 11, 30), dt.date(2016, 12, 31), None)
RATIO_LIMIT = 1.5
CERTIFIED_ONLY = "certified only"
# As the selector packs them: the level above, the division id below.
SHIFT = 1 << 32


@dataclass(frozen=True)
class Figures:
    certified_total: int
    by_level: tuple[tuple[str, int], ...]
    employed_by_agencies: int
    employed_in_sector: int
    by_district: tuple[tuple[str, int], ...]
    agency_staff: int
    retention: tuple[tuple[int, int, int], ...]  # years, employed then, still employed
    pipeline: tuple[int, int, int, int]  # graduates, universities, placed, placed certified


def selector_figures(region: str, as_of: dt.date) -> Figures:
    from shuniu.stats.selectors import workforce_stats

    stats = workforce_stats(region_code=region, as_of=as_of)
    return Figures(
        certified_total=stats.certified_total,
        by_level=tuple(sorted(stats.by_level.items())),
        employed_by_agencies=stats.employed_by_agencies,
        employed_in_sector=stats.employed_in_sector,
        by_district=tuple((d.code, d.certified) for d in stats.by_district),
        agency_staff=stats.agency_staff,
        retention=tuple((r.years, r.employed_then, r.still_employed) for r in stats.retention),
        pipeline=(
            stats.pipeline.graduates,
            stats.pipeline.universities,
            stats.pipeline.placed,
            stats.pipeline.placed_certified,
        ),
    )


def certified_only(region: str, as_of: dt.date) -> Any:
    from shuniu.divisions.selectors import DivisionIndex
    from shuniu.stats.selectors import workforce_certified

    index = DivisionIndex.load()
    region_division = index.by_code[region]
    return workforce_certified(region=region_division, as_of=as_of, index=index)


@dataclass(frozen=True)
class Prepared:
    """What an analyst works out once per region and date before any query (not timed):
    the ids of the divisions whose territory lies in the region on the date and on the
    retention base dates, the district each division counts in, and the district rows."""

    ids: dict[dt.date, str]
    row_of: dict[int, int]
    districts: list[tuple[int, str]]


def prepare(region: str, as_of: dt.date) -> Prepared:
    ids: dict[dt.date, str] = {}
    for day in (as_of, _years_before(as_of, 1), _years_before(as_of, 3)):
        _rows, mapping = region_map(region, day)
        ids[day] = ",".join(str(pk) for pk in sorted(mapping)) or "NULL"
    _rows, mapping = region_map(region, as_of)
    return Prepared(
        ids=ids,
        row_of={pk: row for pk, (row, _parent) in mapping.items()},
        districts=county_level_divisions(region, as_of),
    )


def sql_figures(prepared: Prepared, as_of: dt.date) -> Figures:
    from shuniu.registry.models import Kind
    from shuniu.stats.selectors import EXISTING_STATUSES, SECTOR_KINDS
    from shuniu.workforce.models import LEVEL_KEYS, Level

    statuses = ", ".join(f"'{s}'" for s in EXISTING_STATUSES)
    kinds = ", ".join(f"'{k}'" for k in SECTOR_KINDS)
    rows = fetch_all(
        f"""
        WITH best (person_id, k) AS (
            SELECT c.person_id, MAX(c.level * {SHIFT} + c.registered_division_id)
            FROM workforce_certificate c
            WHERE c.registered_division_id IN ({prepared.ids[as_of]})
              AND c.issued_on <= %s AND (c.revoked_on IS NULL OR c.revoked_on > %s)
            GROUP BY c.person_id
        ),
        working (person_id, agency) AS (
            SELECT e.person_id, MAX(CASE WHEN p.kind = '{Kind.AGENCY.value}' THEN 1 ELSE 0 END)
            FROM workforce_employment e
            JOIN registry_organizationperiod p ON p.organization_id = e.organization_id
            WHERE e.person_id IN (SELECT person_id FROM best)
              AND e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s)
              AND p.start <= %s AND (p."end" IS NULL OR p."end" > %s)
              AND p.status IN ({statuses}) AND p.kind IN ({kinds})
            GROUP BY e.person_id
        )
        SELECT b.k / {SHIFT}, b.k %% {SHIFT}, w.agency, COUNT(*)
        FROM best b
        LEFT JOIN working w ON w.person_id = b.person_id
        GROUP BY 1, 2, 3
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [as_of, as_of, as_of, as_of, as_of, as_of],
    )
    by_level: Counter[str] = Counter({key: 0 for key in LEVEL_KEYS.values()})
    by_holder: Counter[int] = Counter()
    total = agencies = sector = 0
    for level, division_id, agency, count in rows:
        by_level[LEVEL_KEYS[Level(int(level))]] += count
        by_holder[prepared.row_of[int(division_id)]] += count
        total += count
        if agency is not None:
            sector += count
            agencies += count if int(agency) else 0
    staff, retention = sql_agency_staff(prepared, as_of)
    return Figures(
        certified_total=total,
        by_level=tuple(sorted(by_level.items())),
        employed_by_agencies=agencies,
        employed_in_sector=sector,
        by_district=tuple((code, by_holder.get(pk, 0)) for pk, code in prepared.districts),
        agency_staff=staff,
        retention=retention,
        pipeline=sql_pipeline(prepared, as_of),
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def sql_agency_staff(
    prepared: Prepared, as_of: dt.date
) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """People working for an agency of the region on ``as_of``, and of those working for
    one a year and three years before, how many still do."""
    from shuniu.stats.selectors import EXISTING_STATUSES

    statuses = ", ".join(f"'{s}'" for s in EXISTING_STATUSES)
    dates = [as_of, _years_before(as_of, 1), _years_before(as_of, 3)]
    flags, params = [], []
    every: set[str] = set()
    for i, day in enumerate(dates):
        ids = prepared.ids[day]
        every.update(ids.split(","))
        flags.append(
            f"""MAX(CASE WHEN e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on > %s)
                AND p.start <= %s AND (p."end" IS NULL OR p."end" > %s)
                AND p.division_id IN ({ids})
                THEN 1 ELSE 0 END) AS f{i}"""
        )
        params += [day] * 4
    rows = fetch_all(
        f"""
        SELECT f0, f1, f2, COUNT(*) FROM (
            SELECT {", ".join(flags)}
            FROM workforce_employment e
            JOIN registry_organizationperiod p ON p.organization_id = e.organization_id
            WHERE p.kind = 'agency' AND p.status IN ({statuses})
              AND p.division_id IN ({",".join(sorted(every))})
              AND e.starts_on <= %s AND p.start <= %s
            GROUP BY e.person_id
        ) t
        GROUP BY f0, f1, f2
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [*params, as_of, as_of],
    )
    now = sum(count for f0, _f1, _f2, count in rows if f0)
    retention = tuple(
        (
            years,
            sum(row[3] for row in rows if row[i]),
            sum(row[3] for row in rows if row[i] and row[0]),
        )
        for i, years in ((1, 1), (2, 3))
    )
    return now, retention


def sql_pipeline(prepared: Prepared, as_of: dt.date) -> tuple[int, int, int, int]:
    in_region = prepared.ids[as_of]
    last_year = as_of.year if as_of >= dt.date(as_of.year, 7, 1) else as_of.year - 1
    graduates, universities = fetch_all(
        f"""
        SELECT COALESCE(SUM(g.graduates), 0), COUNT(DISTINCT g.university_id)
        FROM workforce_graduatecohort g
        JOIN registry_organization o ON o.id = g.university_id
        WHERE o.kind = 'university' AND o.registrar_division_id IN ({in_region})
          AND g.year <= %s
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [last_year],
    )[0]
    placed, placed_certified = fetch_all(
        f"""
        SELECT COUNT(DISTINCT pl.person_id), COUNT(DISTINCT CASE WHEN EXISTS (
            SELECT 1 FROM workforce_certificate c WHERE c.person_id = pl.person_id
              AND c.issued_on <= %s AND (c.revoked_on IS NULL OR c.revoked_on > %s)
        ) THEN pl.person_id END)
        FROM workforce_placement pl
        WHERE pl.division_id IN ({in_region}) AND pl.starts_on <= %s
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [as_of, as_of, as_of],
    )[0]
    return int(graduates), int(universities), int(placed), int(placed_certified)


def _ensure_people(ctx: Context) -> int:
    """The people of ``people_import`` if it ran; else the same import, here."""
    from django.core.management import call_command

    from shuniu.workforce.models import Person

    stored = Person.objects.count()
    if stored:
        return stored
    rows = people_count(ctx)
    orgs = organizations(ctx)
    with tempfile.TemporaryDirectory(prefix="shuniu-bench-people-") as workdir:
        path = Path(workdir) / "people.csv"
        with console.status(f"Importing {rows:,} people for the statistics…"):
            write_people_csv(path, orgs=orgs, rows=rows, first_serial=0, seed=ctx.seed)
            call_command("import", "people", str(path), "--format", "json", stdout=io.StringIO())
    return Person.objects.count()


def run(ctx: Context) -> Report:
    report = Report(
        name=NAME,
        title="workforce_stats: workforce_stats(region, as_of) vs hand-written SQL",
        subject="selector",
        baseline="SQL",
        target=f"selector/SQL ≤ {RATIO_LIMIT:g} on every case",
    )
    try:
        from shuniu.stats.selectors import workforce_certified, workforce_stats  # noqa: F401
    except ImportError as exc:
        report.notes.append(f"skipped: the selector is not there yet ({exc})")
        return report
    people = _ensure_people(ctx)
    report.notes += [
        f"people stored: {people:,} (scale {ctx.scale:g}; --scale 10 for the million)",
        "rows: certified people of the region on the date",
        "compared: certified total, by level, by district, employed by agencies and in the "
        "sector, agency staff, retention after 1 and 3 years, graduates, universities, "
        "placements",
        f"{CERTIFIED_ONLY}: workforce_certified alone (diagnosis; not in the ratio)",
    ]
    for region in REGIONS:
        for as_of in DATES:
            on = as_of or timezone.localdate()
            case = f"{region} {on.isoformat()}"
            pair = compare(
                partial(selector_figures, region, on),
                partial(sql_figures, prepare(region, on), on),
                extra={CERTIFIED_ONLY: partial(certified_only, region, on)},
                repeat=ctx.repeat,
            )
            if pair.subject != pair.baseline:
                raise BenchmarkError(
                    f"{NAME} {case}: the selector and the SQL baseline disagree\n"
                    f"  selector: {pair.subject}\n  SQL: {pair.baseline}"
                )
            report.rows.append(
                Row(
                    case=case,
                    rows=pair.subject.certified_total,
                    subject_s=pair.subject_s,
                    baseline_s=pair.baseline_s,
                    limit=RATIO_LIMIT,
                    extras=pair.extra_s,
                )
            )
    return report
