"""``shuniu import ENTITY FILE`` and ``shuniu import template ENTITY FILE.xlsx``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rich.console import Console

from shuniu.core.actors import Actor, cli_actor
from shuniu.core.busy import is_busy
from shuniu.core.context import reset_request_id, set_request_id
from shuniu.core.errors import PermissionDenied
from shuniu.core.locks import LockHeld, import_lock
from shuniu.core.progress import staged_bars
from shuniu.interop.importing import Importer, ImportReport, importers, run_import
from shuniu.interop.importing import Progress as ProgressCallback
from shuniu.interop.tables import FileRefused, open_table
from shuniu.interop.template import write_template

TEMPLATE = "template"
# Below this many rows an import takes about a second: a bar would only flicker.
PROGRESS_MIN_ROWS = 300


class Command(BaseCommand):
    help = (
        "Import records from a .csv (UTF-8 or GB18030) or .xlsx file, all or nothing; "
        "or write an empty template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        registry = importers()
        languages = [code for code, _name in settings.LANGUAGES]
        sub = parser.add_subparsers(dest="entity", required=True, metavar="ENTITY")
        for entity, importer in registry.items():
            command = sub.add_parser(entity, help=str(importer.help))
            command.add_argument("file", help=".csv or .xlsx; the header row is row 1")
            command.add_argument(
                "--dry-run",
                action="store_true",
                help="check every row and report what would change; write nothing",
            )
            command.add_argument("--format", choices=["text", "json"], default="text")
            command.add_argument(
                "--as",
                dest="as_user",
                metavar="USERNAME",
                help="act as this user (their jurisdiction applies) instead of the command line",
            )
            command.add_argument("--lang", choices=languages, help="language of the messages")
            command.add_argument(
                "--wait",
                action="store_true",
                help="when another import is running, wait for it to end instead of refusing",
            )
        template = sub.add_parser(TEMPLATE, help="write an empty .xlsx template with help")
        template.add_argument("template_entity", choices=sorted(registry), metavar="ENTITY")
        template.add_argument("file", help="the .xlsx file to write")
        template.add_argument("--force", action="store_true", help="overwrite an existing file")
        template.add_argument("--lang", choices=languages, help="language of the help")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options.get("lang")
        with translation.override(language) if language else nullcontext():
            if options["entity"] == TEMPLATE:
                self._template(options)
            else:
                self._import(importers()[options["entity"]], options)

    def _template(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("%(file)s: a template is an .xlsx file") % {"file": path})
        if path.exists() and not options["force"]:
            raise CommandError(_("%(file)s exists; give --force to overwrite it") % {"file": path})
        write_template(importers()[options["template_entity"]], path)
        self.stderr.write(_("Template written to %(file)s.") % {"file": path})

    def _actor(self, username: str | None, entity: str) -> Actor:
        if not username:
            return cli_actor(f"import {entity}")
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(_("no active user %(name)s") % {"name": username})
        return user

    def _import(self, importer: Importer, options: dict[str, Any]) -> None:
        actor = self._actor(options["as_user"], importer.entity)
        token = set_request_id()
        try:
            # Streamed: rows are read from the file as the importer asks for them.
            table = open_table(options["file"])
            with (
                _import_lock(self, importer.entity, wait=options["wait"]),
                _progress_bar(table.size_hint or 0) as progress,
            ):
                report = run_import(
                    importer,
                    table,
                    actor=actor,
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except (FileRefused, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            raise CommandError(
                _(
                    "the database is busy: another process is writing to it. Nothing was "
                    "written; try again in a moment."
                ),
                returncode=75,
            ) from exc
        except LockHeld as exc:
            # EX_TEMPFAIL: nothing is wrong with the file; the same command works later.
            raise CommandError(
                _(
                    "another import is running (%(holder)s); nothing was written. Try again "
                    "when it has finished, or give --wait to wait for it."
                )
                % {"holder": exc.holder or _("another process")},
                returncode=75,
            ) from exc
        finally:
            reset_request_id(token)
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(report), ensure_ascii=False, indent=2))
        else:
            self._print(report, verbosity=options["verbosity"])
        if report.problems:
            count = report.problem_count
            raise CommandError(
                ngettext(
                    "%(count)s problem found; nothing was written.",
                    "%(count)s problems found; nothing was written.",
                    count,
                )
                % {"count": count},
                returncode=1,
            )

    def _print(self, report: ImportReport, *, verbosity: int) -> None:
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.more_problems:
            self.stderr.write(
                ngettext(
                    "… and %(count)s more problem.",
                    "… and %(count)s more problems.",
                    report.more_problems,
                )
                % {"count": report.more_problems}
            )
        if report.problems:
            return
        if report.dry_run or verbosity > 1:
            for change in report.changes:
                self.stderr.write(
                    _("row %(row)s (%(name)s): changes %(columns)s")
                    % {"row": change.row, "name": change.name, "columns": ", ".join(change.columns)}
                )
        counts = _("created %(created)s, updated %(updated)s, unchanged %(unchanged)s") % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if report.dry_run:
            counts = _("dry run, nothing written: %(counts)s") % {"counts": counts}
        self.stderr.write(counts, style_func=lambda text: text)
        if report.details:
            self.stderr.write(
                ", ".join(f"{_DETAILS.get(k, k)} {v}" for k, v in report.details.items()),
                style_func=lambda text: text,
            )


def _as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "written": report.written,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        **report.details,
        **({"more_problems": report.more_problems} if report.more_problems else {}),
        "errors": [
            {"row": p.row, "column": p.column, "reason": p.reason, "message": str(p)}
            for p in report.problems
        ],
        "updates": [{"row": c.row, "name": c.name, "columns": c.columns} for c in report.changes],
    }


def _import_lock(command: BaseCommand, entity: str, *, wait: bool) -> Any:
    """One import at a time (shuniu.core.locks); with ``wait``, say once that it waits."""

    def waiting(holder: str) -> None:
        command.stderr.write(
            _("Waiting for the other import to finish (%(holder)s)…")
            % {"holder": holder or _("another process")}
        )

    return import_lock(f"shuniu import {entity}", wait=wait, on_wait=waiting)


_STAGES = {"check": gettext_lazy("checking rows"), "write": gettext_lazy("writing")}
_DETAILS = {
    "certificates_created": gettext_lazy("certificates created"),
    "certificates_unchanged": gettext_lazy("certificates unchanged"),
    "employments_created": gettext_lazy("employments created"),
    "employments_updated": gettext_lazy("employments updated"),
    "employments_unchanged": gettext_lazy("employments unchanged"),
}


@contextmanager
def _progress_bar(rows: int) -> Iterator[ProgressCallback | None]:
    console = Console(stderr=True)
    if rows < PROGRESS_MIN_ROWS or not console.is_terminal:
        yield None
        return
    with staged_bars(console, _STAGES) as update:
        yield update
