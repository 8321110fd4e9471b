"""The lean path: anonymous safe API reads skip the middleware only browsers and signed-in
callers need.

A request is on the lean path when all of these hold (``lean_api_request``):

- its method is GET or HEAD;
- its path is under ``/api/``;
- it carries no ``Cookie`` header (so no session, no CSRF cookie, no language cookie, no
  replica pin) and no ``Authorization`` header (no bearer token).

Such a request can only be anonymous, reads nothing from a session and is never refused by
the CSRF check (a safe method, and no cookie whose token could need renewing).
``LeanApiMiddleware``, in ``MIDDLEWARE`` right before the session middleware, hands it to a
shorter chain built once from the entries that follow it, down to ``LeanApiEnd`` (last in
``MIDDLEWARE``: it hands over what Django put after the last middleware, the view's
handling). In that chain:

- Django's session middleware is replaced by a layer that adds ``Vary: Cookie`` when
  something read ``request.user`` (what reads the empty session on the full path, so what
  makes the full path add it);
- the authentication middleware by ``request.user = AnonymousUser()`` (lazily, to know
  whether it was read);
- the CSRF and messages middleware are left out;
- django-csp's middleware by a layer that sets the same headers from policies built once per
  settings instead of on every response (a response that asks for its own policy or none,
  or a debug page, goes through django-csp's code as before);
- every other entry (language, host check and ``Content-Length``, ``X-Frame-Options``,
  htmx, the busy database's 503, axes) is the same class as in ``MIDDLEWARE``, in the same
  order. The request id, security headers, static files, probes and replica routing come
  before the switch, so every request has them. The view's hooks (``process_view``,
  ``process_exception``) are Django's for every request.

Any other request (a cookie, a token, a write, a page) takes the full chain, unchanged.
``tests/core/test_lean.py`` compares the headers and bodies of both paths for the same
request. Under ASGI (an async chain) nothing is skipped.

Why: those layers cost about a tenth of a millisecond a request, as much as the fastest
statistic's query takes over hand-written SQL (issue 10, docs/decisions.md).
"""

from __future__ import annotations

import http
import threading
from collections.abc import Callable
from functools import cache, partial
from typing import Any, cast

import csp.middleware
from asgiref.sync import iscoroutinefunction
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

API_PREFIX = "/api/"
LEAN_METHODS = frozenset({"GET", "HEAD"})
SWITCH = "shuniu.core.lean.LeanApiMiddleware"
END = "shuniu.core.lean.LeanApiEnd"
_USER_READ = "_shuniu_lean_user_read"

Handler = Callable[[HttpRequest], HttpResponseBase]


def lean_api_request(request: HttpRequest) -> bool:
    """Whether ``request`` is an anonymous safe API read (see the module's docstring)."""
    meta = request.META
    return (
        request.method in LEAN_METHODS
        and request.path_info.startswith(API_PREFIX)
        and not meta.get("HTTP_COOKIE")
        and not meta.get("HTTP_AUTHORIZATION")
    )


# ---------------------------------------------------------------------------------------
# The layers that stand in for the skipped middleware
# ---------------------------------------------------------------------------------------


class _VaryCookieIfUserRead:
    """For the session middleware: no session; ``Vary: Cookie`` when the user was read."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.__dict__.get(_USER_READ):
            patch_vary_headers(response, ("Cookie",))
        return response


def _anonymous(request: HttpRequest) -> AnonymousUser:
    request.__dict__[_USER_READ] = True
    return AnonymousUser()


async def _aanonymous(request: HttpRequest) -> AnonymousUser:
    return _anonymous(request)


class _AnonymousUser:
    """For the authentication middleware: the caller is anonymous."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.user = SimpleLazyObject(partial(_anonymous, request))  # type: ignore[assignment]
        request.auser = partial(_aanonymous, request)
        return self.get_response(request)


# What a response may carry to have its own policy or none (django-csp's decorators).
_CSP_OWN = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
# django-csp leaves these to Django's debug pages when DEBUG is on.
_CSP_DEBUG_STATUSES = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)


@cache
def _policies() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, policy, excluded path prefixes) of the configured policy and the report-only
    one, as django-csp builds them for a response without its own policy or a nonce."""
    found = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        config = getattr(settings, setting, None) or {}
        prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
        found.append((header, policy, prefixes))
    return tuple(found)


def _forget_policies(*, setting: str, **_: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.cache_clear()


setting_changed.connect(_forget_policies, dispatch_uid="shuniu.core.lean.policies")


class _KnownCSP:
    """For django-csp's middleware: its headers, from policies built once."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.full = csp.middleware.CSPMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if any(hasattr(response, name) for name in _CSP_OWN) or (
            settings.DEBUG and response.status_code in _CSP_DEBUG_STATUSES
        ):
            self.full.process_request(request)
            return self.full.process_response(request, response)
        for header, policy, prefixes in _policies():
            if policy and header not in response and not request.path_info.startswith(prefixes):
                response[header] = policy
        return response


# The entries of MIDDLEWARE the lean chain does not run, with what stands in (None: nothing).
STAND_INS: dict[str, Callable[[Handler], Handler] | None] = {
    "django.contrib.sessions.middleware.SessionMiddleware": _VaryCookieIfUserRead,
    "django.contrib.auth.middleware.AuthenticationMiddleware": _AnonymousUser,
    "django.middleware.csrf.CsrfViewMiddleware": None,
    "django.contrib.messages.middleware.MessageMiddleware": None,
    "csp.middleware.CSPMiddleware": _KnownCSP,
}


# ---------------------------------------------------------------------------------------
# The switch
# ---------------------------------------------------------------------------------------

# Django builds the chain from the last entry to the first, in one thread: LeanApiEnd leaves
# the handler it was given here for the LeanApiMiddleware built next.
_building = threading.local()


class LeanApiEnd:
    """Last in MIDDLEWARE: passes every request on; gives ``LeanApiMiddleware`` the handler
    that comes after the last middleware (URL routing, the view's hooks, the view)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        _building.end = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)


class LeanApiMiddleware:
    """Sends a lean request (``lean_api_request``) to the lean chain, any other to the full
    one."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        end = getattr(_building, "end", None)
        _building.end = None
        if end is None or END not in settings.MIDDLEWARE:
            raise ImproperlyConfigured(f"{SWITCH} needs {END} last in MIDDLEWARE")
        entries = list(settings.MIDDLEWARE)
        following = entries[entries.index(SWITCH) + 1 : entries.index(END)]
        self.lean: Handler | None = None if iscoroutinefunction(end) else lean_chain(following, end)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.lean is not None and lean_api_request(request):
            return self.lean(request)
        return self.get_response(request)


def lean_chain(entries: list[str], end: Handler) -> Handler:
    """The middleware ``entries`` (dotted paths, outermost first) around ``end``, each
    skipped one replaced by its stand-in (``STAND_INS``)."""
    handler = end
    for path in reversed(entries):
        factory = STAND_INS[path] if path in STAND_INS else import_string(path)
        if factory is None:
            continue
        try:
            layer = factory(handler)
        except MiddlewareNotUsed:
            continue
        handler = cast(Handler, convert_exception_to_response(layer))
    return handler


# ---------------------------------------------------------------------------------------
# A cheaper LocaleMiddleware, for every request
# ---------------------------------------------------------------------------------------


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, without looking for a language code in the path when the URLconf has no
    ``i18n_patterns`` (Shuniu's has none): Django's looks on every request, twice, and a path
    such as ``/api/...`` that starts with no language code is the slow case (the lookup's
    failure is not cached: about 25 µs each time). What it answers is the same: the language
    from the cookie or ``Accept-Language``, ``Vary: Accept-Language``, ``Content-Language``.
    On every request, not only the lean path's."""

    def process_request(self, request: HttpRequest) -> None:
        if _language_in_path(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if _language_in_path(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _language_in_path(request: HttpRequest) -> bool:
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    return bool(is_language_prefix_patterns_used(urlconf)[0])
