"""Directory search: Shuniu's production server against datasette serving the same table.

On the run's synthetic registry (SQLite only), two servers on the same machine, one at a time:

- Shuniu: ``shuniu serve`` (gunicorn, 2 workers, SHUNIU_PRODUCTION=1), ``GET
  /api/v1/organizations?q=Q&page_size=50``: the directory's search, its count and its first
  page ordered by name (then id);
- datasette, on a copy of the same SQLite file with facets off (``suggest_facets off``,
  ``allow_facet off``, ``default_facet_size 0``): ``GET /<db>/registry_organization.json?
  search_text__contains=Q&_sort=name&_size=50``, the same column (``search_text``: name,
  English name, address, credit code, former names, lower-cased), its count
  (``filtered_table_rows_count``) and its first 50 rows by name.

Both must give the same count and the same names on the page for each query (the bench fails
otherwise). Each query is loaded for ``SHUNIU_BENCH_LOAD_SECONDS`` seconds (default 10) with
the same number of keep-alive clients (wrk when installed). Target: Shuniu's throughput at
least twice datasette's for a 1-, a 2- and a 3+-character query.

The clients run on the machine that serves, so the figures are a floor for both.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from bench import synthetic
from bench.harness import BenchmarkError, Check, Context, Report, Row
from bench.server import (
    Load,
    Served,
    api_rate,
    get,
    load_client,
    run_load,
    shuniu_serve,
    started,
)

NAME = "search_vs_datasette"
CLIENTS = 8
WORKERS = 2
PAGE_SIZE = 50
DURATION_S = int(os.environ.get("SHUNIU_BENCH_LOAD_SECONDS", "") or 10)
TARGET_RATIO = 2.0
# A common character, a word of the synthetic names, and that word across a suffix boundary.
QUERIES = ("阳", "阳光", "阳光社")
DATABASE = "registry"


def shuniu_path(q: str) -> str:
    return f"/api/v1/organizations?q={quote(q)}&page_size={PAGE_SIZE}"


def datasette_path(q: str) -> str:
    return (
        f"/{DATABASE}/registry_organization.json?search_text__contains={quote(q)}"
        f"&_sort=name&_size={PAGE_SIZE}&_shape=objects"
    )


def _answer(port: int, path: str, server: str) -> dict:  # type: ignore[type-arg]
    status, body = get(port, path)
    if status != 200:
        raise BenchmarkError(f"{NAME}: {server} answered {status} to {path}:\n{body[:500]!r}")
    return json.loads(body)  # type: ignore[no-any-return]


def shuniu_result(server: Served, q: str) -> tuple[int, list[str]]:
    body = _answer(server.port, shuniu_path(q), "Shuniu")
    return body["count"], [item["name"] for item in body["items"]]


def datasette_result(server: Served, q: str) -> tuple[int, list[str]]:
    body = _answer(server.port, datasette_path(q), "datasette")
    return body["filtered_table_rows_count"], [row["name"] for row in body["rows"]]


def same_results(shuniu: Served, datasette: Served, q: str) -> int:
    """The count both give for ``q`` (the bench fails if they differ, in the count or in the
    names on the first page)."""
    mine, theirs = shuniu_result(shuniu, q), datasette_result(datasette, q)
    if mine != theirs:
        raise BenchmarkError(
            f"{NAME} q={q}: Shuniu and datasette disagree\n"
            f"  Shuniu: count {mine[0]}, names {mine[1][:5]}…\n"
            f"  datasette: count {theirs[0]}, names {theirs[1][:5]}…"
        )
    if not mine[1]:
        raise BenchmarkError(f"{NAME} q={q}: nothing matched; the case measures nothing")
    return mine[0]


def _copy_database(target: Path) -> None:
    """A consistent copy of the run's SQLite file (the backup API, whatever the journal)."""
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def datasette_serve(path: Path, log: Path):  # type: ignore[no-untyped-def]
    datasette = Path(sys.executable).with_name("datasette")
    command = [
        str(datasette),
        "serve",
        str(path),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "allow_facet",
        "off",
        "--setting",
        "default_facet_size",
        "0",
    ]
    return started(command, env=dict(os.environ), log=log, name=NAME)


def run(ctx: Context) -> Report:
    report = Report(
        name=NAME,
        title=f"{NAME}: directory search, Shuniu vs datasette (facets off)",
        subject="Shuniu",
        baseline="datasette",
        target=f"Shuniu's req/s ≥ {TARGET_RATIO:g}× datasette's for each query",
    )
    if connection.vendor != "sqlite":
        report.notes.append("datasette serves SQLite only: not run on this database")
        return report
    if not Path(sys.executable).with_name("datasette").exists():
        report.checks.append(
            Check("datasette installed (make bench installs the bench group)", "no", False)
        )
        return report
    data = synthetic.dataset(ctx)
    report.title += f" ({data.organizations:,} organizations)"
    var = Path(settings.VAR_DIR)
    copy = var / f"{DATABASE}.sqlite3"
    _copy_database(copy)
    results: dict[str, dict[str, Load]] = {q: {} for q in QUERIES}
    counts: dict[str, int] = {}
    load_before = os.getloadavg()[0]
    shuniu_server = shuniu_serve(workers=WORKERS, log=var / "bench-search-shuniu.log", name=NAME)
    datasette_server = datasette_serve(copy, var / "bench-search-datasette.log")
    with shuniu_server as shuniu, datasette_server as datasette:
        for q in QUERIES:
            counts[q] = same_results(shuniu, datasette, q)
            for label, server, path in (
                ("Shuniu", shuniu, shuniu_path(q)),
                ("datasette", datasette, datasette_path(q)),
            ):
                results[q][label] = run_load(
                    server, path, clients=CLIENTS, seconds=DURATION_S, name=NAME
                )
    report.notes.append(f"load client: {load_client()}")
    report.notes.append(
        f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    for q in QUERIES:
        mine, theirs = results[q]["Shuniu"], results[q]["datasette"]
        case = f"q={q} ({len(q)} char{'s' if len(q) > 1 else ''})"
        # Row times are the seconds per request at this concurrency: the ratio is datasette's
        # throughput over Shuniu's.
        report.rows.append(
            Row(
                case=case,
                rows=counts[q],
                subject_s=1 / mine.rps if mine.rps else float("inf"),
                baseline_s=1 / theirs.rps if theirs.rps else float("inf"),
                limit=1 / TARGET_RATIO,
            )
        )
        for server, load in (("Shuniu", mine), ("datasette", theirs)):
            report.notes.append(f"{case} {server}: {load.summary()}")
        ratio = mine.rps / theirs.rps if theirs.rps else float("inf")
        report.checks.append(
            Check(
                f"{case}: Shuniu/datasette req/s",
                f"{ratio:.2f} ({mine.rps:,.0f} vs {theirs.rps:,.0f})",
                ratio >= TARGET_RATIO and mine.errors == 0,
            )
        )
    report.notes.append(
        f"{CLIENTS} keep-alive clients for {DURATION_S} s per server and query; Shuniu: "
        f"shuniu serve, {WORKERS} gunicorn workers, anonymous API rate {api_rate()!r}; "
        "datasette: one process, its defaults with facets off; rows: organizations matched; "
        "ms: 1 / req/s"
    )
    return report
