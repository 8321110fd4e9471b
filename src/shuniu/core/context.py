"""The request id of the work in progress, for the audit trail."""

from __future__ import annotations

import contextvars
import uuid
import weakref

from django.http import HttpRequest

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Each request's id, kept with the request (weakly: it goes with the request) for the lines
# Django logs about it after the middleware has returned (``shuniu.core.logging``).
_by_request: weakref.WeakKeyDictionary[HttpRequest, str] = weakref.WeakKeyDictionary()


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token[str]:
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def keep_request_id(request: HttpRequest, value: str) -> None:
    _by_request[request] = value


def request_id_kept(request: object) -> str:
    """The id ``keep_request_id`` kept for ``request`` ("" for anything else)."""
    return _by_request.get(request, "") if isinstance(request, HttpRequest) else ""
