"""A database busy with another writer: a short wait on requests, then 503 with Retry-After.

SQLite answers "database is locked" when another connection holds the write lock past the
busy timeout; PostgreSQL raises a lock timeout (55P03), a serialization failure (40001) or a
deadlock (40P01). None of these is a fault of the request or of the code: the same request a
little later succeeds. So they answer ``503 Service Unavailable`` with ``Retry-After`` —
problem+json under ``/api/`` (``shuniu.api.errors`` registers ``busy_problem`` for the errors
raised inside an operation), a short translated page elsewhere — never 500.

The wait: the command line keeps the long timeout of ``DATABASES`` (an import should wait its
turn for a few seconds of someone else's write), but a web or API request waits at most
``SHUNIU_DB_REQUEST_TIMEOUT`` seconds: a worker stuck behind a 20-second wait serves no one,
and a quick 503 tells the client when to come back. It is set per connection when a request
starts (SQLite ``PRAGMA busy_timeout``, PostgreSQL ``SET lock_timeout``), without a query
through Django's cursor, so query counts do not change.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shuniu.core.problem import problem

_SQLITE_BUSY = (
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "database is busy",
)
# lock_not_available, serialization_failure, deadlock_detected
_POSTGRES_BUSY = frozenset({"55P03", "40001", "40P01"})
API_PREFIX = "/api/"

_in_request: ContextVar[bool] = ContextVar("shuniu_in_request", default=False)


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "another writer holds what this needs", not a fault."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if code in _POSTGRES_BUSY:
            return True
        if isinstance(error, DatabaseError | sqlite3.OperationalError):
            message = str(error).lower()
            if any(message.startswith(text) for text in _SQLITE_BUSY):
                return True
        error = error.__cause__
    return False


def retry_after() -> int:
    return max(1, int(getattr(settings, "SHUNIU_BUSY_RETRY_AFTER", 10)))


def busy_title() -> str:
    return _("The database is busy")


def busy_detail() -> str:
    return _(
        "Another task (an import, say) is writing to the database. Nothing was changed by "
        "this request; try again in %(seconds)s seconds."
    ) % {"seconds": retry_after()}


def busy_problem(request: HttpRequest) -> HttpResponse:
    """The API's answer (problem+json)."""
    response = problem(503, busy_title(), busy_detail())
    response["Retry-After"] = str(retry_after())
    return response


def busy_page(request: HttpRequest) -> HttpResponse:
    """The web's answer: a short page in the reader's language."""
    response = render(
        request,
        "web/busy.html",
        {"title": busy_title(), "detail": busy_detail()},
        status=503,
    )
    response["Retry-After"] = str(retry_after())
    return response


def busy_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return busy_problem(request)
    return busy_page(request)


class BusyMiddleware:
    """Turns a busy database into 503 for errors that reach the view layer: a page's, and an
    API request's raised before its operation runs (the rate-limit check)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # The atomic blocks the error passed through have rolled back their writes already.
        return busy_response(request) if is_busy(exception) else None


# ---------------------------------------------------------------------------------------
# The short wait on request connections
# ---------------------------------------------------------------------------------------


# The raw connection and the wait last set on each Django connection (weakly: it goes with it).
_applied: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[Any, float] | None] = (
    weakref.WeakKeyDictionary()
)


def _apply_request_timeout(connection: BaseDatabaseWrapper) -> None:
    raw = connection.connection
    if raw is None:
        return
    seconds = float(getattr(settings, "SHUNIU_DB_REQUEST_TIMEOUT", 3))
    # Once per raw connection and value (connections may outlive a request). The raw
    # connection itself is kept to compare, not its id(): a new one may reuse the address.
    applied = _applied.get(connection)
    if applied is not None and applied[0] is raw and applied[1] == seconds:
        return
    if connection.vendor == "sqlite":
        raw.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    elif connection.vendor == "postgresql":
        from psycopg import pq

        status = raw.info.transaction_status
        if status == pq.TransactionStatus.INERROR:
            return
        with raw.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(seconds * 1000)}")
        if status != pq.TransactionStatus.IDLE or not raw.autocommit:
            # Inside a transaction (a test's) a rollback undoes SET: set it again next time.
            return
    else:
        return
    _applied[connection] = (raw, seconds)


def _apply_quietly(connection: BaseDatabaseWrapper) -> None:
    try:
        _apply_request_timeout(connection)
    except Exception:
        # A connection that cannot take a setting (the server went away) fails its first
        # query too, where Django handles it; the request must not fail here instead.
        _applied[connection] = None


def on_request_started(**_: Any) -> None:
    _in_request.set(True)
    for connection in connections.all(initialized_only=True):
        _apply_quietly(connection)


def on_request_finished(**_: Any) -> None:
    _in_request.set(False)


def on_connection_created(
    sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any
) -> None:
    if connection is not None and _in_request.get():
        _apply_quietly(connection)
