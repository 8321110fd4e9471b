"""``shuniu targets progress``: the targets of a region and their progress on a date, the
same items as ``GET /api/v1/targets``."""

from __future__ import annotations

import io
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from shuniu.core.cli import domain_errors_as_command_errors, dumps, parse_date
from shuniu.core.errors import NotFound, ValidationError
from shuniu.core.replica import replica_reads
from shuniu.targets.models import Metric
from shuniu.targets.selectors import target_payload, targets_with_progress


class Command(BaseCommand):
    # Read-only: no system checks (they import every URL pattern, the API and the admin), so
    # that the command starts fast (issue 10); `shuniu check` and `shuniu serve` run them.
    requires_system_checks: list[str] = []
    help = "Targets and their progress (the same numbers as /api/v1/targets)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        progress = sub.add_parser(
            "progress",
            help="the targets of a region with actual, percent, state and the date first met",
        )
        progress.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 110000")
        progress.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        progress.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        # Progress figures only read: from the read replica when there is one (shuniu.core.replica).
        with replica_reads():
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        as_of = (
            parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
        )
        try:
            items = targets_with_progress(region_code=options["region"], as_of=as_of)
        except (ValidationError, NotFound) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        payload = [target_payload(i) for i in items]
        if options["format"] == "json":
            self.stdout.write(dumps({"items": payload, "count": len(payload)}))
            return
        metrics = dict(Metric.choices)
        states = {
            "met": _("met"),
            "on_track": _("on track"),
            "behind": _("behind"),
            "missed": _("missed"),
        }
        table = Table(
            _("Target"),
            _("Scope"),
            _("Value"),
            _("Due on"),
            _("Actual"),
            _("Percent"),
            _("State"),
            _("First met on"),
            title=_("Targets as of %(date)s") % {"date": as_of.isoformat()},
        )
        for item in payload:
            progress = item["progress"]
            scope = "、".join(d["name"] for d in item["scope"]) or item["region"]["name"]
            table.add_row(
                str(metrics.get(item["metric"], item["metric"])),
                scope,
                str(item["value"]),
                item["due_on"].isoformat(),
                str(progress["actual"]),
                f"{progress['percent']:.2f}",
                str(states[progress["state"]]),
                progress["first_met_on"].isoformat() if progress["first_met_on"] else "—",
            )
        buffer = io.StringIO()
        Console(file=buffer, width=120).print(table)
        self.stdout.write(buffer.getvalue(), ending="")
