"""``shuniu demo load``: load or refresh the demo dataset (idempotent)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.demo import dataset as ds
from shuniu.demo.services import LoadSummary, demo_load

# Shown only when loading takes longer than this: a fast load should print just its summary.
PROGRESS_AFTER_SECONDS = 1.0


class _LazyProgress:
    """A progress bar on stderr that appears once the work has taken over a second."""

    def __init__(self, stream: Any) -> None:
        self.started = time.monotonic()
        self.console = Console(file=stream)
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
                return
            self.progress = Progress(
                TextColumn(_("Loading the demo dataset")),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("demo", total=total)
        self.progress.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "The demo dataset. 'load' loads or refreshes it: Beijing, Shanghai and Shenzhen "
        "organizations that reproduce the 2012 survey's figures, published figures, a target, "
        f"and the demo-only accounts {ds.DEMO_ADMIN} and {ds.DEMO_OFFICER} (password from "
        f"{ds.DEMO_PASSWORD_ENV}, default {ds.DEMO_PASSWORD_DEFAULT}; never use them on a real "
        "installation). Running it again creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser("load", help="load or refresh the demo dataset (idempotent)")
        load.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="json: also print the counts to stdout as JSON",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self.load(output_format=options.get("format") or "table")

    def load(self, *, output_format: str) -> None:
        stream = getattr(self.stderr, "_out", sys.stderr)
        progress = _LazyProgress(stream)
        try:
            summary = demo_load(actor=cli_actor("demo load"), progress=progress)
        except ValidationError as exc:
            raise CommandError(
                _("Demo dataset not loaded: %(reason)s") % {"reason": _reason(exc)}
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.stop()
        self.report(summary)
        if output_format == "json":
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))

    def report(self, summary: LoadSummary) -> None:
        self.stderr.style_func = None  # a summary, not an error: no red
        self.stderr.write(
            _("Demo dataset loaded in %(seconds).1f s.") % {"seconds": summary.seconds}
        )
        labels = {
            "organizations": _("organizations"),
            "events": _("events"),
            "support": _("support records"),
            "published_figures": _("published figures"),
            "targets": _("targets"),
            "users": _("demo accounts"),
            "purchasing_organizations": _("buyers and evaluation institutions"),
            "purchasing_users": _("supplier and evaluator roles"),
            "purchases": _("demo purchases"),
        }
        for name, tally in summary.tallies.items():
            parts = [_("%(n)d created") % {"n": tally.created}]
            if tally.updated:
                parts.append(_("%(n)d updated") % {"n": tally.updated})
            parts.append(_("%(n)d unchanged") % {"n": tally.unchanged})
            self.stderr.write(f"  {labels.get(name, name)}: {', '.join(parts)}")
