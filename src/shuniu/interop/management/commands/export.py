"""``shuniu export``: open data out of Shuniu (OCDS 1.1 for purchases)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.core.cli import domain_errors_as_command_errors, parse_date
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.interop.ocds import export_rows, release_package_stream
from shuniu.procurement.figures import purchases_in_region


class Command(BaseCommand):
    help = "Export public data (the same documents as the API's open-data endpoints)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
        ocds = sub.add_parser(
            "ocds",
            help="an OCDS 1.1 release package of the region's purchases (as /api/v1/ocds/releases)",
        )
        ocds.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 440300")
        ocds.add_argument("--from", dest="start", help="releases dated on or after YYYY-MM-DD")
        ocds.add_argument("--to", dest="end", help="releases dated on or before YYYY-MM-DD")
        ocds.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] == "ocds":
            self._ocds(options)

    def _ocds(self, options: dict[str, Any]) -> None:
        start = parse_date(options["start"], "--from") if options["start"] else None
        end = parse_date(options["end"], "--to") if options["end"] else None
        if start and end and start > end:
            raise CommandError(_("--to: must not be before --from"))
        try:
            rows = purchases_in_region(
                region_code=options["region"], on=end or timezone.localdate(), start=start, end=end
            )
        except (ValidationError, NotFound, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        uri = f"urn:shuniu:ocds:{options['region']}:{start or ''}:{end or ''}"
        chunks = release_package_stream(
            export_rows(rows).iterator(chunk_size=500),
            uri=uri,
            published=timezone.now(),
            start=start,
            end=end,
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.writelines(chunks)
            return
        for chunk in chunks:
            self.stdout.write(chunk, ending="")
        self.stdout.write("")
