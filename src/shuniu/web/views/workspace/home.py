"""The officer's home: where they may act, what waits for them, what changed there lately,
and a way to find the organization to work on, starting in their own jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.accounts.permissions import (
    evaluator_organization_ids,
    is_admin,
    jurisdictions,
    staff_organization_ids,
)
from shuniu.core.errors import NotFound
from shuniu.core.selectors import audit_log
from shuniu.core.validation import CleanCharField
from shuniu.divisions.models import COUNTY_LEVELS, Division, Level
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.selectors import (
    contract_list_supplier_side,
    evaluation_list_mine,
    purchasing_waiting,
)
from shuniu.registry.models import Organization, Status
from shuniu.registry.selectors import OrganizationFilter, organization_get, organization_list
from shuniu.web.forms import query_errors
from shuniu.web.names import place_name
from shuniu.web.views.workspace.access import may_work_on, officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm
from shuniu.web.views.workspace.imports import waiting_import
from shuniu.web.views.workspace.organizations import waiting_conflicts
from shuniu.web.views.workspace.trail import describe

RECENT_CHANGES = 10
FOUND_ORGANIZATIONS = 20


# The finder's choices: (code, name) pairs, or (group name, pairs) for an optgroup.
Choices = list[tuple[str, Any]]


class FinderQuery(WorkspaceForm):
    q = CleanCharField(
        max_length=100, required=False, label=gettext_lazy("Name, address or credit code")
    )
    region = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Where"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not one of the regions offered: choose one from the list."
            )
        },
    )

    def __init__(self, *args: Any, regions: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]
        self.style()


def _within(region: Division, index: DivisionIndex, today: dt.date) -> Choices:
    """A region and the county-level divisions it holds today, as one group of choices."""
    parts = index.county_level_on(region.pk, today) if region.level not in COUNTY_LEVELS else []
    whole = _("%(region)s, all of it") % {"region": place_name(region)} if parts else None
    return [
        (region.code, whole or place_name(region)),
        *((d.code, f"{place_name(d)} ({d.code})") for d in parts),
    ]


def finder_regions(user: Any, index: DivisionIndex, today: dt.date) -> Choices:
    """The finder's scopes: the officer's jurisdictions first (the default), each with its
    districts; an administrator's start with everywhere, then each city with its districts."""
    if is_admin(user):
        cities = sorted(
            (d for d in index.by_id.values() if d.level == Level.CITY and d.valid_to is None),
            key=lambda d: d.code,
        )
        return [("", _("everywhere")), *((place_name(c), _within(c, index, today)) for c in cities)]
    areas = sorted(jurisdictions(user), key=lambda d: d.code)
    if len(areas) == 1:
        return _within(areas[0], index, today)
    return [(place_name(d), _within(d, index, today)) for d in areas]


def _first_code(regions: Choices) -> str:
    value, label = regions[0]
    return str(label[0][0]) if isinstance(label, list) else str(value)


def _conflicted(request: HttpRequest, index: DivisionIndex) -> list[Organization]:
    """The organizations whose edit this session saw refused as stale, where the workspace
    still opens for the user."""
    ids = waiting_conflicts(request)
    if not ids:
        return []
    found = []
    for pk in reversed(ids):
        try:
            org = organization_get(actor=request.user, pk=pk, index=index)
        except NotFound:
            continue  # deleted since
        if may_work_on(request.user, org):
            found.append(org)
    return found


@require_safe
def home(request: HttpRequest) -> HttpResponseBase:
    """Officers and administrators get the workspace; evaluators and agency staff a home
    of what they may do (their evaluations, their contracts); anyone else the 403 page."""
    user = request.user
    if (
        user.is_authenticated
        and not (is_admin(user) or jurisdictions(user))
        and (evaluator_organization_ids(user) or staff_organization_ids(user))
    ):
        return _roles_home(request)
    return _officer_home(request)


def _roles_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    contracts = contract_list_supplier_side(actor=user)
    return render(
        request,
        "web/workspace/home_roles.html",
        {
            "evaluations": list(evaluation_list_mine(actor=user)[:RECENT_CHANGES])
            if evaluator_organization_ids(user)
            else None,
            "contracts": contracts if staff_organization_ids(user) else None,
        },
    )


@officer_required
def _officer_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    index = DivisionIndex.load()
    areas = jurisdictions(user)
    regions = finder_regions(user, index, timezone.localdate())
    default_region = _first_code(regions)
    finder = FinderQuery(request.GET, regions=regions)
    context: dict[str, Any] = {
        "admin": is_admin(user),
        "evaluator": bool(evaluator_organization_ids(user)),
        "areas": [(d.code, place_name(d)) for d in areas],
        "finder": finder,
        "waiting_import": waiting_import(request),
        "purchasing": purchasing_waiting(actor=user),
    }
    status = 200
    if finder.is_valid():
        # An empty choice is the default scope: the jurisdiction (an administrator: everywhere).
        region = finder.cleaned_data["region"] or default_region
        found, count = organization_list(
            actor=user,
            filters=OrganizationFilter(region=region or None, q=finder.cleaned_data["q"] or None),
            limit=FOUND_ORGANIZATIONS,
            index=index,
        )
        context.update(
            found=[(org, place_name(org.district)) for org in found],
            found_count=count,
        )
    else:
        status = 400
        context["query_errors"] = query_errors(finder)
    _none, registering = organization_list(
        actor=user,
        filters=OrganizationFilter(region=default_region or None, status=Status.REGISTERING),
        limit=1,
        index=index,
    )
    context["registering"] = registering
    context["conflicts"] = _conflicted(request, index)
    context["default_region"] = default_region
    records, _count = audit_log(actor=user, limit=RECENT_CHANGES, index=index)
    context["entries"] = describe(records, index)
    return render(request, "web/workspace/home.html", context, status=status)
