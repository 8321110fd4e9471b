"""Probes for a load balancer or an orchestrator, outside the API and the pages.

``/healthz``: the process answers (touches no database). ``/readyz``: the database answers and
every migration is applied. Both are exempt from the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``),
so they answer over plain HTTP, and are answered by ``ProbeMiddleware`` before sessions,
CSRF, the rate-limited API and the host check: a load balancer probes a machine by its address
(``Host: 10.0.0.5:8000``), which is not one of the site's ALLOWED_HOSTS. Nothing in their
answer depends on the host, and nothing is cached.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from shuniu.core.problem import problem

logger = logging.getLogger(__name__)

# A probe that finds the database not ready asks again after this many seconds.
RETRY_AFTER_SECONDS = 5


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        # Reading the recorded migrations is also the check that the database answers.
        unapplied = unapplied_migrations(connection)
    except DatabaseError as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        return _not_ready(_("The database does not answer."))
    if unapplied:
        return _not_ready(
            ngettext(
                "%(count)d database migration is not applied (run shuniu migrate).",
                "%(count)d database migrations are not applied (run shuniu migrate).",
                len(unapplied),
            )
            % {"count": len(unapplied)}
        )
    return JsonResponse({"status": "ok", "database": connection.vendor})


@functools.cache
def _migrations_on_disk() -> MigrationLoader:
    """The migration graph of the code this process runs (read once: the files do not change
    under a running process), so a probe costs one query instead of a graph build."""
    return MigrationLoader(None, ignore_no_migrations=True)


def unapplied_migrations(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """Migrations of this code not recorded in the database; a squashed migration counts as
    applied when everything it replaces is."""
    loader = _migrations_on_disk()
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(
        key
        for key in loader.graph.nodes
        if key not in applied
        and not (
            key in loader.replacements
            and all(old in applied for old in loader.replacements[key].replaces)
        )
    )


def _not_ready(detail: str) -> HttpResponse:
    response = problem(503, _("Not ready"), detail)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes right after the security middleware (HTTPS redirect, with the probes
    exempt) and whitenoise, before everything else, in the language the prober asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            return probe(request)
