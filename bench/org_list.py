"""``GET /api/v1/organizations`` (the whole request, through django.test.Client) against raw
SQL that fetches the same count and page of ids.

The ratio shows what the API adds on top of the database work it cannot avoid: the
division index, the search path chosen for the query length, prefetching and serialization.
The baseline searches with a plain LIKE whatever the length, so the check that both return
the same ids also checks the FTS5 trigram path against LIKE.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare
from bench.sql import REGION_DIVISIONS_CTE, fetch_all

NAME = "org_list"
URL = "/api/v1/organizations"
REGION = "110000"
PAGE_SIZE = 50
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    (f"region={REGION}", {}),
    ("q=阳光 (2 chars)", {"q": "阳光"}),
    ("q=阳光社 (3 chars)", {"q": "阳光社"}),
)

Page = tuple[int, tuple[int, ...]]


def api_page(client: Client, params: dict[str, Any]) -> Page:
    response = client.get(URL, params)
    if response.status_code != 200:
        raise BenchmarkError(f"{NAME}: GET {URL} {params} answered {response.status_code}")
    body = response.json()
    return body["count"], tuple(item["id"] for item in body["items"])


def sql_page(on: dt.date, q: str | None) -> Page:
    where = "o.registrar_division_id IN (SELECT division_id FROM region_holder)"
    params: list[Any] = [on, REGION]
    if q:
        where += " AND o.search_text LIKE %s"
        params.append(f"%{q.lower()}%")
    count = fetch_all(
        f"WITH RECURSIVE {REGION_DIVISIONS_CTE} SELECT COUNT(*) FROM registry_organization o "  # noqa: S608 benchmark tables and constants of the code; no outside input
        f"WHERE {where}",
        params,
    )[0][0]
    ids = fetch_all(
        f"WITH RECURSIVE {REGION_DIVISIONS_CTE} SELECT o.id FROM registry_organization o "  # noqa: S608 benchmark tables and constants of the code; no outside input
        f"WHERE {where} ORDER BY o.name, o.id LIMIT %s",
        [*params, PAGE_SIZE],
    )
    return count, tuple(row[0] for row in ids)


def run(ctx: Context) -> Report:
    synthetic.dataset(ctx)
    client = Client()
    report = Report(
        name=NAME,
        title="org_list: the API list vs raw SQL",
        subject="API",
        baseline="SQL",
        notes=[
            f"GET {URL}?region={REGION}&page_size={PAGE_SIZE}[&q=…] through django.test.Client",
            "rows: organizations matched (count); queries: API request vs SQL baseline",
        ],
    )
    on = timezone.localdate()
    for case, extra in CASES:
        params = {"region": REGION, "page_size": PAGE_SIZE, **extra}
        pair = compare(
            partial(api_page, client, params),
            partial(sql_page, on, extra.get("q")),
            repeat=ctx.repeat,
        )
        if pair.subject != pair.baseline:
            raise BenchmarkError(
                f"{NAME} {case}: the API and the SQL baseline disagree\n"
                f"  API: count {pair.subject[0]}, ids {pair.subject[1][:10]}…\n"
                f"  SQL: count {pair.baseline[0]}, ids {pair.baseline[1][:10]}…"
            )
        if not pair.subject[1]:
            raise BenchmarkError(f"{NAME} {case}: nothing matched; the case measures nothing")
        with CaptureQueriesContext(connection) as queries:
            api_page(client, params)
        report.rows.append(
            Row(
                case=case,
                rows=pair.subject[0],
                subject_s=pair.subject_s,
                baseline_s=pair.baseline_s,
                queries=len(queries.captured_queries),
                baseline_queries=2,
            )
        )
    return report
