"""``shuniu backup FILE``: the whole database in one file, while the app runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from shuniu.core.backup import BackupError, database_backup
from shuniu.core.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Back up the database to FILE: SQLite through the online backup API (safe while the "
        "app runs), PostgreSQL with pg_dump --format=custom. The ID-number key is not in it: "
        "keep SHUNIU_DATA_KEY apart (docs/keys.md)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the backup")
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with progress_bar(_("Backing up")) as update:
                kind = database_backup(
                    path=path,
                    database=connections["default"].settings_dict,
                    force=options["force"],
                    progress=update,
                )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        sys.stderr.write(
            _("Backup written to %(file)s (%(kind)s, %(size)s bytes).\n")
            % {"file": path, "kind": kind, "size": f"{path.stat().st_size:,}"}
        )
