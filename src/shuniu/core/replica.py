"""Read-replica routing: safe reads to a streaming replica, everything else to the primary.

With ``DATABASE_REPLICA_URL`` set, ``settings.DATABASES`` has a ``replica`` alias (a
PostgreSQL hot standby of ``default``). A read goes there only when all of these hold:

- it happens inside a request that ``ReplicaMiddleware`` found safe to serve from the replica
  (GET, HEAD or OPTIONS; the client not pinned to the primary; no ``Cache-Control: no-cache``
  from the client; the view not marked ``@reads_primary``), or inside ``replica_reads()`` (the
  read-only commands: ``shuniu stats``, ``shuniu export``);
- nothing has been written yet in that request or block (the first write sends every later
  read to the primary, which has it);
- the primary's connection is not inside a transaction (``atomic``: a service re-reading what
  it is about to change, a ``select_for_update``, a test's transaction);
- the model is not one whose rows decide who the client is or what it may do (users, roles,
  scopes, API tokens, sessions, lockouts, the cache): a revoked token or a deactivated account
  must stop working at once, not after the replica's lag;
- the replica answers. A replica that cannot be connected to is logged and skipped for
  ``DOWN_SECONDS`` in this process; a replica that fails during a safe request (a dropped
  connection, a query cancelled by recovery) has the request served again from the primary.

Writes always go to the primary, whatever the request. Read-your-own-writes across requests:
every unsafe request (and a safe one that wrote) answers with a signed cookie pinning that client
to the primary for ``SHUNIU_REPLICA_PIN_SECONDS``, longer than the replica's lag should ever be.
Outside requests and ``replica_reads()`` (migrations, imports, the shell) everything is on
the primary.

Without ``DATABASE_REPLICA_URL`` none of this does anything: no alias, no cookie, no state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "shuniu_primary"
_PIN_SALT = "shuniu.core.replica.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Who the client is and what it may do, and what requests write as they go: always fresh.
PRIMARY_APPS = frozenset({"auth", "accounts", "sessions", "axes", "django_cache", "admin"})
# After a failed connection attempt, the replica is not tried again in this process for this
# long: a replica that is down must not cost every request a connection timeout.
DOWN_SECONDS = 30.0


@dataclass
class ReadState:
    """Where the reads of one request (or one ``replica_reads()`` block) may go."""

    replica: bool
    wrote: bool = False
    replica_failed: bool = False


_state: ContextVar[ReadState | None] = ContextVar("shuniu_read_state", default=None)
# time.monotonic() until which this process does not try to connect to the replica.
_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_seconds() -> int:
    return max(0, int(getattr(settings, "SHUNIU_REPLICA_PIN_SECONDS", 10)))


def current_state() -> ReadState | None:
    return _state.get()


def mark_replica_up() -> None:
    """Forget an earlier failed connection attempt (tests; an operator's shell)."""
    global _down_until
    _down_until = 0.0


def _replica_reachable() -> bool:
    global _down_until
    connection = connections[REPLICA]
    # A kept connection is checked once per request (CONN_HEALTH_CHECKS) and dropped if dead.
    connection.close_if_health_check_failed()
    if connection.connection is not None:
        return True
    if time.monotonic() < _down_until:
        return False
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        _down_until = time.monotonic() + DOWN_SECONDS
        logger.warning(
            "replica unreachable, reading from the primary for %ss: %s", int(DOWN_SECONDS), exc
        )
        return False
    return True


def reads_use_replica() -> bool:
    state = _state.get()
    if state is None or not state.replica or state.wrote or state.replica_failed:
        return False
    if not replica_configured():
        return False
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    if not _replica_reachable():
        state.replica = False
        return False
    return True


class ReplicaRouter:
    """Reads to the replica when ``reads_use_replica()``; every write to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS if replica_configured() else None
        if reads_use_replica():
            return REPLICA
        # Explicitly the primary: an object read from the replica would otherwise lead its
        # related lookups back there (Django falls back to the instance's database).
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        state = _state.get()
        # A session's new expiry (saved on every request) or a lockout count is read from the
        # primary anyway: writing one neither moves the request off the replica nor pins the
        # client, else every signed-in client would be pinned for good.
        if state is not None and model._meta.app_label not in PRIMARY_APPS:
            state.wrote = True
        # Explicitly the primary: without it, saving an object read from the replica would
        # go to the replica (Django's fallback is the instance's own database).
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: their rows may be related to each other.
        both = {obj1._state.db, obj2._state.db}
        if both <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A standby is read-only; it receives the migrated schema from the primary.
        if db == REPLICA:
            return False
        return None


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside the block may go to the replica (read-only commands: statistics,
    exports). A write inside it sends the block's later reads to the primary."""
    token = _state.set(ReadState(replica=replica_configured()))
    try:
        yield
    finally:
        _state.reset(token)


_View = TypeVar("_View", bound=Callable[..., Any])


def reads_primary(view: _View) -> _View:
    """Marks a view whose reads must be fresh even on GET: a form carrying a row's version into
    the save's conflict check shows the row as the save will compare it, not as the replica
    last saw it."""
    view.reads_primary = True  # type: ignore[attr-defined]
    return view


def is_pinned(request: HttpRequest) -> bool:
    if pin_seconds() == 0:
        return False
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=pin_seconds()
    )
    return value is not None


def wants_fresh(request: HttpRequest) -> bool:
    return "no-cache" in request.headers.get("Cache-Control", "").lower()


def _watch_replica(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    try:
        return execute(sql, params, many, context)
    except (OperationalError, InterfaceError):
        # A dropped connection, a restarted replica, a query cancelled by recovery: not the
        # request's fault. The middleware serves the request again from the primary.
        state = _state.get()
        if state is not None:
            state.replica_failed = True
        raise


class ReplicaMiddleware:
    """Sets where a request's reads may go, serves it again from the primary when the replica
    failed it, and pins a client that wrote to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        safe = request.method in SAFE_METHODS
        state = ReadState(replica=safe and not is_pinned(request) and not wants_fresh(request))
        token = _state.set(state)
        try:
            with connections[REPLICA].execute_wrapper(_watch_replica):
                response = self.get_response(request)
            if state.replica_failed and safe and not state.wrote:
                logger.warning(
                    "replica failed during %s %s; served again from the primary",
                    request.method,
                    request.path,
                )
                connections[REPLICA].close()
                state = ReadState(replica=False)
                _state.set(state)
                response = self.get_response(request)
        finally:
            _state.reset(token)
        if (not safe or state.wrote) and pin_seconds() > 0:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        state = _state.get()
        if state is not None and getattr(view_func, "reads_primary", False):
            state.replica = False
