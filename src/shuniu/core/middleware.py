from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shuniu.core.context import (
    current_request_id,
    keep_request_id,
    reset_request_id,
    set_request_id,
)

# fullmatch, not match with $: $ also matches before a trailing line break, which would
# reach the response header (BadHeaderError, a 500) and the log line.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Tags each request with an id (kept from X-Request-ID when well-formed) for the audit and
    the logs, and answers with it in X-Request-ID.

    First in MIDDLEWARE, so that every response (HTTPS redirects and static files included) and
    every line logged while the request is handled carry the id. The id is also kept with the
    request: Django logs a 4xx/5xx response after the middleware has returned, and the log
    filter finds it there (``shuniu.core.logging``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META, not request.headers: that would build a dict of every header on each request.
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        token = set_request_id(incoming if _SAFE_ID.fullmatch(incoming) else None)
        try:
            request_id = current_request_id()
            keep_request_id(request, request_id)
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response
