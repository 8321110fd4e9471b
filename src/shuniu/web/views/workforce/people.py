"""The people pages: personal data, scoped by the workforce selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shuniu.accounts.permissions import is_admin, jurisdictions, staff_organization_ids
from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, PermissionDenied, Undecryptable
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind, Organization
from shuniu.registry.selectors import OrganizationFilter, organization_get, organization_list
from shuniu.web.fields import optional_choice
from shuniu.web.forms import FlaggedForm, attach_service_errors, page_field, query_errors
from shuniu.web.names import place_name
from shuniu.web.paging import pager, past_last_page, query_status
from shuniu.web.views.workforce.common import (
    choice_label,
    level_label,
    people_access_required,
)
from shuniu.web.views.workspace.access import forbidden
from shuniu.workforce.models import (
    LEVEL_KEYS,
    Certificate,
    EducationLevel,
    Employment,
    EmploymentRole,
    Person,
    Placement,
    Sex,
)
from shuniu.workforce.selectors import (
    PersonFilter,
    RegistrationStatus,
    can_view_id_number,
    overlapping_employments,
    person_get,
    person_list,
    registration_status,
)
from shuniu.workforce.services import person_id_number

PAGE_SIZE = 50
# Agencies offered in the employer filter, per area; the filter is a convenience, the
# search finds anyone the user may see.
EMPLOYER_CHOICES = 200
PURPOSE_MAX_LENGTH = 200
PEOPLE_TEMPLATE = "web/workforce/people.html"
PERSON_TEMPLATE = "web/workforce/person.html"


# ---------------------------------------------------------------------------------------
# The list of people


def _employer_choices(user: Actor, index: DivisionIndex) -> list[tuple[str, str]]:
    """The user's own organizations (agency staff) and the agencies of their area."""
    found: dict[int, Organization] = {}
    for pk in sorted(staff_organization_ids(user)):
        try:
            found[pk] = organization_get(actor=user, pk=pk, index=index)
        except NotFound:
            continue
    areas: list[str | None] = [None] if is_admin(user) else [d.code for d in jurisdictions(user)]
    for code in areas:
        agencies, _count = organization_list(
            actor=user,
            filters=OrganizationFilter(region=code, kind=Kind.AGENCY.value),
            limit=EMPLOYER_CHOICES,
            index=index,
        )
        found.update((org.pk, org) for org in agencies)
    ordered = sorted(found.values(), key=lambda org: (org.name, org.pk))
    return [(str(org.pk), place_name(org)) for org in ordered]


class PeopleQuery(FlaggedForm):
    q = forms.CharField(
        label=gettext_lazy("Name or ID number"),
        required=False,
        max_length=100,
        error_messages={
            "max_length": gettext_lazy(
                "Search for at most %(limit_value)d characters (this has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "aria-describedby": "q-help"}
        ),
    )
    level = optional_choice(
        gettext_lazy("Certificate level"),
        gettext_lazy("Unknown level “%(value)s”: choose one from the list."),
    )
    employer = forms.TypedChoiceField(
        label=gettext_lazy("Employer"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not an employer offered: choose one from the list."
            )
        },
    )
    page = page_field()

    def __init__(self, data: Mapping[str, Any], *, employers: list[tuple[str, str]]) -> None:
        super().__init__(data={k: (data.get(k) or "").strip() for k in self.base_fields})
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            ("", _("Any level")),
            *((key, level_label(level)) for level, key in LEVEL_KEYS.items()),
        ]
        cast(forms.ChoiceField, self.fields["employer"]).choices = [
            ("", _("Any employer")),
            *employers,
        ]
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select" if isinstance(widget, forms.Select) else "form-control"
            )


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    id_masked: str  # first 6 and last 1 characters (Person.id_shown)
    sex: str
    birth_year: int  # never the date: it is part of the ID number
    level: str  # the highest valid certificate today, or ""
    employers: list[str]  # current jobs, as the user may see them
    synthetic: bool


def _valid_on(certificate: Certificate, on: dt.date) -> bool:
    return certificate.issued_on <= on and (
        certificate.revoked_on is None or certificate.revoked_on > on
    )


def _active_on(job: Employment, on: dt.date) -> bool:
    return job.starts_on <= on and (job.ends_on is None or job.ends_on > on)


def _person_row(person: Person, today: dt.date) -> PersonRow:
    # Reads only what person_list prefetched: the list takes a fixed number of queries.
    levels = [c.level for c in person.certificates.all() if _valid_on(c, today)]
    return PersonRow(
        pk=person.pk,
        name=person.name,
        id_masked=person.id_shown,
        sex=choice_label(Sex, person.sex),
        birth_year=person.birth_date.year,
        level=level_label(max(levels)) if levels else "",
        employers=[
            place_name(job.organization)
            for job in person.employments.all()
            if _active_on(job, today)
        ],
        synthetic=person.synthetic,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@people_access_required
def people(request: HttpRequest) -> HttpResponse:
    """The people the user may see. The search form posts, so that an ID number typed into
    it stays out of addresses, server logs and the browser's history; the same filters
    also work as a query string (the page links)."""
    user = request.user
    index = DivisionIndex.load()
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    form = PeopleQuery(data, employers=_employer_choices(user, index))
    context: dict[str, Any] = {"form": form, "today": today}
    beyond_last = False
    if form.is_valid():
        number = form.cleaned_data["page"] or 1
        try:
            found, count = person_list(
                actor=user,
                filters=PersonFilter(
                    q=form.cleaned_data["q"] or None,
                    organization_id=form.cleaned_data["employer"],
                    level=form.cleaned_data["level"] or None,
                ),
                offset=(number - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            beyond_last = past_last_page(form, number, count, PAGE_SIZE)
            if not beyond_last:
                query = {
                    "q": form.cleaned_data["q"],
                    "level": form.cleaned_data["level"],
                    "employer": str(form.cleaned_data["employer"] or ""),
                }
                context.update(
                    rows=[_person_row(p, today) for p in found],
                    pager=pager(
                        path=request.path,
                        query=query,
                        number=number,
                        count=count,
                        per_page=PAGE_SIZE,
                        shown=len(found),
                    ),
                )
    status = query_status(form, past_last=beyond_last)
    if form.errors:
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    context["scope"] = _scope(user)
    return render(request, PEOPLE_TEMPLATE, context, status=status)


def _scope(user: Actor) -> str:
    """Whom the list holds, in words, so a short list is not mistaken for a bug."""
    if is_admin(user):
        return _("Everyone in the records (you are an administrator).")
    parts = []
    areas = jurisdictions(user)
    if areas:
        parts.append(
            _("People linked to %(areas)s by a certificate, an employer or a placement.")
            % {"areas": ", ".join(place_name(d) for d in areas)}
        )
    if staff_organization_ids(user):
        parts.append(_("The staff, past and present, of your own organization."))
    return " ".join(parts)


# ---------------------------------------------------------------------------------------
# A person


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=gettext_lazy("Purpose"),
        max_length=PURPOSE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy(
                "Say why you need the full ID number: the reason is kept in the audit log."
            ),
            "max_length": gettext_lazy(
                "Say it in at most %(limit_value)d characters (this has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


@dataclass(frozen=True)
class Link:
    text: str
    url: str = ""


@dataclass(frozen=True)
class CertificateRow:
    number: str
    level: str
    exam_year: int
    issued_on: dt.date
    registered_in: str
    revoked_on: dt.date | None
    status: RegistrationStatus


@dataclass(frozen=True)
class EmploymentRow:
    pk: int
    organization: Link
    role: str
    starts_on: dt.date
    ends_on: dt.date | None
    full_time: bool
    current: bool
    overlaps: list[str]  # the other full-time jobs of the same time the user may see


@dataclass(frozen=True)
class PlacementRow:
    programme: str
    year: int
    district: str
    community: str
    starts_on: dt.date
    ends_on: dt.date | None


def _visible_person(request: HttpRequest, pk: int) -> Person:
    try:
        return person_get(actor=request.user, pk=pk)
    except NotFound as exc:
        # Someone the user may not see is not found: their existence is not told.
        raise Http404(_("No person with this number among those you may see.")) from exc


def _organization_link(org: Organization) -> Link:
    return Link(text=place_name(org), url=reverse("web:organization", args=[org.pk]))


def _employment_rows(person: Person, today: dt.date) -> list[EmploymentRow]:
    # The selector has already left out the jobs the user may not see (agency staff see
    # their own organization's); an overlap is named only between two visible jobs.
    jobs: list[Employment] = list(person.employments.all())
    visible = {job.pk: job for job in jobs}
    overlaps: dict[int, list[str]] = {pk: [] for pk in visible}
    for first, second in overlapping_employments(person=person):
        if first.pk in visible and second.pk in visible:
            overlaps[first.pk].append(place_name(second.organization))
            overlaps[second.pk].append(place_name(first.organization))
    return [
        EmploymentRow(
            pk=job.pk,
            organization=_organization_link(job.organization),
            role=choice_label(EmploymentRole, job.role),
            starts_on=job.starts_on,
            ends_on=job.ends_on,
            full_time=job.full_time,
            current=_active_on(job, today),
            overlaps=overlaps[job.pk],
        )
        for job in jobs
    ]


def _certificate_rows(person: Person, today: dt.date) -> list[CertificateRow]:
    certificates: list[Certificate] = list(person.certificates.all())
    # One query for every certificate's registration periods, not one per certificate.
    prefetch_related_objects(certificates, "registrations")
    return [
        CertificateRow(
            number=c.number,
            level=level_label(c.level),
            exam_year=c.exam_year,
            issued_on=c.issued_on,
            registered_in=place_name(c.registered_division),
            revoked_on=c.revoked_on,
            status=registration_status(c, today),
        )
        for c in certificates
    ]


def _placement_rows(person: Person) -> list[PlacementRow]:
    placements: Sequence[Placement] = list(person.placements.all())
    return [
        PlacementRow(
            programme=p.programme.name,
            year=p.programme.year,
            district=place_name(p.division),
            community=p.community,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )
        for p in placements
    ]


def _person_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "person": person,
        "today": today,
        "sex": choice_label(Sex, person.sex),
        "education": choice_label(EducationLevel, person.education_level)
        if person.education_level
        else "",
        "university": _organization_link(person.university) if person.university else None,
        "certificates": _certificate_rows(person, today),
        "employments": _employment_rows(person, today),
        "placements": _placement_rows(person),
        "may_reveal": can_view_id_number(request.user, person),
    }


@require_safe
@never_cache
@people_access_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible_person(request, pk)
    context = _person_context(request, found)
    context["reveal_form"] = RevealForm()
    return render(request, PERSON_TEMPLATE, context)


@require_POST
@never_cache
@people_access_required
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number, shown once in the answer to this POST (never in an address),
    to the roles that may see it; every view is audited with its purpose. Anyone else
    gets a 403 and nothing is recorded as seen."""
    found = _visible_person(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid() and can_view_id_number(request.user, found):
        context = _person_context(request, found)
        context.update(reveal_form=form, reveal_errors=True)
        return render(request, PERSON_TEMPLATE, context, status=400)
    try:
        number = person_id_number(
            actor=request.user,
            person=found,
            purpose=form.cleaned_data.get("purpose", ""),
            refuse=True,
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except Undecryptable:
        # No configured key opens it (logged by the service): the page says so, not a 500.
        context = _person_context(request, found)
        context.update(reveal_form=RevealForm(), id_number_unavailable=True)
        return render(request, PERSON_TEMPLATE, context, status=503)
    context = _person_context(request, found)
    context.update(reveal_form=RevealForm(), id_number=number)
    return render(request, PERSON_TEMPLATE, context)
