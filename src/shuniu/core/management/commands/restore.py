"""``shuniu restore FILE``: a backup into an empty database, checked before and after."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from shuniu.core.backup import BackupError, database_restore
from shuniu.core.dataversion import data_version_reset
from shuniu.core.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Restore a backup made by 'shuniu backup' into the configured database, which must be "
        "empty (a new SQLite file, or a new PostgreSQL database). Checks the file's kind and "
        "integrity and the migrations it records."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a backup made by shuniu backup")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("%(file)s does not exist.") % {"file": path})
        # The restore writes through its own connection; Django's must not hold the file.
        connections.close_all()
        try:
            with progress_bar(_("Restoring")) as update:
                result = database_restore(
                    path=path, database=connections["default"].settings_dict, progress=update
                )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        # The restored number may already key cached figures of the timeline replaced (a
        # backup older than the table: the migrate it needs starts the epoch instead).
        data_version_reset()
        sys.stderr.write(
            _("Restored %(tables)s tables and %(migrations)s migration records from %(file)s.\n")
            % {"tables": result.tables, "migrations": result.migrations, "file": path}
        )
        if result.missing_migrations:
            sys.stderr.write(
                _("The backup predates %(n)s migrations of this version: run shuniu migrate.\n")
                % {"n": result.missing_migrations}
            )
