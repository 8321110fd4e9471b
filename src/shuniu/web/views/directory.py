"""The public directory of organizations: the search form, the list and its pages.

The view only turns the query string into selector calls and the selectors' answers into
rows to show. The page is public: it reads the registry's public fields and shows the
same to everyone, logged in or not. The page of one organization is in ``organization``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.validation import CleanCharField, RangeDateField
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import (
    Formation,
    Kind,
    Organization,
    ServiceField,
    Status,
)
from shuniu.registry.selectors import (
    OrganizationFilter,
    organization_list,
)
from shuniu.web.fields import optional_choice
from shuniu.web.forms import (
    REGION_CODES,
    FlaggedForm,
    other_regions,
    page_field,
    query_errors,
)
from shuniu.web.htmx import HtmxHttpRequest
from shuniu.web.names import place_name
from shuniu.web.paging import Pager, pager, past_last_page, query_status

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]
DEFAULT_SORT = "name"
SORTS = (
    ("name", gettext_lazy("Name")),
    ("-registered_on", gettext_lazy("Registered, newest first")),
    ("registered_on", gettext_lazy("Registered, oldest first")),
    ("founded_on", gettext_lazy("Founded, oldest first")),
)
MAX_QUERY_LENGTH = 100

DIRECTORY_TEMPLATE = "web/directory/directory.html"


def stored_label(choices: type[Any], value: str) -> str:
    """The translated label of a stored choice; an unknown stored value is shown as is."""
    return str(choices(value).label) if value in choices.values else value


# ---------------------------------------------------------------------------------------
# Query forms
# ---------------------------------------------------------------------------------------


def _capitalized(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(value, capfirst(str(label))) for value, label in choices]


class DirectoryQuery(FlaggedForm):
    q = CleanCharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": gettext_lazy(
                "Search for at most %(limit_value)d characters (this has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "aria-describedby": "q-help"}
        ),
    )
    district = optional_choice(
        gettext_lazy("District"),
        gettext_lazy("“%(value)s” is not a city or district offered: choose one from the list."),
    )
    kind = optional_choice(
        gettext_lazy("Kind"),
        gettext_lazy("Unknown organization kind “%(value)s”: choose one from the list."),
    )
    status = optional_choice(
        gettext_lazy("Status"),
        gettext_lazy("Unknown status “%(value)s”: choose one from the list."),
    )
    formation = optional_choice(
        gettext_lazy("Formation"),
        gettext_lazy("Unknown formation path “%(value)s”: choose one from the list."),
    )
    service_field = optional_choice(
        gettext_lazy("Service field"),
        gettext_lazy("Unknown service field “%(value)s”: choose one from the list."),
    )
    as_of = RangeDateField(
        label=gettext_lazy("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(
            attrs={"type": "date", "aria-describedby": "as-of-help"}, format="%Y-%m-%d"
        ),
        error_messages={
            "invalid": gettext_lazy("Not a date: write it as YYYY-MM-DD, for example 2010-12-31."),
        },
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=SORTS,
        error_messages={
            "invalid_choice": gettext_lazy("Unknown order “%(value)s”: choose one from the list.")
        },
    )
    page_size = forms.TypedChoiceField(
        label=gettext_lazy("Per page"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        error_messages={
            "invalid_choice": gettext_lazy(
                "Show 25, 50 or 100 organizations per page, not “%(value)s”."
            )
        },
    )
    page = page_field()

    def __init__(
        self,
        query: Mapping[str, Any],
        *,
        districts: Sequence[Any],
        service_fields: Sequence[tuple[str, str]],
    ) -> None:
        super().__init__(data=query)
        choices = {
            "district": [("", _("All three cities")), *districts],
            "kind": [("", _("All kinds")), *_capitalized(Kind.choices)],
            "status": [("", _("Any status")), *_capitalized(Status.choices)],
            "formation": [("", _("Any formation")), *_capitalized(Formation.choices)],
            "service_field": [("", _("Any service field")), *service_fields],
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = options
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs["class"] = css

    def filters(self) -> OrganizationFilter:
        data = self.cleaned_data
        return OrganizationFilter(
            region=data["district"] or None,
            kind=data["kind"] or None,
            status=data["status"] or None,
            formation=data["formation"] or None,
            service_field=data["service_field"] or None,
            q=data["q"] or None,
            as_of=data["as_of"],
        )


def _selector_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    aliases = {"region": "district", "order": "sort"}
    for name, messages in errors.items():
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, messages)


# ---------------------------------------------------------------------------------------
# The directory
# ---------------------------------------------------------------------------------------


def district_choices(index: DivisionIndex, today: dt.date) -> list[Any]:
    """The three cities, each followed by its county-level divisions, grouped by city;
    then every other province and prefecture-level city of today, grouped by province.

    The curated abolished divisions of the three cities stay on offer (marked with the day
    they ended), because the directory can be read as of a date when they existed.
    """
    groups: list[Any] = []
    for code in REGION_CODES:
        city = index.by_code.get(code)
        if city is None:
            continue
        city_name = place_name(city)
        # The curated divisions (the national table's older ones, gone before 2001, are
        # not offered: the sector's records begin later).
        children = sorted(
            (
                d
                for d in index.children(city.pk)
                if d.level in COUNTY_LEVELS and (d.curated or d.is_valid_on(today))
            ),
            key=lambda d: (d.valid_to is not None and d.valid_to <= today, d.code),
        )
        options = [(city.code, _("%(city)s, all districts") % {"city": city_name})]
        for division in children:
            name = place_name(division)
            if division.valid_to is not None and division.valid_to <= today:
                name = _("%(name)s (abolished %(date)s)") % {
                    "name": name,
                    "date": division.valid_to.isoformat(),
                }
            options.append((division.code, name))
        groups.append((city_name, options))
    return groups + other_regions(index, today, place_name)


@dataclass(frozen=True)
class DirectoryRow:
    pk: int
    name: str
    name_en: str
    kind: str
    status: str
    status_code: str
    district: str
    formation: str
    founded_on: dt.date | None
    registered_on: dt.date | None
    service_fields: list[str]
    synthetic: bool


@dataclass(frozen=True)
class Results:
    rows: list[DirectoryRow]
    pager: Pager
    as_of: dt.date | None
    today: dt.date


def directory_row(org: Organization) -> DirectoryRow:
    """What the directory shows of an organization (its page and its export)."""
    district: Division = org.district
    status: str = org.status_on or ""  # type: ignore[attr-defined]
    return DirectoryRow(
        pk=org.pk,
        name=org.name,
        name_en=org.name_en,
        kind=stored_label(Kind, org.kind_on),  # type: ignore[attr-defined]
        status=stored_label(Status, status) if status else "",
        status_code=status,
        district=place_name(district),
        formation=stored_label(Formation, org.formation) if org.formation else "",
        founded_on=org.founded_on,
        registered_on=org.registered_on,
        service_fields=[place_name(f) for f in org.service_fields.all()],
        synthetic=org.synthetic,
    )


def directory_form(request: HttpRequest, index: DivisionIndex, today: dt.date) -> DirectoryQuery:
    """The directory's search form bound to the query string (the page and its export)."""
    service_fields = [(f.code, place_name(f)) for f in ServiceField.objects.order_by("position")]
    return DirectoryQuery(
        request.GET, districts=district_choices(index, today), service_fields=service_fields
    )


@require_safe
def directory(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = directory_form(request, index, today)
    context: dict[str, Any] = {"form": form, "today": today}
    beyond_last = False
    if form.is_valid():
        page = form.cleaned_data["page"] or 1
        page_size = form.cleaned_data["page_size"] or DEFAULT_PAGE_SIZE
        try:
            found, count = organization_list(
                actor=request.user,
                filters=form.filters(),
                offset=(page - 1) * page_size,
                limit=page_size,
                order=form.cleaned_data["sort"] or DEFAULT_SORT,
                index=index,
            )
        except ValidationError as exc:
            _selector_errors(form, exc)
        else:
            beyond_last = past_last_page(form, page, count, page_size)
            if not beyond_last:
                context["results"] = Results(
                    rows=[directory_row(org) for org in found],
                    pager=pager(
                        path=request.path,
                        query=request.GET.dict(),
                        number=page,
                        count=count,
                        per_page=page_size,
                        shown=len(found),
                    ),
                    as_of=form.cleaned_data["as_of"],
                    today=today,
                )
    status = query_status(form, past_last=beyond_last)
    if form.errors:
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    # An htmx request replaces only the results; going back in history needs the whole page.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = f"{DIRECTORY_TEMPLATE}#results" if partial else DIRECTORY_TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
