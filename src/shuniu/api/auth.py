"""Authentication for API writes: a bearer token or the web session (with CSRF)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from shuniu.accounts.services import token_authenticate
from shuniu.core.actors import Actor


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(key=token.strip())
        if user is not None:
            request.user = user
        return user


class CsrfSessionAuth(SessionAuth):
    """The web session, CSRF-checked. A request without a logged-in session is simply not
    authenticated by it (401, "log in or send a token") instead of being refused for lacking
    a CSRF token it has no use for; a logged-in one without the token gets a translated 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError as exc:
            raise PermissionDenied(
                _("The CSRF check failed: send the X-CSRFToken header with the csrftoken cookie.")
            ) from exc


# Writes accept either; reads of public data take none.
WRITE_AUTH = [BearerToken(), CsrfSessionAuth()]


def actor(request: HttpRequest) -> Actor:
    """The user a write acts as: the one authenticated by WRITE_AUTH."""
    auth = getattr(request, "auth", None)  # set by django-ninja, not declared on HttpRequest
    return auth if isinstance(auth, User) else request.user
