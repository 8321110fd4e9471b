"""The public page of one organization: its record as of a date, its timeline, its
network and the support it gave and received.

Public like the directory: it reads the registry's public fields and shows the same to
everyone, logged in or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.core.validation import RangeDateField
from shuniu.divisions.models import Division
from shuniu.registry.models import (
    AssociationLevel,
    CreditList,
    DatePrecision,
    EventKind,
    Formation,
    InspectionResult,
    Kind,
    LegalForm,
    Organization,
    OrganizationEvent,
    Status,
    Support,
    SupportKind,
)
from shuniu.registry.selectors import (
    OrganizationProfile,
    organization_profile,
)
from shuniu.web.forms import query_errors
from shuniu.web.names import place_name
from shuniu.web.views.directory import stored_label
from shuniu.web.views.workspace.access import may_work_on

# Django's locale formats have no year-only format; Chinese writes the year with 年.
YEAR_FORMATS = {"zh-hans": "Y年"}
ORGANIZATION_TEMPLATE = "web/directory/organization.html"


class OrganizationQuery(forms.Form):
    as_of = RangeDateField(
        label=gettext_lazy("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": gettext_lazy("Not a date: write it as YYYY-MM-DD, for example 2010-12-31."),
        },
    )


@dataclass(frozen=True)
class Link:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Detail:
    label: str
    value: Link


@dataclass(frozen=True)
class TimelineEntry:
    date: str  # as precise as the source: a day, a month or a year
    iso: str  # the same precision, for <time datetime>
    kind: str
    details: list[Detail]
    source: str


@dataclass(frozen=True)
class SupportRow:
    counterpart: Link
    kind: str
    amount: str
    area: str
    term: str
    policy: str
    source: str


@dataclass(frozen=True)
class MemberRow:
    link: Link
    status: str


def precise_date(date: dt.date, precision: str) -> tuple[str, str]:
    """The date as the user's language writes it, and as ISO 8601, at its precision."""
    if precision == DatePrecision.YEAR:
        language = translation.get_language() or ""
        return format_date(date, YEAR_FORMATS.get(language, "Y")), f"{date:%Y}"
    if precision == DatePrecision.MONTH:
        return date_format(date, "YEAR_MONTH_FORMAT"), f"{date:%Y-%m}"
    return date_format(date, "DATE_FORMAT"), date.isoformat()


def _organization_link(org: Organization) -> Link:
    return Link(text=org.name, url=reverse("web:organization", args=[org.pk]))


def _division_name(division: Division | None) -> str:
    return place_name(division) if division is not None else ""


def _event_label(name: str) -> str:
    model_field = cast("models.Field[Any, Any]", OrganizationEvent._meta.get_field(name))
    return str(model_field.verbose_name)


def _choice(choices: type[Any], value: str) -> str:
    return capfirst(stored_label(choices, value)) if value else ""


def _event_details(event: OrganizationEvent) -> list[Detail]:
    """What the event changed or recorded, in the words of the event's kind."""
    details: list[Detail] = []

    def add(label: str, text: str, url: str = "") -> None:
        if text:
            details.append(Detail(label=label, value=Link(text=text, url=url)))

    if event.kind == EventKind.RENAMED:
        add(_event_label("name_after"), event.name_after)
        add(_("former name"), event.name_before)
    elif event.kind == EventKind.MOVED:
        add(_("new registrar division"), _division_name(event.division_after))
        add(_("former registrar division"), _division_name(event.division_before))
    elif event.kind == EventKind.TRANSFORMED:
        add(_event_label("kind_after"), _choice(Kind, event.kind_after))
        add(_("former kind"), _choice(Kind, event.kind_before))
    if event.hub is not None:
        link = _organization_link(event.hub)
        add(_event_label("hub"), link.text, link.url)
    if event.inspection_year is not None:
        add(_event_label("inspection_year"), str(event.inspection_year))
    if event.inspection_result:
        add(_event_label("inspection_result"), _choice(InspectionResult, event.inspection_result))
    if event.grade:
        add(_event_label("grade"), event.grade)
    if event.grade_score is not None:
        add(_event_label("grade_score"), str(event.grade_score))
    if event.credit_list:
        add(_event_label("credit_list"), _choice(CreditList, event.credit_list))
    return details


def _timeline(events: Sequence[OrganizationEvent]) -> list[TimelineEntry]:
    entries = []
    for event in events:
        text, iso = precise_date(event.date, event.date_precision)
        entries.append(
            TimelineEntry(
                date=text,
                iso=iso,
                kind=stored_label(EventKind, event.kind),
                details=_event_details(event),
                source=event.source,
            )
        )
    return entries


def _decimal(value: Decimal) -> str:
    # Grouped with commas in both languages: the zh-hans locale format does not group
    # digits, and officers read amounts in yuan with commas.
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"¥{_decimal(value)}"


def _area(value: Decimal | None) -> str:
    return "" if value is None else f"{_decimal(value)} m²"


def _term(support: Support) -> str:
    starts = date_format(support.starts_on, "DATE_FORMAT")
    if support.ends_on is None:
        return _("from %(start)s") % {"start": starts}
    return f"{starts} – {date_format(support.ends_on, 'DATE_FORMAT')}"


def _support_rows(rows: Sequence[Support], *, counterpart: str) -> list[SupportRow]:
    return [
        SupportRow(
            counterpart=_organization_link(getattr(support, counterpart)),
            kind=stored_label(SupportKind, support.kind),
            amount=_money(support.amount_yuan),
            area=_area(support.area_m2),
            term=_term(support),
            policy=support.policy_reference,
            source=support.source,
        )
        for support in rows
    ]


def _profile_context(profile: OrganizationProfile) -> dict[str, Any]:
    org = profile.organization
    return {
        "profile": profile,
        "org": org,
        "kind": stored_label(Kind, org.kind),
        "association_level": (
            stored_label(AssociationLevel, org.association_level) if org.association_level else ""
        ),
        "legal_form": stored_label(LegalForm, org.legal_form) if org.legal_form else "",
        "formation": stored_label(Formation, org.formation) if org.formation else "",
        "status": stored_label(Status, profile.status) if profile.status else "",
        "registrar_division": _division_name(org.registrar_division),
        "district": _division_name(profile.district),
        "city": _division_name(profile.city),
        "service_fields": [place_name(f) for f in org.service_fields.all()],
        "timeline": _timeline(profile.events),
        "hub": _organization_link(profile.hub) if profile.hub else None,
        "members": [
            MemberRow(
                link=_organization_link(m),
                status=stored_label(Status, m.status) if m.status else "",
            )
            for m in profile.members
        ],
        "sponsors": [_organization_link(o) for o in profile.sponsors],
        "sponsored": [_organization_link(o) for o in profile.sponsored],
        "support_received": _support_rows(profile.support_received, counterpart="giver"),
        "support_given": _support_rows(profile.support_given, counterpart="receiver"),
    }


@require_safe
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    # Today unless another date is asked for, so the picker always shows the date in force.
    form = OrganizationQuery(
        {"as_of": (request.GET.get("as_of") or "").strip() or today.isoformat()}
    )
    # A bad date is reported, and the page shows today's state meanwhile.
    as_of = (form.cleaned_data["as_of"] if form.is_valid() else None) or today
    try:
        profile = organization_profile(actor=request.user, pk=pk, as_of=as_of)
    except NotFound as exc:
        raise Http404(_("No organization with this number.")) from exc
    context = _profile_context(profile)
    context.update(
        {
            "form": form,
            "today": today,
            "as_of": as_of,
            "may_edit": may_work_on(request.user, profile.organization),
        }
    )
    status = 200
    if form.errors:
        status = 400
        form.fields["as_of"].widget.attrs.update({"class": "form-control is-invalid"})
        form.fields["as_of"].widget.attrs["aria-invalid"] = "true"
        context["query_errors"] = query_errors(form)
    return render(request, ORGANIZATION_TEMPLATE, context, status=status)
