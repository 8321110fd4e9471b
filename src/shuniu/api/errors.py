"""RFC 7807 problem responses, produced in one place for every error the API can give."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from shuniu.core.busy import busy_problem, is_busy
from shuniu.core.errors import NotFound, StaleVersion, Undecryptable, VersionRequired
from shuniu.core.problem import PROBLEM_JSON, problem
from shuniu.core.validation import body_limit_message

# The problem+json body every error response has (RFC 7807), for the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid value: where it is (e.g. query, page) and why.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

_PROBLEM_STATUSES = {
    400: "The body is not JSON (or not in the encoding it declares).",
    401: "Authentication required (session or `Authorization: Bearer TOKEN`).",
    403: "Not allowed for this caller.",
    404: "No such record, or not within the caller's scope.",
    412: "The record changed since the version sent (If-Match or `version`).",
    413: "Request body larger than the server takes.",
    422: "A parameter or a field of the body is not valid; `errors` names each.",
    428: "Say which version was edited: an If-Match header or a `version` field.",
    429: "Too many requests; see Retry-After.",
    503: (
        "The database is busy (try again after Retry-After), or a stored ID number cannot be "
        "opened with the configured keys."
    ),
}


# Statistics of a region answer 404 for a region code that names no division.
_REGION_STATISTICS = {"get_organization_stats", "get_organization_series", "get_workforce_stats"}
_REGION_STATISTICS |= {"get_purchasing_stats", "list_ocds_releases"}  # purchasing (wt/figs)
_REGION_STATISTICS |= {"export_hsds", "export_360giving", "export_datapackage"}  # open data
_REGION_STATISTICS |= {"list_targets"}  # targets (wt/targets)


def problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from what it takes.

    Every operation can be throttled (429) or meet a busy database (503); parameters or a
    body can be invalid (422); a body can be unreadable (400) or too large (413); an
    authenticated operation can be refused (401, 403) or not find what the caller may see
    (404); a path naming a record, or a statistic's region, can name none (404); an edit of
    a record can be stale (412) or not say which version it edited (428).
    """
    params = operation.get("parameters", [])
    in_path = any(p.get("in") == "path" for p in params)
    names_region = operation.get("operationId") in _REGION_STATISTICS
    has_body = "requestBody" in operation
    authenticated = bool(operation.get("security"))
    statuses = {429, 503}
    if params or has_body:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413}
    if authenticated:
        statuses |= {401, 403, 404}
    if in_path or names_region:
        statuses.add(404)
    if authenticated and in_path and method in ("patch", "post", "put"):
        statuses |= {412, 428}
    return sorted(statuses)


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to every operation of an OpenAPI document the problem responses it can give."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                responses[status] = {
                    "description": _PROBLEM_STATUSES[status],
                    "content": content,
                }
    return schema


def api_not_found(request: HttpRequest) -> HttpResponse:
    """The 404 of an /api/ URL no operation matches (e.g. /organizations/abc): problem+json
    like every other API error, not the HTML page."""
    return problem(
        404, _("Not found"), _("No API operation answers %(path)s.") % {"path": request.path}
    )


def _django_validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        items: list[dict[str, Any]] = []
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error:
                    item: dict[str, Any] = {"loc": [field], "msg": str(message)}
                    # A stable code a client can act on, where the service gave one.
                    if error.code:
                        item["code"] = error.code
                    items.append(item)
        return items
    return [{"loc": [], "msg": str(m)} for m in exc.messages]


def validation_message(error: dict[str, Any]) -> str:
    """pydantic's message for one invalid value, in the user's language.

    pydantic writes its own messages in English only; the common kinds are said again here
    through gettext. Messages of our own validators (core.validation) are translated already
    and pass through, as does any kind not listed."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This value is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type", "string_unicode"}:
        return _("Enter text.")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "")
        return {
            "greater_than_equal": _("Enter a number of at least %(bound)s."),
            "greater_than": _("Enter a number greater than %(bound)s."),
            "less_than_equal": _("Enter a number of at most %(bound)s."),
            "less_than": _("Enter a number less than %(bound)s."),
        }[kind] % {"bound": bound}
    if kind == "string_too_long":
        return _("Enter at most %(count)s characters.") % {"count": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return _("Enter at least %(count)s characters.") % {"count": ctx.get("min_length", "")}
    if kind in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"json_invalid", "json_type"}:
        return _("The body is not valid JSON.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send a JSON object here.")
    if kind == "list_type":
        return _("Send a list here.")
    if kind == "extra_forbidden":
        return _("This field is not known here; leave it out.")
    return str(error.get("msg", ""))


def install_error_handlers(api: NinjaAPI) -> None:
    def on_ninja_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": validation_message(e)}
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

    def on_version_required(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            428,
            _("Precondition required"),
            _("Send the version you edited as an If-Match header or a 'version' field."),
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

    def on_undecryptable(request: HttpRequest, exc: Any) -> HttpResponse:
        # Not busy: no Retry-After, the answer stays the same until the key is configured.
        return problem(
            503,
            _("ID number unavailable"),
            _(
                "The stored ID number cannot be opened with the keys this server is "
                "configured with. An administrator must configure the key that sealed it "
                "(docs/keys.md)."
            ),
        )

    def on_database_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # Busy (another writer holds the lock): 503 + Retry-After; anything else is a bug.
        if is_busy(exc):
            return busy_problem(request)
        raise exc

    api.add_exception_handler(OperationalError, on_database_error)
    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(DjangoValidationError, on_validation)
    api.add_exception_handler(StaleVersion, on_stale)
    api.add_exception_handler(VersionRequired, on_version_required)
    api.add_exception_handler(NotFound, on_not_found)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_large)
    api.add_exception_handler(Undecryptable, on_undecryptable)
