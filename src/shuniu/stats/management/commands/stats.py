from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from shuniu.core.cli import domain_errors_as_command_errors, dumps, parse_date
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.registry.models import Formation, Kind, Status
from shuniu.stats.selectors import OrganizationStats, organization_stats


class Command(BaseCommand):
    help = "Statistics as of a date (the same numbers as /api/v1/stats/...)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="figure", required=True, metavar="FIGURE")
        orgs = sub.add_parser(
            "organizations",
            help="organizations that exist on a date, by status, district, kind and formation",
        )
        orgs.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 110000")
        orgs.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        orgs.add_argument("--kind", choices=Kind.values, help="organization kind (default: all)")
        orgs.add_argument(
            "--exclude-registering",
            action="store_true",
            help="count registered organizations only",
        )
        orgs.add_argument("--format", choices=["table", "json"], default="table")
        self._figures = sub

    def handle(self, *args: Any, **options: Any) -> None:
        if options["figure"] == "organizations":
            self._organizations(options)

    def _organizations(self, options: dict[str, Any]) -> None:
        as_of = (
            parse_date(options["as_of"], "--as-of") if options["as_of"] else timezone.localdate()
        )
        try:
            figures = organization_stats(
                region_code=options["region"],
                as_of=as_of,
                kind=options["kind"],
                include_registering=not options["exclude_registering"],
            )
        except (ValidationError, NotFound, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        if options["format"] == "json":
            self.stdout.write(dumps(figures))
            return
        _print_table(figures)


def _print_table(figures: OrganizationStats) -> None:
    console = Console()
    kinds = dict(Kind.choices)
    title = _("%(region)s as of %(date)s: %(kind)s") % {
        "region": figures.region.name,
        "date": figures.as_of.isoformat(),
        "kind": kinds.get(figures.kind or "", _("all kinds")),
    }
    console.print(f"[bold]{title}[/bold]")
    statuses = dict(Status.choices)
    summary = Table(show_header=False)
    summary.add_row(_("Total"), str(figures.total))
    for status, count in figures.by_status.items():
        summary.add_row(f"  {statuses.get(status, status)}", str(count))
    summary.add_row(
        _("Districts covered"), f"{figures.districts_covered} / {figures.districts_total}"
    )
    console.print(summary)
    districts = Table(_("Code"), _("District"), _("Count"))
    for row in figures.by_district:
        districts.add_row(row.code, row.name, str(row.count))
    console.print(districts)
    formations = dict(Formation.choices)
    by_formation = Table(_("Formation"), _("Count"))
    for f in figures.by_formation:
        by_formation.add_row(str(formations.get(f.formation, f.formation)), str(f.count))
    console.print(by_formation)
    by_kind = Table(_("Kind"), _("Count"))
    for kind, count in figures.by_kind.items():
        by_kind.add_row(str(kinds.get(kind, kind)), str(count))
    console.print(by_kind)
