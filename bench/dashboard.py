"""The dashboard page at national scale: server time of ``GET /`` in process
(``django.test.Client``, the whole middleware stack, the template rendered), against the
statistics it shows computed alone (``organization_stats``, the selector, no cache).

Cases: Beijing (110000, a city with a district map) and Guangdong (440000, a province: a
table and a bar chart), on 2012-11-30, and the default page (no query: Beijing today); each
with the statistics cache off and on (``SHUNIU_STATS_CACHE_SECONDS``). The ratio says what
the page costs on top of its numbers; the target is the issue's absolute one: under 150 ms of
server time (median), cache off and on. The national divisions are loaded by the migrations;
the organizations are the synthetic registry of the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench import synthetic
from bench.harness import BenchmarkError, Check, Context, Report, Row, compare

NAME = "dashboard"
AS_OF = dt.date(2012, 11, 30)
KIND = "agency"  # the page's default kind
TARGET_MS = 150.0
CASES: tuple[tuple[str, str, dt.date | None], ...] = (
    ("Beijing 110000", "110000", AS_OF),
    ("Guangdong 440000", "440000", AS_OF),
    ("default page", "110000", None),
)


def _page(client: Client, region: str, as_of: dt.date | None) -> Callable[[], bytes]:
    query = {} if as_of is None else {"region": region, "as_of": as_of.isoformat()}

    def get() -> bytes:
        response = client.get("/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            raise BenchmarkError(f"{NAME}: / {query} answered {response.status_code}")
        return bytes(response.content)

    return get


def _selector(region: str, as_of: dt.date) -> Callable[[], Any]:
    from shuniu.stats.selectors import organization_stats

    return lambda: organization_stats(region_code=region, as_of=as_of, kind=KIND)


def _queries(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def run(ctx: Context) -> Report:
    from django.utils import timezone

    data = synthetic.dataset(ctx)
    report = Report(
        name=NAME,
        title=f"dashboard: GET / (whole page, in process) vs its statistics alone "
        f"({data.organizations:,} orgs)",
        subject="page",
        baseline="selector",
        target=f"page under {TARGET_MS:g} ms server time (median), cache off and on",
    )
    client = Client()
    for cache_seconds, cache_label in ((0, "cache off"), (600, "cache on")):
        with override_settings(SHUNIU_STATS_CACHE_SECONDS=cache_seconds):
            for label, region, as_of in CASES:
                page = _page(client, region, as_of)
                selector = _selector(region, as_of or timezone.localdate())
                pair = compare(page, selector, repeat=max(ctx.repeat, 5))
                total = pair.baseline.total
                if f">{total:,}<".encode() not in pair.subject and str(total).encode() not in (
                    pair.subject
                ):
                    raise BenchmarkError(f"{NAME}: the {label} page does not show {total}")
                report.rows.append(
                    Row(
                        case=f"{label}, {cache_label}",
                        rows=total,
                        subject_s=pair.subject_s,
                        baseline_s=pair.baseline_s,
                        queries=_queries(page),
                        baseline_queries=_queries(selector),
                    )
                )
                report.checks.append(
                    Check(
                        f"{label}, {cache_label}: page server time",
                        f"{pair.subject_s * 1000:.1f} ms (selector alone "
                        f"{pair.baseline_s * 1000:.1f} ms, {len(pair.subject) // 1024} KiB)",
                        pair.subject_s * 1000 < TARGET_MS,
                    )
                )
    return report
