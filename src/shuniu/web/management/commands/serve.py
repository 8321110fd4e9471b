"""``shuniu serve``: the production server (gunicorn) with its start-up checks."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuniu.core.health import unapplied_migrations
from shuniu.core.serving import max_requests_from

# More sync workers than this mostly queue on the database (SQLite has one writer at a time).
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """SHUNIU_WORKERS, else 2 × cores + 1 (gunicorn's advice), at most MAX_DEFAULT_WORKERS."""
    configured = os.environ.get("SHUNIU_WORKERS", "").strip()
    if configured:
        try:
            return int(configured)
        except ValueError:
            raise CommandError(
                _("SHUNIU_WORKERS must be a whole number, not %(value)r") % {"value": configured}
            ) from None
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def check_max_requests() -> None:
    """SHUNIU_MAX_REQUESTS as config/gunicorn.py will read it (``max_requests_from``): unset,
    or a whole number >= 0; otherwise one translated line."""
    configured = os.environ.get("SHUNIU_MAX_REQUESTS")
    try:
        max_requests_from(configured)
    except ValueError:
        raise CommandError(
            _("SHUNIU_MAX_REQUESTS must be a whole number, 0 or more, not %(value)r")
            % {"value": (configured or "").strip()}
        ) from None


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run the production server: gunicorn with several worker processes, static files from "
        "whitenoise. Needs SHUNIU_PRODUCTION=1 (with SHUNIU_SECRET_KEY, SHUNIU_ALLOWED_HOSTS, "
        "SHUNIU_DATA_KEY). Reports the database's readiness, collects static files, then "
        "replaces itself with gunicorn (signals reach gunicorn directly)."
    )
    requires_system_checks: list[str] = []  # run below, deployment checks included

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default: SHUNIU_WORKERS, else 2 × cores + 1, at most "
            f"{MAX_DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="apply unapplied migrations first (one-machine set-ups)",
        )
        parser.add_argument(
            "--no-collectstatic",
            dest="collectstatic",
            action="store_false",
            help="serve the static files collected before, as they are",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="do the checks, then print the gunicorn command instead of running it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.PRODUCTION:
            raise CommandError(
                _(
                    "shuniu serve runs the production server: set SHUNIU_PRODUCTION=1 "
                    "(with SHUNIU_SECRET_KEY, SHUNIU_ALLOWED_HOSTS and SHUNIU_DATA_KEY; see "
                    "docs/deploy.md). For development use make serve."
                )
            )
        workers = options["workers"] if options["workers"] is not None else default_workers()
        if workers < 1:
            raise CommandError(_("--workers must be at least 1"))
        port = options["port"]
        if not 0 < port < 65536:
            raise CommandError(_("--port must be between 1 and 65535"))
        check_max_requests()

        call_command("check", deploy=True, fail_level="ERROR", stdout=self.stderr)
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        self._report_readiness()
        self._warn_about_stale_messages()
        if options["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.stderr.write(
                _("Static files collected in %(path)s.") % {"path": settings.STATIC_ROOT}
            )

        bind = bind_address(options["host"], port)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:config.gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
        ]
        if options["dry_run"]:
            self.stdout.write(shlex.join(argv))
            return
        self.stderr.write(
            ngettext(
                "Serving on http://%(bind)s/ with %(workers)d worker (gunicorn).",
                "Serving on http://%(bind)s/ with %(workers)d workers (gunicorn).",
                workers,
            )
            % {"bind": bind, "workers": workers}
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # The workers open their own connections; none is inherited across exec.
        connections.close_all()
        os.execv(sys.executable, argv)  # noqa: S606 this interpreter running gunicorn, argument list

    def _report_readiness(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        where = (
            connection.settings_dict["NAME"]
            if connection.vendor == "sqlite"
            else "{NAME}@{HOST}".format(**connection.settings_dict)
        )
        try:
            unapplied = unapplied_migrations(connection)
        except DatabaseError as exc:
            raise CommandError(
                _("database %(where)s does not answer: %(error)s")
                % {"where": where, "error": str(exc).strip()}
            ) from exc
        self.stderr.write(
            _("Database: %(vendor)s %(where)s.") % {"vendor": connection.vendor, "where": where}
        )
        if unapplied:
            self.stderr.write(
                ngettext(
                    "%(count)d migration is not applied: /readyz answers 503 until "
                    "shuniu migrate has run.",
                    "%(count)d migrations are not applied: /readyz answers 503 until "
                    "shuniu migrate has run.",
                    len(unapplied),
                )
                % {"count": len(unapplied)}
            )

    def _warn_about_stale_messages(self) -> None:
        for locale_dir in settings.LOCALE_PATHS:
            for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo = po.with_suffix(".mo")
                if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                    self.stderr.write(
                        _(
                            "%(file)s is missing or older than its .po: pages show English "
                            "until make messages has run."
                        )
                        % {"file": mo}
                    )
