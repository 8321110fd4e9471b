"""Request counting for rate limits, shared by every process through the database.

A limit is "N requests per period" in fixed windows aligned to the clock, or ``off``: nothing
is counted (a proxy in front limits instead, docs/deploy.md). Each client key has
one row; counting a request is one atomic upsert (SQLite >= 3.35 and PostgreSQL both support
``INSERT ... ON CONFLICT ... RETURNING``), so concurrent processes never lose a count and a
throttled endpoint pays exactly one query. The table is created by migration
``core.0002_security_tables`` (plain SQL: it is not a model, nobody edits it).

On SQLite the counters live in the side database (``shuniu.core.sidedb``), not the main
file: counting is a write, and a write to the main file would wait behind an import's lock,
so every request, anonymous reads included, would wait with it.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from shuniu.core import rates
from shuniu.core.sidedb import side_connection

TABLE = "shuniu_rate_counter"

_UPSERT = f"""
INSERT INTO {TABLE} (ident, bucket, hits, expires_at) VALUES (%s, %s, 1, %s)
ON CONFLICT (ident) DO UPDATE SET
    hits = CASE WHEN {TABLE}.bucket = excluded.bucket THEN {TABLE}.hits + 1 ELSE 1 END,
    bucket = excluded.bucket,
    expires_at = excluded.expires_at
RETURNING hits
"""  # noqa: S608 TABLE is a module constant; values are parameters

# The time source; tests replace it to stay inside one window.
clock = time.time


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"120/min"``, ``"5/10s"``, ``"1000/day"`` (the notation django-ninja uses)."""
        limit, period = rates.parse(text)
        return cls(limit=limit, period=period)

    def retry_after(self, now: float | None = None) -> int:
        """Seconds until the current window ends and the count starts again."""
        now = clock() if now is None else now
        return max(1, math.ceil(self.period - now % self.period))


OFF = rates.OFF


def configured(text: str) -> Rate | None:
    """A rate setting: ``None`` when it is ``off`` (no limit, and no counter written: each
    counted request is a write), else the parsed rate."""
    if rates.is_off(text):
        return None
    return Rate.parse(text)


def hit(key: str, rate: Rate, *, now: float | None = None) -> int:
    """Count one request for ``key`` in the current window of ``rate``; return the count so
    far in that window (1 for the first)."""
    now = clock() if now is None else now
    bucket = int(now // rate.period)
    expires_at = (bucket + 1) * rate.period
    # The period is part of the key so that changing a rate never mixes old and new windows.
    ident = f"{key}/{rate.period}"[:255]
    with side_connection().cursor() as cursor:
        cursor.execute(_UPSERT, [ident, bucket, expires_at])
        row = cursor.fetchone()
    return int(row[0])


def exceeded(key: str, rate: Rate, *, now: float | None = None) -> bool:
    return hit(key, rate, now=now) > rate.limit


def purge_expired(*, now: float | None = None) -> int:
    """Delete counters whose window has ended (called from rare paths such as a login POST,
    never from throttled reads, whose query count must not vary)."""
    now = clock() if now is None else now
    with side_connection().cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE expires_at < %s", [int(now)])  # noqa: S608 TABLE is a module constant; values are parameters
        deleted: int = cursor.rowcount
        return deleted


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the request has none (an in-process request).

    Behind ``SHUNIU_NUM_PROXIES`` trusted reverse proxies it is the address the outermost
    trusted proxy saw: each proxy appends to X-Forwarded-For, so earlier entries are whatever
    the client claimed and are ignored. Also AXES_CLIENT_IP_CALLABLE, so lockouts and rate
    limits agree on who the client is.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = getattr(settings, "SHUNIU_NUM_PROXIES", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            # Not an address (a misconfigured proxy count) must not reach the inet column
            # axes writes to on PostgreSQL; the connection's address is the fallback.
            return _valid_ip(forwarded[-min(proxies, len(forwarded))]) or remote
    return remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
