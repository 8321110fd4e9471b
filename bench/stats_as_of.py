"""As-of organization statistics, the selector and the API, against lean hand-written SQL.

The baseline is what a competent analyst writes for the same figures (total, by status, by
district, by formation, by kind, by association level, counted under an ancestor): before
any timing, the region's division ids and the district row each counts in, worked out once
from the division table (``bench.sql.region_map``, independent of ``DivisionIndex``); timed,
one GROUP BY over the periods in force on the date in those divisions, folded into the
figures. The subjects:

- ``organization_stats`` with the process's division index (as every caller gets it);
- ``GET /api/v1/stats/organizations`` through ``django.test.Client`` (the whole middleware
  stack and the JSON), with the statistics cache off (``SHUNIU_STATS_CACHE_SECONDS=0``) and
  the anonymous rate limit off, as docs/deploy.md advises behind a proxy. A request without
  cookies or credentials: the lean path of ``shuniu.core.lean``.

All three must give the same figures, else the run fails. Diagnosis columns, not in the
ratios: "SQL status×district", the baseline without the formation/kind/level breakdowns
(what those cost the query); "old CTE SQL", the former baseline, which mapped divisions to
holders with recursive CTEs over the whole division table inside the timed statement;
"API via WSGI" (on the API rows), the same request given to Django's WSGI handler as a
server gives it (an environ, the body iterated and closed), without the test client's own
work (building the environ, connecting and disconnecting its signal receivers per request):
how much of the API's time is the test client's; "API from cache" (on the API rows), the
same request through the test client with the statistics cache on, as production runs it,
interleaved with the SQL as the ratios' subjects are (compare's untimed first run fills the
entry, the timed ones read it): what a request costs besides computing the statistic, the
part of the API's time that does not shrink with the query.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare
from bench.sql import REGION_DIVISIONS_CTE, county_level_divisions, fetch_all, region_map
from shuniu.registry.models import Kind, Status
from shuniu.stats.selectors import EXISTING_STATUSES, organization_stats

NAME = "stats_as_of"
# Before and after Beijing's 2010 merges and 2015 county changes, and the present.
DATES = (dt.date(2009, 12, 31), dt.date(2012, 11, 30), dt.date(2016, 12, 31), None)
KINDS = (Kind.AGENCY.value, None)
# (region, dates, kinds): Beijing in full; a province (Guangdong: Shenzhen's organizations,
# grouped by prefecture-level city) and Shanghai once each.
CASES: tuple[tuple[str, tuple[dt.date | None, ...], tuple[str | None, ...]], ...] = (
    ("110000", DATES, KINDS),
    ("440000", (dt.date(2016, 12, 31),), (None,)),
    ("310000", (None,), (None,)),
)
RATIO_LIMIT = 1.2
API = "API"
NARROW = "SQL status×district"
OLD = "old CTE SQL"
WSGI = "API via WSGI"
CACHED = "API from cache"


@dataclass(frozen=True)
class Figures:
    total: int
    by_status: tuple[tuple[str, int], ...]
    by_district: tuple[tuple[str, int], ...]
    by_formation: tuple[tuple[str, int], ...] | None = None
    by_kind: tuple[tuple[str, int], ...] | None = None
    by_level: tuple[tuple[str, int], ...] | None = None
    under_ancestor: int | None = None

    @property
    def periods(self) -> int:
        return sum(n for _, n in self.by_status)

    def core(self) -> Figures:
        """Total, by status and by district only (what the diagnosis baselines compute)."""
        return Figures(self.total, self.by_status, self.by_district)


def _sorted(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((k, v) for k, v in counts.items() if v))


def selector_figures(region: str, as_of: dt.date, kind: str | None) -> Figures:
    stats = organization_stats(region_code=region, as_of=as_of, kind=kind)
    return Figures(
        total=stats.total,
        by_status=tuple(sorted(stats.by_status.items())),
        by_district=tuple((d.code, d.count) for d in stats.by_district),
        by_formation=_sorted({f.formation: f.count for f in stats.by_formation}),
        by_kind=_sorted(stats.by_kind),
        by_level=_sorted(stats.by_association_level),
        under_ancestor=stats.under_ancestor,
    )


def api_figures(client: Client, path: str) -> Figures:
    response = client.get(path)
    if response.status_code != 200:
        raise BenchmarkError(f"{NAME}: {path} answered {response.status_code}")
    return _figures_of(json.loads(response.content))


def _figures_of(body: Any) -> Figures:
    return Figures(
        total=body["total"],
        by_status=tuple(sorted(body["by_status"].items())),
        by_district=tuple((d["code"], d["count"]) for d in body["by_district"]),
        by_formation=_sorted({f["formation"]: f["count"] for f in body["by_formation"]}),
        by_kind=_sorted(body["by_kind"]),
        by_level=_sorted(body["by_association_level"]),
        under_ancestor=body["under_ancestor"],
    )


def wsgi_figures(app: WSGIHandler, path: str, query: str) -> Figures:
    """The API's answer from Django's WSGI handler, called as a server calls it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: Any, *_: Any) -> Any:
        statuses.append(status)
        return None

    response = app(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    if not statuses or not statuses[0].startswith("200"):
        raise BenchmarkError(f"{NAME}: {path}?{query} answered {statuses}")
    return _figures_of(json.loads(body))


@dataclass(frozen=True)
class Prepared:
    """The analyst's preparation for one region and date (not timed)."""

    ids: str
    districts: list[tuple[int, str]]
    row_of: dict[int, tuple[int, bool]]


def prepare(region: str, as_of: dt.date) -> Prepared:
    districts, row_of = region_map(region, as_of)
    return Prepared(",".join(str(pk) for pk in sorted(row_of)) or "NULL", districts, row_of)


def sql_figures(prepared: Prepared, as_of: dt.date, kind: str | None) -> Figures:
    rows = fetch_all(
        f"""
        SELECT division_id, status, kind, formation, association_level, COUNT(*)
        FROM registry_organizationperiod
        WHERE division_id IN ({prepared.ids}) AND start <= %s AND ("end" IS NULL OR "end" > %s)
          {"AND kind = %s" if kind else ""}
        GROUP BY division_id, status, kind, formation, association_level
        """,  # noqa: S608 benchmark tables and ids of our own; no outside input
        [as_of, as_of, *([kind] if kind else [])],
    )
    by_status: Counter[str] = Counter({s: 0 for s in Status.values})
    by_row: Counter[int] = Counter()
    by_formation: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    total = under_ancestor = 0
    for division_id, status, kind_, formation, level, n in rows:
        by_status[status] += n
        if status not in EXISTING_STATUSES:
            continue
        total += n
        row, through_parent = prepared.row_of[division_id]
        by_row[row] += n
        under_ancestor += n if through_parent else 0
        by_formation[formation or "unknown"] += n
        by_kind[kind_] += n
        by_level[level] += n if level else 0
    return Figures(
        total=total,
        by_status=tuple(sorted(by_status.items())),
        by_district=tuple((code, by_row.get(pk, 0)) for pk, code in prepared.districts),
        by_formation=_sorted(by_formation),
        by_kind=_sorted(by_kind),
        by_level=_sorted(by_level),
        under_ancestor=under_ancestor,
    )


def narrow_sql_figures(prepared: Prepared, as_of: dt.date, kind: str | None) -> Figures:
    """The baseline without the breakdowns by formation, kind and level."""
    rows = fetch_all(
        f"""
        SELECT division_id, status, COUNT(*) FROM registry_organizationperiod
        WHERE division_id IN ({prepared.ids}) AND start <= %s AND ("end" IS NULL OR "end" > %s)
          {"AND kind = %s" if kind else ""}
        GROUP BY division_id, status
        """,  # noqa: S608 benchmark tables and ids of our own; no outside input
        [as_of, as_of, *([kind] if kind else [])],
    )
    by_status: Counter[str] = Counter({s: 0 for s in Status.values})
    by_row: Counter[int] = Counter()
    for division_id, status, n in rows:
        by_status[status] += n
        if status in EXISTING_STATUSES:
            by_row[prepared.row_of[division_id][0]] += n
    return Figures(
        total=sum(by_status[s] for s in EXISTING_STATUSES),
        by_status=tuple(sorted(by_status.items())),
        by_district=tuple((code, by_row.get(pk, 0)) for pk, code in prepared.districts),
    )


def old_cte_figures(region: str, as_of: dt.date, kind: str | None) -> Figures:
    """The former baseline: holders by recursive CTEs inside the timed statement."""
    rows = fetch_all(
        f"""
        WITH RECURSIVE {REGION_DIVISIONS_CTE}
        SELECT rh.holder_id, p.status, COUNT(*)
        FROM region_holder rh
        JOIN registry_organizationperiod p ON p.division_id = rh.division_id
        WHERE p.start <= %s AND (p."end" IS NULL OR p."end" > %s)
          {"AND p.kind = %s" if kind else ""}
        GROUP BY 1, 2
        """,  # noqa: S608 benchmark tables and constants of the code; no outside input
        [as_of, region, as_of, as_of, *([kind] if kind else [])],
    )
    by_status: Counter[str] = Counter({s: 0 for s in Status.values})
    by_holder: Counter[int] = Counter()
    for holder_id, status, n in rows:
        by_status[status] += n
        if status in EXISTING_STATUSES:
            by_holder[holder_id] += n
    return Figures(
        total=sum(by_status[s] for s in EXISTING_STATUSES),
        by_status=tuple(sorted(by_status.items())),
        by_district=tuple(
            (code, by_holder.get(pk, 0)) for pk, code in county_level_divisions(region, as_of)
        ),
    )


def _check(case: str, label: str, expected: Any, got: Any) -> None:
    if expected != got:
        raise BenchmarkError(
            f"{NAME} {case}: the {label} and the SQL baseline disagree\n"
            f"  SQL: {expected}\n  {label}: {got}"
        )


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    report = Report(
        name=NAME,
        title="stats_as_of: organization statistics as of a date (selector, API) vs lean SQL",
        subject="measured",
        baseline="SQL",
        target=f"selector/SQL and API/SQL ≤ {RATIO_LIMIT:g} on every case",
        notes=[
            "rows: periods of the region in force on the date (all statuses)",
            "SQL: one GROUP BY (division, status, kind, formation, level) over the periods in "
            "force, in the region's division ids worked out before timing",
            f"API: GET /api/v1/stats/organizations, django.test.Client, statistics cache off, "
            "rate limit off; "
            f"{NARROW}, {OLD}, {WSGI} and {CACHED} (statistics cache on): diagnosis, not in "
            "the ratios",
        ],
    )
    client = Client()
    app = WSGIHandler()
    with override_settings(SHUNIU_STATS_CACHE_SECONDS=0, SHUNIU_API_ANON_RATE="off"):
        for region, dates, kinds in CASES:
            for as_of in dates:
                on = as_of or timezone.localdate()
                prepared = prepare(region, on)
                for kind in kinds:
                    case = f"{region} {on.isoformat()} {kind or 'all kinds'}"
                    query = {
                        "region": region,
                        "as_of": on.isoformat(),
                        **({"kind": kind} if kind else {}),
                    }
                    route = "/api/v1/stats/organizations"
                    path = f"{route}?{urlencode(query)}"
                    # The ratios: the selector, the SQL and the API interleaved.
                    pair = compare(
                        partial(selector_figures, region, on, kind),
                        partial(sql_figures, prepared, on, kind),
                        extra={
                            API: partial(api_figures, client, path),
                            WSGI: partial(wsgi_figures, app, route, urlencode(query)),
                        },
                        repeat=ctx.repeat,
                    )
                    # The diagnosis apart: the old CTE's 50 ms between two runs of the
                    # selector left it a cold cache and doubled its time.
                    diagnosis = {NARROW: partial(narrow_sql_figures, prepared, on, kind)}
                    # The CTE's district list is a city's. On PostgreSQL the recursive CTE
                    # takes over 10 s a run at 20,000 organizations: left out there.
                    if region == "110000" and connection.vendor == "sqlite":
                        diagnosis[OLD] = partial(old_cte_figures, region, on, kind)
                    first, *others = diagnosis.items()
                    apart = compare(
                        first[1],
                        partial(sql_figures, prepared, on, kind),
                        extra=dict(others),
                        repeat=ctx.repeat,
                    )
                    with override_settings(SHUNIU_STATS_CACHE_SECONDS=86_400):
                        from_cache = compare(
                            partial(api_figures, client, path),
                            partial(sql_figures, prepared, on, kind),
                            repeat=ctx.repeat,
                        )
                    _check(case, CACHED, from_cache.baseline, from_cache.subject)
                    found = {first[0]: apart.subject, **apart.extra}
                    extras = {first[0]: apart.subject_s, **apart.extra_s}
                    expected = pair.baseline
                    _check(case, "selector", expected, pair.subject)
                    _check(case, API, expected, pair.extra[API])
                    _check(case, WSGI, expected, pair.extra[WSGI])
                    for label, figures in found.items():
                        _check(case, label, expected.core(), figures)
                    for label, seconds in (("selector", pair.subject_s), (API, pair.extra_s[API])):
                        report.rows.append(
                            Row(
                                case=f"{label} {case}",
                                rows=expected.periods,
                                subject_s=seconds,
                                baseline_s=pair.baseline_s,
                                limit=RATIO_LIMIT,
                                extras=(
                                    extras
                                    if label == "selector"
                                    else {WSGI: pair.extra_s[WSGI], CACHED: from_cache.subject_s}
                                ),
                            )
                        )
    return report
