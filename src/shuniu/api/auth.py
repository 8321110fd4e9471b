"""Authentication for API writes: a bearer token or the web session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from shuniu.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = token_authenticate(key=token.strip())
        if user is not None:
            request.user = user
        return user


# Writes accept either; reads of public data take none.
WRITE_AUTH = [BearerToken(), SessionAuth()]


def actor(request: HttpRequest) -> Any:
    """The user a write acts as: the one authenticated by WRITE_AUTH."""
    return getattr(request, "auth", None) or request.user
