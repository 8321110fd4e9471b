"""Run the benchmarks: ``python -m bench [--scale N] [--only NAME ...] [--strict]``.

A benchmark is a module ``bench/<name>.py`` with ``run(ctx: Context) -> Report``; add it to
``BENCHMARKS``. Modules are imported only after Django is set up on the throwaway database.

Exit status: 1 when a benchmark's result disagrees with its baseline (always), or when a
target is missed and ``--strict`` is given; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench.harness import (
    BenchmarkError,
    Context,
    Report,
    console,
    open_database,
    peak_rss_mib,
    render,
)

BENCHMARKS = {
    "stats_as_of": "bench.stats_as_of",
    "org_list": "bench.org_list",
    "people_import": "bench.people_import",
    "workforce_stats": "bench.workforce_stats",
    "org_download": "bench.org_download",
    "import_reads": "bench.import_reads",
    "purchasing_stats": "bench.purchasing_stats",
    "targets_progress": "bench.targets_progress",
    "divisions_index": "bench.divisions_index",
    "stats_endpoint": "bench.stats_endpoint",
    "cli_start": "bench.cli_start",
    "dashboard": "bench.dashboard",
    "search_vs_datasette": "bench.search_vs_datasette",
    # Last: it imports a quarter of a million organizations into the run's database, which
    # would make every benchmark after it measure that registry instead of the synthetic one
    # (and OFFSET paging in org_download quadratic over it).
    "org_import": "bench.org_import",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks against a throwaway database, with ratios to a baseline "
        "measured in the same run.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="data size factor; 1 = national scale (20,000 organizations)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    parser.add_argument("--seed", type=int, default=20121130, help="seed of the synthetic data")
    parser.add_argument(
        "--strict", action="store_true", help="exit non-zero when a target is missed"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway database (and print where)"
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    database = open_database(keep=args.keep)
    console.print(f"Database: {database.label}\n")
    ctx = Context(scale=args.scale, repeat=args.repeat, seed=args.seed, database=database)
    reports: list[Report] = []
    failed = False
    try:
        for name in args.only or list(BENCHMARKS):
            report = importlib.import_module(BENCHMARKS[name]).run(ctx)
            render(report)
            reports.append(report)
    except BenchmarkError as exc:
        console.print(f"[bold red]BENCHMARK FAILED[/]: {exc}")
        failed = True
    finally:
        database.close()
    missed = [r.name for r in reports if r.has_target and not r.passed]
    console.print(
        f"Peak memory (ru_maxrss): {peak_rss_mib():,.0f} MiB · "
        f"{time.perf_counter() - started:.0f} s in all · "
        + (
            "[bold red]FAILED: a result disagreed with its baseline[/]"
            if failed
            else f"[red]targets missed: {', '.join(missed)}[/]"
            if missed
            else "targets met"
        )
        + (f" · kept {database.label}" if args.keep else "")
    )
    if failed:
        return 1
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
