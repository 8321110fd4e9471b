"""``shuniu export``: open data out of Shuniu (OCDS 1.1 for purchases; HSDS 3, 360Giving and a
Frictionless data package for the registry)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.core.cli import domain_errors_as_command_errors, parse_date
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.replica import replica_reads
from shuniu.interop import datapackage, hsds, threesixty
from shuniu.interop.ocds import export_rows, release_package_stream
from shuniu.interop.opendata import Scope, export_scope
from shuniu.procurement.figures import purchases_in_region


class Command(BaseCommand):
    # Read-only: no system checks (they import every URL pattern, the API and the admin), so
    # that the command starts fast (issue 10); `shuniu check` and `shuniu serve` run them.
    requires_system_checks: list[str] = []
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
        helps = {
            "hsds": "HSDS 3 organizations with locations and services (as /api/v1/export/hsds)",
            "360giving": "360Giving grants from the support ledger (/api/v1/export/360giving)",
            "datapackage": "a Frictionless data package of CSV files (/api/v1/export/datapackage)",
        }
        for name, text in helps.items():
            each = sub.add_parser(name, help=text)
            each.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 110000")
            each.add_argument("--as-of", help="date of the data, YYYY-MM-DD (default: today)")
            if name == "datapackage":
                each.add_argument(
                    "--output",
                    required=True,
                    help="a directory to write, or a file ending in .zip",
                )
            else:
                each.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        # Exports only read: from the read replica when there is one (shuniu.core.replica).
        with replica_reads():
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        if options["format"] == "ocds":
            self._ocds(options)
            return
        # Open data is what anyone may read: exported as the anonymous reader, whoever runs it.
        scope = self._scope(options)
        reader = AnonymousUser()
        if options["format"] == "hsds":
            orgs = hsds.organizations_in_scope(actor=reader, scope=scope)
            self._write(hsds.hsds_stream(orgs, scope), options["output"])
        elif options["format"] == "360giving":
            rows = threesixty.grants_in_scope(scope).iterator(chunk_size=threesixty.CHUNK)
            chunks = threesixty.grants_stream(rows, scope=scope, published=timezone.now())
            self._write(chunks, options["output"])
        else:
            self._datapackage(scope, reader, options["output"])

    def _scope(self, options: dict[str, Any]) -> Scope:
        as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else None
        try:
            return export_scope(region_code=options["region"], as_of=as_of or timezone.localdate())
        except (ValidationError, NotFound) as exc:
            raise domain_errors_as_command_errors(exc) from exc

    def _write(self, chunks: Iterable[str], output: str | None) -> None:
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.writelines(chunks)
            return
        for chunk in chunks:
            self.stdout.write(chunk, ending="")
        self.stdout.write("")

    def _datapackage(self, scope: Scope, reader: AnonymousUser, output: str) -> None:
        path = Path(output)
        if path.suffix.lower() == ".zip":
            datapackage.write_zip(path, actor=reader, scope=scope)
        elif path.exists() and not path.is_dir():
            raise CommandError(
                _("--output: %(path)s is a file; give a directory or a name ending in .zip")
                % {"path": output}
            )
        else:
            datapackage.write_directory(path, actor=reader, scope=scope)

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
