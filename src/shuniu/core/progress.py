"""A rich progress bar on stderr for the long commands (rate and ETA); when stderr is not a
terminal (a log file), a plain line at most every few seconds instead."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

LINE_EVERY_SECONDS = 5.0


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


def rich_progress(console: Console) -> Progress:
    """The bar every long command shows: stage, bar, done/total, rate, elapsed, ETA."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=console, transient=True)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """Yields ``update(done, total)``."""
    console = Console(stderr=True)
    if not console.is_terminal:
        last = [time.monotonic()]

        def line(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= LINE_EVERY_SECONDS:
                last[0] = now
                sys.stderr.write(f"{description}: {done:,}/{total:,}\n")

        yield line
        return
    with rich_progress(console) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def staged_bars(
    console: Console, labels: Mapping[str, object]
) -> Iterator[Callable[[str, int, int], None]]:
    """One bar per stage of a long job, added the first time the stage reports: yields the
    ``(stage, done, total)`` callback that the imports and the national demo take."""
    with rich_progress(console) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(str(labels.get(stage, stage)), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
