"""The RFC 7807 problem+json response: one builder for the API's errors (``api.errors``), a
busy database (``core.busy``) and the readiness probe (``core.health``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, detail: str = "", errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON
    )
