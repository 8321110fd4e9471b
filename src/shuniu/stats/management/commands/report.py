from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rich.console import Console

from shuniu.core.cli import domain_errors_as_command_errors, parse_date
from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.report_files import FORMATS, LANGUAGES, report_file, report_filename
from shuniu.interop.report_pdf import PdfUnavailable
from shuniu.stats.report import sector_report
from shuniu.stats.selectors import records_end


class Command(BaseCommand):
    help = "Reports made from the records as of a date (HTML, XLSX or PDF files)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        sector = sub.add_parser(
            "sector",
            help="the sector report of a city or district: figures, growth, map, hubs, "
            "support, workforce, purchasing, targets and a short narrative",
        )
        sector.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 110000")
        sector.add_argument(
            "--as-of",
            dest="as_of",
            help="YYYY-MM-DD (default: the last date the region's records speak of)",
        )
        # A plain option, not ``choices``: an unknown format gets this command's own
        # one-line message (and exit 1) like every other refusal.
        sector.add_argument("--format", default="html", help="html, xlsx or pdf (default: html)")
        sector.add_argument(
            "--output",
            help="file to write (default: sector-<code>-<date>.<format> in this directory)",
        )
        sector.add_argument(
            "--language", default="zh-hans", help="zh-hans or en (default: zh-hans)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"]
        if language not in LANGUAGES:
            raise CommandError(
                _("--language: unknown language %(value)r; one of %(names)s")
                % {"value": language, "names": ", ".join(LANGUAGES)}
            )
        # Every message from here on, errors included, in the report's language.
        with translation.override(language):
            self._sector(options)

    def _sector(self, options: dict[str, Any]) -> None:
        fmt, language = options["format"], options["language"]
        if fmt not in FORMATS:
            raise CommandError(
                _("--format: unknown format %(value)r; one of %(names)s")
                % {"value": fmt, "names": ", ".join(FORMATS)}
            )
        console = Console(stderr=True)
        index = DivisionIndex.load()
        region_code = options["region"]
        region = index.by_code.get(region_code)
        if region is None:
            raise CommandError(
                _("--region: no region has the code %(code)r") % {"code": region_code}
            )
        if options["as_of"]:
            as_of = parse_date(options["as_of"], "--as-of")
        else:
            today = timezone.localdate()
            as_of = records_end(region=region, today=today, index=index).organizations or today
        with console.status(_("Computing the report…")):
            try:
                report = sector_report(region_code=region_code, as_of=as_of, index=index)
            except (ValidationError, NotFound) as exc:
                raise domain_errors_as_command_errors(exc) from exc
        with console.status(_("Writing %(format)s…") % {"format": fmt.upper()}):
            try:
                data = report_file(report, fmt=fmt, language=language, index=index)
            except PdfUnavailable as exc:
                raise CommandError(str(exc)) from exc
        path = Path(options["output"] or report_filename(region_code, as_of, fmt))
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("--output: cannot write %(path)s (%(error)s)")
                % {"path": path, "error": exc.strerror or exc}
            ) from exc
        console.print(
            _("Wrote %(path)s (%(size)s bytes).") % {"path": path, "size": f"{len(data):,}"}
        )
        self.stdout.write(str(path))
