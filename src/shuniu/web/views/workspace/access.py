"""Who may enter the workspace, and the page that says no.

The workspace is for officers and administrators. Anonymous visitors are sent to the login
page and come back; anyone else logged in gets a 403 page that says why. Pages of one
organization also need the organization to lie in the officer's jurisdiction; the services
check the same again on every write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import covered_division_ids, is_admin, jurisdictions
from shuniu.core.errors import NotFound
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Organization
from shuniu.registry.selectors import organization_get
from shuniu.web.names import place_name

# A view: its request (HttpRequest or a subclass such as HtmxHttpRequest), then its URL arguments.
_Request = TypeVar("_Request", bound=HttpRequest)
_Args = ParamSpec("_Args")
View = Callable[Concatenate[_Request, _Args], HttpResponseBase]

FORBIDDEN_TEMPLATE = "web/workspace/forbidden.html"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, FORBIDDEN_TEMPLATE, {"message": message}, status=403)


def officer_required(view: View[_Request, _Args]) -> View[_Request, _Args]:
    """Let officers and administrators in; send anonymous visitors to the login page."""

    @wraps(view)
    def wrapper(
        request: _Request, /, *args: _Args.args, **kwargs: _Args.kwargs
    ) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:login"))
        if not (is_admin(user) or jurisdictions(user)):
            return forbidden(
                request,
                _(
                    "The workspace is for officers and administrators. Your account has "
                    "neither role; ask an administrator if you need one."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapper


def outside_jurisdiction(request: HttpRequest, division: Division) -> HttpResponse:
    return forbidden(
        request,
        _("%(division)s is outside your jurisdiction: you may not see or change its records here.")
        % {"division": place_name(division)},
    )


@dataclass(frozen=True)
class Target:
    """The organization a page is about, and the divisions read on the way (pages reuse them)."""

    org: Organization
    index: DivisionIndex


def may_work_on(user: Any, org: Organization) -> bool:
    """Whether the workspace's pages of ``org`` open for ``user`` (the rules of
    ``officer_required`` and ``writable_organization``): the public page shows its edit and
    history links only then."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    if not jurisdictions(user):
        return False
    covered = covered_division_ids(user)
    return covered is None or org.registrar_division_id in covered


def writable_organization(request: HttpRequest, pk: int) -> Target | HttpResponse:
    """The organization, or the 403 page when it lies outside the user's jurisdiction."""
    index = DivisionIndex.load()
    try:
        org = organization_get(actor=request.user, pk=pk, index=index)
    except NotFound as exc:
        raise Http404(_("No organization with id %(id)s.") % {"id": pk}) from exc
    covered = covered_division_ids(request.user, index)
    if covered is not None and org.registrar_division_id not in covered:
        return outside_jurisdiction(request, org.registrar_division)
    return Target(org=org, index=index)
