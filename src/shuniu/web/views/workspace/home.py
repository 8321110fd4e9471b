"""The officer's home: where they may act, what changed there lately, and a way to find the
organization to work on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.accounts.permissions import evaluator_organization_ids, is_admin, jurisdictions
from shuniu.core.selectors import audit_log
from shuniu.core.validation import CleanCharField
from shuniu.divisions.models import Level
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.selectors import OrganizationFilter, organization_list
from shuniu.web.forms import query_errors
from shuniu.web.names import place_name
from shuniu.web.views.workspace.access import officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm
from shuniu.web.views.workspace.trail import describe

RECENT_CHANGES = 10
FOUND_ORGANIZATIONS = 20


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

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]
        self.style()


@require_safe
@officer_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    index = DivisionIndex.load()
    areas = jurisdictions(user)
    if is_admin(user):
        cities = sorted(
            (d for d in index.by_id.values() if d.level == Level.CITY and d.valid_to is None),
            key=lambda d: d.code,
        )
        regions = [("", _("everywhere")), *((d.code, place_name(d)) for d in cities)]
    else:
        regions = [(d.code, place_name(d)) for d in sorted(areas, key=lambda d: d.code)]
    finder = FinderQuery(request.GET, regions=regions)
    context: dict[str, Any] = {
        "admin": is_admin(user),
        "evaluator": bool(evaluator_organization_ids(user)),
        "areas": [(d.code, place_name(d)) for d in areas],
        "finder": finder,
    }
    status = 200
    if finder.is_valid():
        region = finder.cleaned_data["region"] or regions[0][0]
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
    records, _count = audit_log(actor=user, limit=RECENT_CHANGES, index=index)
    context["entries"] = describe(records, index)
    return render(request, "web/workspace/home.html", context, status=status)
