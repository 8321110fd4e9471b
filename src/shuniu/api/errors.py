"""RFC 7807 problem responses, produced in one place for every error the API can give."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from shuniu.core.errors import NotFound, StaleVersion
from shuniu.core.validation import body_limit_message

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


def _django_validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": [field], "msg": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"loc": [], "msg": str(m)} for m in exc.messages]


def install_error_handlers(api: NinjaAPI) -> None:
    def on_ninja_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return problem(422, _("Invalid request"), _("Some values are not valid."), errors)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = _django_validation_errors(exc)
        return problem(422, _("Invalid request"), "; ".join(e["msg"] for e in errors), errors)

    def on_stale(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            412,
            _("Precondition failed"),
            _(
                "The record was changed by someone else (your version %(expected)s, "
                "stored version %(current)s). Reload it and apply your change again."
            )
            % {"expected": exc.expected, "current": exc.current},
        )

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            404, _("Not found"), _("No such record: %(id)s") % {"id": exc} if str(exc) else ""
        )

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(403, _("Forbidden"), str(exc) or _("You may not do this."))

    def on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = problem(
            401,
            _("Authentication required"),
            _("Log in, or send 'Authorization: Bearer TOKEN' (see 'shuniu token create')."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        # django-ninja adds the Retry-After header to this response.
        if exc.wait:
            detail = _("Too many requests. Try again in %(seconds)s seconds.") % {
                "seconds": math.ceil(exc.wait)
            }
        else:
            detail = _("Too many requests. Try again later.")
        return problem(429, _("Too many requests"), detail)

    def on_too_large(request: HttpRequest, exc: Any) -> HttpResponse:
        # Raised when the view reads a body longer than DATA_UPLOAD_MAX_MEMORY_SIZE.
        return problem(413, _("Request body too large"), body_limit_message())

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(exc.status_code, str(exc.message), "")

    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(DjangoValidationError, on_validation)
    api.add_exception_handler(StaleVersion, on_stale)
    api.add_exception_handler(NotFound, on_not_found)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_large)
