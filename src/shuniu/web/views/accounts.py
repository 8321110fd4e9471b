"""Logging in and out, and the pages shown when a login or a form post is refused.

Django's auth views do the work; these add where people land, the per-address limit on login
posts, and translated explanations of a lockout (django-axes) and of a CSRF failure.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuniu.accounts.permissions import is_admin, is_officer
from shuniu.core.ratelimit import client_ip, configured, exceeded, purge_expired

LOGIN_TEMPLATE = "web/accounts/login.html"


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["username"].widget.attrs["autocapitalize"] = "none"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = "form-control is-invalid"
                attrs["aria-describedby"] = f"id_{name}-error"


def _login_form(request: HttpRequest) -> LoginForm:
    """An empty login form that keeps the username the person typed."""
    return LoginForm(request, initial={"username": request.POST.get("username", "")})


class LoginView(auth_views.LoginView):
    template_name = LOGIN_TEMPLATE
    authentication_form = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Login posts are rare, so they also sweep out rate counters whose window has ended.
        purge_expired()
        rate = configured(settings.SHUNIU_LOGIN_RATE)
        if rate is not None and exceeded(f"login:{client_ip(request) or 'unknown'}", rate):
            seconds = rate.retry_after()
            refusal = ngettext(
                "Too many login attempts from your network. Try again in %(seconds)d second.",
                "Too many login attempts from your network. Try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
            context = self.get_context_data(form=_login_form(request), refusal=refusal)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        # Officers and administrators come to work on the registry; everyone else to read it.
        user = self.request.user
        if is_admin(user) or is_officer(user):
            return reverse("web:workspace")
        return reverse("web:overview")


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (a link or a prefetch must not end a session); a GET, e.g. from
    an old bookmark, shows a page with the button."""

    http_method_names = ["get", "post", "options"]
    template_name = "web/accounts/logout.html"


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page saying the account is locked and for how long (AXES_LOCKOUT_CALLABLE).

    Axes calls this for every login it refuses, ours or the admin's."""
    cool_off = get_cool_off(request)
    if cool_off:
        minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
        refusal = ngettext(
            "This account is locked after %(limit)d failed logins. Try again in %(minutes)d "
            "minute, or ask an administrator to unlock it.",
            "This account is locked after %(limit)d failed logins. Try again in %(minutes)d "
            "minutes, or ask an administrator to unlock it.",
            minutes,
        ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    else:
        refusal = _(
            "This account is locked after %(limit)d failed logins. Ask an administrator to "
            "unlock it."
        ) % {"limit": settings.AXES_FAILURE_LIMIT}
    context = {
        "form": _login_form(request),
        "refusal": refusal,
        "next": _safe_next(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, LOGIN_TEMPLATE, context, status=429)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page carries an inline style the CSP blocks, and does not
    tell people what to do."""
    return render(request, "web/accounts/csrf_failure.html", status=403)
