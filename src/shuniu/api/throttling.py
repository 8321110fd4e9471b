"""API rate limits: per client address for anonymous callers, per user for logged-in ones.

django-ninja's own AnonRateThrottle/AuthRateThrottle keep a list of timestamps in the cache
(read, modify, write: concurrent processes lose counts, and each check costs several queries
with the database cache) and fix their rate when the API is built. These count in
``shuniu.core.ratelimit`` (one atomic upsert per request) and read the rate from settings on
every request, so an operator's or a test's setting applies at once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from shuniu.core.ratelimit import Rate, client_ip, configured, exceeded


def _caller(request: HttpRequest) -> Any | None:
    """The authenticated user: the operation's auth result (bearer token or session on
    writes), else the session user. Reads take no auth, so a bearer token on a read is not
    checked and the caller counts as anonymous."""
    auth = getattr(request, "auth", None)
    if auth is not None:
        return auth
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# The setting is read on every request (a changed setting applies at once); its parse is kept
# per text (a Rate is immutable), which every request otherwise paid twice.
_configured = lru_cache(maxsize=32)(configured)


class _SettingsRateThrottle(BaseThrottle):
    scope = ""
    setting = ""

    def rate(self) -> Rate | None:
        return _configured(getattr(settings, self.setting))

    def key(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        rate = self.rate()
        if rate is None:  # off: nothing to count, no write
            return True
        key = self.key(request)
        if key is None:
            return True
        return not exceeded(f"api-{self.scope}:{key}", rate)

    def wait(self) -> float | None:
        # Fixed windows: the wait is the rest of the current one, the same for every caller,
        # so nothing about the last request has to be kept on this shared object.
        rate = self.rate()
        return float(rate.retry_after()) if rate is not None else None


class AnonRateThrottle(_SettingsRateThrottle):
    scope = "anon"
    setting = "SHUNIU_API_ANON_RATE"

    def key(self, request: HttpRequest) -> str | None:
        return None if _caller(request) is not None else client_ip(request) or "unknown"


class AuthRateThrottle(_SettingsRateThrottle):
    scope = "user"
    setting = "SHUNIU_API_USER_RATE"

    def key(self, request: HttpRequest) -> str | None:
        caller = _caller(request)
        return None if caller is None else str(caller.pk)


def api_throttles() -> list[BaseThrottle]:
    return [AnonRateThrottle(), AuthRateThrottle()]
