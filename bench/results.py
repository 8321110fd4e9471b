"""What every benchmark reports: timing (medians of interleaved runs, stopwatches), results
and their table on the console.

Plain Python and rich only: the synthetic data and the benchmarks import it before and
after Django is set up alike.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rich.console import Console
from rich.table import Table

T = TypeVar("T")
U = TypeVar("U")

# Piped output (make bench | tee) would be cut to 80 columns and wrap every table.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


# ---------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Pair(Generic[T, U]):
    subject: T
    baseline: U
    subject_s: float
    baseline_s: float
    # Further variants timed alongside (title -> result, title -> median seconds).
    extra: dict[str, Any] = field(default_factory=dict)
    extra_s: dict[str, float] = field(default_factory=dict)


def compare(
    subject: Callable[[], T],
    baseline: Callable[[], U],
    *,
    repeat: int,
    extra: dict[str, Callable[[], Any]] | None = None,
) -> Pair[T, U]:
    """Median times of ``subject``, ``baseline`` and any ``extra`` variants over ``repeat``
    interleaved runs.

    One untimed run of each first (its results are returned for checking), so no side pays
    alone for cold caches; interleaving spreads the noise of a shared machine over all sides.
    """
    calls: dict[str, Callable[[], Any]] = {
        "subject": subject,
        "baseline": baseline,
        **(extra or {}),
    }
    results = {name: fn() for name, fn in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            times[name].append(timed(fn)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    return Pair(
        results.pop("subject"),
        results.pop("baseline"),
        medians.pop("subject"),
        medians.pop("baseline"),
        extra=results,
        extra_s=medians,
    )


@dataclass
class Stopwatch:
    """Wall and CPU time of this process, summed over many calls.

    On a shared machine the two differ: the gap is time spent waiting (for the disk, or for
    a core other processes hold), the CPU figure what the work itself cost.
    """

    wall: float = 0.0
    cpu: float = 0.0

    def run(self, fn: Callable[[], T]) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn()
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One case: the code under test against its baseline."""

    case: str
    rows: int
    subject_s: float
    baseline_s: float
    queries: int | None = None
    baseline_queries: int | None = None
    limit: float | None = None  # the ratio subject/baseline must not exceed
    # Further timings that explain the ratio (column title -> median seconds).
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.subject_s / self.baseline_s if self.baseline_s else float("inf")

    @property
    def passed(self) -> bool:
        return self.limit is None or self.ratio <= self.limit


@dataclass
class Stage:
    """One step of a bulk job and its throughput."""

    name: str
    rows: int
    unit: str
    watch: Stopwatch

    @property
    def per_second(self) -> float:
        return self.rows / self.watch.wall if self.watch.wall else float("inf")


@dataclass
class Check:
    """A target that is not a ratio of times (peak memory, say): what was measured and
    whether it passed."""

    label: str
    value: str
    passed: bool


@dataclass
class Report:
    name: str
    title: str
    subject: str = "subject"
    baseline: str = "baseline"
    rows: list[Row] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    target: str = ""
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def has_target(self) -> bool:
        return bool(self.checks) or any(r.limit is not None for r in self.rows)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows) and all(c.passed for c in self.checks)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def render(report: Report) -> None:
    if report.stages:
        table = Table(title=report.title, title_justify="left")
        table.add_column("stage")
        table.add_column("rows", justify="right")
        table.add_column("wall s", justify="right")
        table.add_column("cpu s", justify="right")
        table.add_column("rows/s", justify="right")
        for stage in report.stages:
            table.add_row(
                stage.name,
                f"{stage.rows:,} {stage.unit}",
                f"{stage.watch.wall:.2f}",
                f"{stage.watch.cpu:.2f}",
                f"{stage.per_second:,.0f}",
            )
        console.print(table)
    if report.rows:
        table = Table(title=report.title if not report.stages else None, title_justify="left")
        table.add_column("case")
        table.add_column("rows", justify="right")
        table.add_column(f"{report.subject} ms", justify="right")
        table.add_column(f"{report.baseline} ms", justify="right")
        table.add_column("ratio", justify="right")
        extras = list(dict.fromkeys(k for r in report.rows for k in r.extras))
        for title in extras:
            table.add_column(f"{title} ms", justify="right")
        with_queries = any(r.queries is not None for r in report.rows)
        if with_queries:
            table.add_column("queries", justify="right")
        if report.has_target:
            table.add_column("target", justify="right")
        for row in report.rows:
            cells = [
                row.case,
                f"{row.rows:,}",
                _ms(row.subject_s),
                _ms(row.baseline_s),
                f"{row.ratio:.2f}",
                *(_ms(row.extras[t]) if t in row.extras else "" for t in extras),
            ]
            if with_queries:
                cells.append(f"{row.queries} vs {row.baseline_queries}")
            if report.has_target:
                cells.append(
                    ""
                    if row.limit is None
                    else f"≤{row.limit:g} " + ("[green]PASS" if row.passed else "[red]FAIL")
                )
            table.add_row(*cells)
        console.print(table)
    for note in report.notes:
        console.print(f"  {note}")
    for check in report.checks:
        verdict = "[green]PASS[/]" if check.passed else "[red]FAIL[/]"
        console.print(f"  {check.label}: {check.value} → {verdict}")
    if report.has_target:
        verdict = "[green]PASS[/]" if report.passed else "[red]FAIL[/]"
        console.print(f"  target: {report.target} → {verdict}")
    console.print()
