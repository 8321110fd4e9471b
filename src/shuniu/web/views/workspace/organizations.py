"""Entering and correcting organizations, their events and the support they receive.

Every write goes through the registry services, which check the jurisdiction again, validate
and audit. A form shows the services' refusals next to the inputs they concern; an edit made
against an older version than the stored one shows, field by field, the typed value beside
the stored one and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shuniu.core.errors import StaleVersion
from shuniu.core.replica import reads_primary
from shuniu.core.selectors import AuditFilter, AuditSubject, audit_log
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Organization
from shuniu.registry.services import (
    organization_event_add,
    organization_event_delete,
    organization_register,
    organization_update,
    support_record,
)
from shuniu.web.forms import attach_service_errors
from shuniu.web.htmx import HtmxHttpRequest
from shuniu.web.views.workspace.access import (
    forbidden,
    officer_required,
    writable_organization,
)
from shuniu.web.views.workspace.forms import (
    EventForm,
    OrganizationForm,
    SupportForm,
    WorkspaceForm,
    changed_values,
    comparable,
    division_label,
    organization_initial,
    stored_values,
)
from shuniu.web.views.workspace.trail import ORGANIZATION, ORGANIZATION_PARTS

FORM_TEMPLATE = "web/workspace/organization_form.html"
# The organizations whose edit this session saw refused as stale and has not yet saved again
# (the workspace home lists them): ids, newest last.
CONFLICTS_KEY = "workspace_conflicts"
CONFLICTS_KEPT = 10
EVENT_TEMPLATE = "web/workspace/event_form.html"
SUPPORT_TEMPLATE = "web/workspace/support_form.html"


def _service_errors(form: WorkspaceForm, exc: ValidationError) -> None:
    attach_service_errors(form, exc)
    form.style()


def _organization_page(org: Organization | int) -> str:
    pk = org if isinstance(org, int) else org.pk
    return reverse("web:workspace_organization", args=[pk])


def _saved(
    request: HttpRequest,
    form: WorkspaceForm,
    write: Callable[[], tuple[Organization, str]],
    *,
    stale: Callable[[], HttpResponse] | None = None,
) -> HttpResponse | None:
    """Run a form's write (a service call giving the organization and the message to show):
    on success, the message and the organization's page; a refused value goes to the form
    (None: the form is shown again); a refused actor gets the 403 page; an edit of an older
    version ``stale``'s answer."""
    try:
        org, message = write()
    except StaleVersion:
        if stale is None:
            raise
        return stale()
    except ValidationError as exc:
        _service_errors(form, exc)
        return None
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    messages.success(request, message)
    return redirect(_organization_page(org))


# ---------------------------------------------------------------------------------------
# One organization
# ---------------------------------------------------------------------------------------


@require_safe
@officer_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org, index = target.org, target.index
    support = list(org.support_received.select_related("giver").order_by("starts_on", "id"))
    return render(
        request,
        "web/workspace/organization.html",
        {
            "org": org,
            "division": division_label(org.registrar_division, index),
            "events": sorted(org.events.all(), key=lambda e: (e.date, e.pk)),
            "support": support,
        },
    )


# ---------------------------------------------------------------------------------------
# Creating and correcting
# ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def organization_create(request: HttpRequest) -> HttpResponse:
    index = DivisionIndex.load()
    status = 200
    if request.method == "POST":
        form = OrganizationForm(request.POST, actor=request.user, index=index)
        if form.is_valid():
            data = form.cleaned_data

            def register() -> tuple[Organization, str]:
                org = organization_register(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    registrar_division=data["registrar_division"],
                    uscc=data["uscc"],
                    uscc_override_reason=data["uscc_override_reason"],
                    name_en=data["name_en"],
                    association_level=data["association_level"],
                    legal_form=data["legal_form"],
                    address=data["address"],
                    service_fields=data["service_fields"],
                    formation=data["formation"],
                    hub=data["hub"],
                    sponsors=data["sponsors"],
                    founded_on=data["founded_on"],
                    registration_applied_on=data["registration_applied_on"],
                    registered_on=data["registered_on"],
                    source=data["source"],
                )
                return org, _("%(name)s was entered in the registry.") % {"name": org.name}

            answer = _saved(request, form, register)
            if answer is not None:
                return answer
        status = 400
    else:
        form = OrganizationForm(actor=request.user, index=index)
    return render(request, FORM_TEMPLATE, {"form": form, "org": None}, status=status)


def _shown(form: forms.Form, name: str, value: Any) -> str:
    """A value as the form's reader knows it: choices by label, records by name."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, Division):
        labels = dict(getattr(form.fields["registrar_division"], "choices", ()))
        return str(labels.get(value.code, value))
    if isinstance(value, Organization):
        return value.name
    if name == "sponsors":
        return "、".join(o.name for o in value)
    choices = dict(getattr(form.fields[name], "choices", ()))
    if name == "service_fields":
        return "、".join(str(choices.get(code, code)) for code in value)
    if choices:
        return str(choices.get(value, value))
    return str(value)


def _last_change(request: HttpRequest, pk: int, index: DivisionIndex) -> Any:
    subject = AuditSubject(ORGANIZATION, str(pk), ORGANIZATION_PARTS)
    records, _count = audit_log(
        actor=request.user, filters=AuditFilter(subject=subject), limit=1, index=index
    )
    return records[0] if records else None


def waiting_conflicts(request: HttpRequest) -> list[int]:
    kept = request.session.get(CONFLICTS_KEY)
    return [pk for pk in kept if isinstance(pk, int)] if isinstance(kept, list) else []


def _remember_conflict(request: HttpRequest, pk: int) -> None:
    kept = [p for p in waiting_conflicts(request) if p != pk]
    request.session[CONFLICTS_KEY] = [*kept, pk][-CONFLICTS_KEPT:]


def _forget_conflict(request: HttpRequest, pk: int) -> None:
    kept = waiting_conflicts(request)
    if pk in kept:
        request.session[CONFLICTS_KEY] = [p for p in kept if p != pk]


def _conflict(request: HttpRequest, form: OrganizationForm, pk: int) -> HttpResponse:
    """The edit form again, with the typed values, the stored ones, and the new version."""
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    fresh = target.org
    _remember_conflict(request, pk)
    stored = stored_values(fresh)
    rows = [
        (form.fields[name].label, _shown(form, name, value), _shown(form, name, stored[name]))
        for name, value in form.cleaned_data.items()
        if name in stored and comparable(name, value) != comparable(name, stored[name])
    ]
    data = request.POST.copy()
    data["version"] = str(fresh.version)
    again = OrganizationForm(data, actor=request.user, index=target.index, organization=fresh)
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": again,
            "org": fresh,
            "conflict": rows,
            "last_change": _last_change(request, pk, target.index),
        },
        status=409,
    )


@reads_primary
@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org, index = target.org, target.index
    status = 200
    if request.method == "POST":
        form = OrganizationForm(request.POST, actor=request.user, index=index, organization=org)
        if form.is_valid():
            changes = changed_values(form.cleaned_data, stored_values(org))
            if not changes:
                _forget_conflict(request, org.pk)
                messages.info(request, _("Nothing to save: the record already holds these values."))
                return redirect(_organization_page(org))

            def save() -> tuple[Organization, str]:
                organization_update(
                    actor=request.user,
                    organization=org,
                    expected_version=form.cleaned_data["version"],
                    **changes,
                )
                _forget_conflict(request, org.pk)
                saved = ", ".join(str(form.fields[n].label) for n in changes)
                return org, _("Saved: %(fields)s.") % {"fields": saved}

            answer = _saved(request, form, save, stale=lambda: _conflict(request, form, pk))
            if answer is not None:
                return answer
        status = 400
    else:
        form = OrganizationForm(
            initial=organization_initial(org), actor=request.user, index=index, organization=org
        )
    return render(request, FORM_TEMPLATE, {"form": form, "org": org}, status=status)


# ---------------------------------------------------------------------------------------
# Events and support
# ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def event_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org, index = target.org, target.index
    status = 200
    if request.method == "POST":
        form = EventForm(
            request.POST,
            actor=request.user,
            index=index,
            organization=org,
            details_url=request.path,
        )
        if form.is_valid():
            data = form.cleaned_data

            def add() -> tuple[Organization, str]:
                event = organization_event_add(
                    actor=request.user,
                    organization=org,
                    kind=data["kind"],
                    date=data["date"],
                    date_precision=data["date_precision"],
                    source=data["source"],
                    note=data["note"],
                    **form.details(),
                )
                shown = f"{event.date:%Y-%m-%d} {event.get_kind_display()}"
                return org, _("Event added: %(event)s.") % {"event": shown}

            answer = _saved(request, form, add)
            if answer is not None:
                return answer
        status = 400
        kind = None
    else:
        kind = request.GET.get("kind") or None
        initial = {k: v for k, v in request.GET.items() if k != "csrfmiddlewaretoken"}
        form = EventForm(
            initial=initial,
            actor=request.user,
            index=index,
            organization=org,
            details_url=request.path,
        )
        if request.htmx:
            # The kind changed: only the inputs that kind records.
            return render(
                request,
                EVENT_TEMPLATE + "#event-details",
                {"form": form, "details": form.detail_fields(kind), "narrowed": True},
            )
    # A full page shows every detail input, so that it works without JavaScript too.
    return render(
        request,
        EVENT_TEMPLATE,
        {"form": form, "org": org, "details": form.detail_fields(None), "narrowed": False},
        status=status,
    )


@require_POST
@officer_required
def event_delete(request: HttpRequest, pk: int, event_pk: int) -> HttpResponseBase:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org = target.org
    event = next((e for e in org.events.all() if e.pk == event_pk), None)
    if event is None:
        raise Http404(_("This organization has no such event."))
    try:
        organization_event_delete(actor=request.user, event=event)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    messages.success(
        request,
        _("Event deleted: %(event)s.")
        % {"event": f"{event.date:%Y-%m-%d} {event.get_kind_display()}"},
    )
    return redirect(_organization_page(org))


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def support_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org = target.org
    status = 200
    if request.method == "POST":
        form = SupportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def record() -> tuple[Organization, str]:
                support_record(
                    actor=request.user,
                    giver=data["giver"],
                    receiver=org,
                    kind=data["kind"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    amount_yuan=data["amount_yuan"],
                    area_m2=data["area_m2"],
                    policy_reference=data["policy_reference"],
                    source=data["source"],
                    note=data["note"],
                )
                return org, _("Support recorded.")

            answer = _saved(request, form, record)
            if answer is not None:
                return answer
        status = 400
    else:
        form = SupportForm()
    return render(request, SUPPORT_TEMPLATE, {"form": form, "org": org}, status=status)
