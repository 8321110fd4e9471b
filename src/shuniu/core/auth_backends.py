"""The login lockout backend (django-axes), first in AUTHENTICATION_BACKENDS."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses logins of a username+address locked out after repeated failures.

    Every login over HTTP (our login page, the admin's) passes the request. Calls without one
    come from code already inside the server (the test client's ``login()``, a shell), which
    is not where passwords are guessed; axes would raise for them, so they pass through to
    the next backend instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # Axes only checks the lockout: it raises for a locked-out login, else returns None.
        super().authenticate(request, username, password, **kwargs)
        return None
