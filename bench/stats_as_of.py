"""``organization_stats`` "as of" a date against one hand-written GROUP BY.

The selector loads every division, maps abolished ones to their successors in Python and
groups the periods with the ORM; the baseline does all of it in one SQL statement (plus the
list of the region's districts). Both must give the same figures, else the run fails.

The baseline computes what the brief asks for (total, by status, by district). The
selector also breaks the total down by formation, which needs the organization row of
every period; the "SQL+org join" column times the baseline with that join added, to show
how much of the ratio that breakdown costs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare
from bench.sql import REGION_DIVISIONS_CTE, county_level_divisions, fetch_all
from shuniu.registry.models import Kind, Status
from shuniu.stats.selectors import EXISTING_STATUSES, organization_stats

NAME = "stats_as_of"
REGION = "110000"
# Before and after Beijing's 2010 merges and 2015 county changes, and the present.
DATES = (dt.date(2009, 12, 31), dt.date(2012, 11, 30), dt.date(2016, 12, 31), None)
KINDS = (Kind.AGENCY.value, None)
RATIO_LIMIT = 1.5
JOINED = "SQL+org join"


@dataclass(frozen=True)
class Figures:
    total: int
    by_status: tuple[tuple[str, int], ...]
    by_district: tuple[tuple[str, int], ...]
    by_formation: tuple[tuple[str, int], ...] | None = None

    @property
    def periods(self) -> int:
        return sum(n for _, n in self.by_status)


def selector_figures(as_of: dt.date, kind: str | None) -> Figures:
    stats = organization_stats(region_code=REGION, as_of=as_of, kind=kind)
    return Figures(
        total=stats.total,
        by_status=tuple(sorted(stats.by_status.items())),
        by_district=tuple((d.code, d.count) for d in stats.by_district),
        by_formation=tuple(sorted((f.formation, f.count) for f in stats.by_formation)),
    )


def sql_figures(as_of: dt.date, kind: str | None, *, formation: bool = False) -> Figures:
    rows = fetch_all(
        f"""
        WITH RECURSIVE {REGION_DIVISIONS_CTE}
        SELECT rh.holder_id, p.status, {"o.formation" if formation else "''"}, COUNT(*)
        FROM region_holder rh
        JOIN registry_organizationperiod p ON p.division_id = rh.division_id
        {"JOIN registry_organization o ON o.id = p.organization_id" if formation else ""}
        WHERE p.start <= %s AND (p."end" IS NULL OR p."end" > %s)
          {"AND p.kind = %s" if kind else ""}
        GROUP BY 1, 2, 3
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [as_of, REGION, as_of, as_of, *([kind] if kind else [])],
    )
    by_status: Counter[str] = Counter({s: 0 for s in Status.values})
    by_holder: Counter[int] = Counter()
    by_formation: Counter[str] = Counter()
    for holder_id, status, formation_, count in rows:
        by_status[status] += count
        if status in EXISTING_STATUSES:
            by_holder[holder_id] += count
            by_formation[formation_ or "unknown"] += count
    return Figures(
        total=sum(by_status[s] for s in EXISTING_STATUSES),
        by_status=tuple(sorted(by_status.items())),
        by_district=tuple(
            (code, by_holder.get(pk, 0)) for pk, code in county_level_divisions(REGION, as_of)
        ),
        by_formation=tuple(sorted(by_formation.items())) if formation else None,
    )


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    report = Report(
        name=NAME,
        title=f"stats_as_of: organization_stats(region={REGION}) vs one SQL GROUP BY",
        subject="selector",
        baseline="SQL",
        target=f"selector/SQL ≤ {RATIO_LIMIT:g} on every case",
        notes=[
            "rows: periods of the region in force on the date (all statuses)",
            f"{JOINED}: the baseline plus the organization join the selector's by_formation "
            "needs (for diagnosis; not in the ratio)",
        ],
    )
    for as_of in DATES:
        on = as_of or timezone.localdate()
        for kind in KINDS:
            case = f"{on.isoformat()} {kind or 'all kinds'}"
            pair = compare(
                partial(selector_figures, on, kind),
                partial(sql_figures, on, kind),
                extra={JOINED: partial(sql_figures, on, kind, formation=True)},
                repeat=ctx.repeat,
            )
            selector = pair.subject
            for label, expected in (
                ("SQL", dataclasses.replace(pair.baseline, by_formation=selector.by_formation)),
                (JOINED, pair.extra[JOINED]),
            ):
                if selector != expected:
                    raise BenchmarkError(
                        f"{NAME} {case}: the selector and the {label} baseline disagree\n"
                        f"  selector: {selector}\n  {label}: {expected}"
                    )
            report.rows.append(
                Row(
                    case=case,
                    rows=selector.periods,
                    subject_s=pair.subject_s,
                    baseline_s=pair.baseline_s,
                    limit=RATIO_LIMIT,
                    extras=pair.extra_s,
                )
            )
    return report
