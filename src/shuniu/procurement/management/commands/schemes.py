"""``shuniu schemes``: the evaluation schemes (load one from a JSON file, list them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuniu.core.actors import cli_actor
from shuniu.core.cli import domain_errors_as_command_errors, dumps
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.procurement.selectors import evaluation_scheme_list
from shuniu.procurement.services import evaluation_scheme_create

# A scheme file larger than this is no scheme.
MAX_BYTES = 1_000_000


class Command(BaseCommand):
    help = "Evaluation schemes (indicator trees, output bands, grade thresholds): load, list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = sub.add_parser(
            "load", help="create a scheme from a JSON file (format: docs/data-model.md)"
        )
        load.add_argument("file", type=Path, help="the scheme as a JSON object (UTF-8)")
        listing = sub.add_parser("list", help="the schemes, with their thresholds")
        listing.add_argument(
            "--format", choices=["table", "json"], default="table", help="default: table"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options["file"])
        else:
            self._list(options["format"])

    def _load(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("%(file)s: cannot be read (%(reason)s)")
                % {"file": path, "reason": exc.strerror or exc}
            ) from exc
        if len(raw) > MAX_BYTES:
            raise CommandError(_("%(file)s: larger than 1 MB") % {"file": path})
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                _("%(file)s: not UTF-8 JSON (%(reason)s)") % {"file": path, "reason": exc}
            ) from exc
        try:
            scheme = evaluation_scheme_create(actor=cli_actor("schemes load"), data=data)
        except (ValidationError, PermissionDenied) as exc:
            raise domain_errors_as_command_errors(exc) from exc
        self.stdout.write(
            _("Scheme %(code)s loaded: %(n)s indicators.")
            % {"code": scheme.code, "n": scheme.indicators.count()}
        )

    def _list(self, fmt: str) -> None:
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "excellent_from": str(s.excellent_from),
                "good_from": str(s.good_from),
                "pass_from": str(s.pass_from),
            }
            for s in evaluation_scheme_list()
        ]
        if fmt == "json":
            self.stdout.write(dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['code']}\t{row['name']}\t"
                f"{row['excellent_from']}/{row['good_from']}/{row['pass_from']}"
            )
