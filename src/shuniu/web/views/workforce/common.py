"""What the public workforce page and the people pages share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin, jurisdictions, staff_organization_ids
from shuniu.core.actors import Actor
from shuniu.web.views.workspace.access import forbidden
from shuniu.workforce.models import Level

# A view: its request (HttpRequest or a subclass such as HtmxHttpRequest), then its URL arguments.
_Request = TypeVar("_Request", bound=HttpRequest)
_Args = ParamSpec("_Args")
View = Callable[Concatenate[_Request, _Args], HttpResponseBase]


def grouped(value: int | float) -> str:
    # Commas in both languages: the zh-hans locale format groups no digits, and the
    # survey's figures are quoted with commas ("11,723").
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def level_label(level: int) -> str:
    return capfirst(str(Level(level).label))


def choice_label(choices: Any, value: str) -> str:
    return capfirst(str(choices(value).label)) if value in choices.values else value


# ---------------------------------------------------------------------------------------
# Who may open the people pages


def may_see_people(user: Actor) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (is_admin(user) or jurisdictions(user) or staff_organization_ids(user))
    )


def people_access_required(view: View[_Request, _Args]) -> View[_Request, _Args]:
    """Anonymous visitors go to the login page and come back; users with no role that sees
    people (evaluators, accounts without a role) get a 403 page that says why. Which people
    each of the others sees is the selectors' business."""

    @wraps(view)
    def wrapper(
        request: _Request, /, *args: _Args.args, **kwargs: _Args.kwargs
    ) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:login"))
        if not may_see_people(request.user):
            return forbidden(
                request,
                _(
                    "People's records are personal data, for officers, agency staff and "
                    "administrators. Your account has none of these roles; the workforce "
                    "statistics are public."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapper
