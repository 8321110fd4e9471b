"""``shuniu demo load``: load or refresh the demo dataset (idempotent)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.progress import LINE_EVERY_SECONDS, staged_bars
from shuniu.demo import dataset as ds
from shuniu.demo import national
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
        "installation). Running it again creates nothing new. 'generate --scale national' "
        "loads it, then adds a synthetic national dataset (deterministic for a seed) in "
        "every province outside the three cities."
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

        generate = actions.add_parser(
            "generate",
            help="load the demo dataset, then generate a synthetic national one (once)",
        )
        generate.add_argument(
            "--scale", required=True, choices=("national",), help="national: every province"
        )
        for flag, default, what in (
            ("--seed", national.DEFAULT_SEED, "random seed: the same seed gives the same rows"),
            ("--organizations", national.ORGANIZATIONS, "organizations to generate"),
            ("--people", national.PEOPLE, "people (with employment, most certified)"),
            ("--purchases", national.PURCHASES, "purchases"),
        ):
            shown = f"{default:,}" if flag != "--seed" else str(default)
            generate.add_argument(flag, default=str(default), help=f"{what} (default {shown})")
        generate.add_argument(
            "--format",
            choices=("table", "json"),
            default="table",
            help="json: also print the counts to stdout as JSON",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self.load(output_format=options.get("format") or "table")
        elif options["action"] == "generate":
            self.generate(options)

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

    def generate(self, options: dict[str, Any]) -> None:
        sizes = {
            name: _whole(name, options[name]) for name in ("organizations", "people", "purchases")
        }
        seed = _whole("seed", options["seed"], lowest=0)
        try:
            national.check_sizes(**sizes)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"--{flag}: {' '.join(m)}" for flag, m in exc.message_dict.items())
            ) from exc
        earlier = national.national_generated()
        if earlier:
            raise CommandError(
                _(
                    "The national dataset is already there (%(n)s organizations generated by an "
                    "earlier run); nothing was written. Start from an empty database to "
                    "generate it again."
                )
                % {"n": f"{earlier:,}"}
            )
        self.load(output_format="table")
        actor = cli_actor("demo generate")
        with _stage_progress(getattr(self.stderr, "_out", sys.stderr)) as progress:
            try:
                summary = national.national_generate(
                    actor=actor, seed=seed, progress=progress, **sizes
                )
            except ValidationError as exc:
                raise CommandError(
                    _("National dataset not generated: %(reason)s") % {"reason": _reason(exc)}
                ) from exc
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        self.stderr.style_func = None
        self.stderr.write(
            _("National dataset generated in %(seconds).1f s (seed %(seed)s).")
            % {"seconds": sum(summary.seconds.values()), "seed": seed}
        )
        for name, count in summary.counts.items():
            self.stderr.write(f"  {_GENERATED.get(name, name)}: {count:,}")
        if options.get("format") == "json":
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


_GENERATED = {
    "organizations": gettext_lazy("organizations"),
    "events": gettext_lazy("events"),
    "people": gettext_lazy("people"),
    "certificates": gettext_lazy("certificates"),
    "employments": gettext_lazy("employments"),
    "purchases": gettext_lazy("purchases"),
}
_STAGES = {
    "organizations": gettext_lazy("Organizations"),
    "people": gettext_lazy("People"),
    "purchases": gettext_lazy("Purchases"),
}


def _whole(flag: str, value: Any, *, lowest: int = 1) -> int:
    """The flag's value as a whole number, or a CommandError naming the flag."""
    text = str(value).replace(",", "").replace("_", "").strip()
    if not text.isdigit() or int(text) < lowest:
        raise CommandError(
            _("--%(flag)s: %(value)r is not a whole number of at least %(lowest)s.")
            % {"flag": flag, "value": value, "lowest": lowest}
        )
    return int(text)


@contextmanager
def _stage_progress(stream: Any) -> Iterator[national.load.Progress]:
    """A bar per stage on a terminal; elsewhere a line every few seconds."""
    console = Console(file=stream)
    if not console.is_terminal:
        last = [time.monotonic()]

        def line(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= LINE_EVERY_SECONDS or done == total:
                last[0] = now
                stream.write(f"{_STAGES.get(stage, stage)}: {done:,}/{total:,}\n")

        yield line
        return
    with staged_bars(console, _STAGES) as update:
        yield update
