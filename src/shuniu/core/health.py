"""Probes for a load balancer or an orchestrator, outside the API and the pages.

``/healthz``: the process answers (touches no database). ``/readyz``: the database answers and
every migration is applied. Both are plain-HTTP exempt from the HTTPS redirect
(``SECURE_REDIRECT_EXEMPT``), use no session and no rate limit, and are not cached.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# A probe that finds the database not ready asks again after this many seconds.
RETRY_AFTER_SECONDS = 5


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
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


def _not_ready(detail: str) -> JsonResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _("Not ready"),
        "status": 503,
        "detail": detail,
    }
    response = JsonResponse(
        body, status=503, content_type=PROBLEM_JSON, json_dumps_params={"ensure_ascii": False}
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
