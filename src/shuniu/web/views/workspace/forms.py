"""Forms of the officer workspace. They read and check what was typed; the services decide
and write. Labels and choices come from the models, so they read the same everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.accounts.permissions import covered_division_ids
from shuniu.core.actors import Actor
from shuniu.core.validation import CleanCharField, RangeDateField
from shuniu.divisions.models import Division, Level
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.codes import normalize_uscc
from shuniu.registry.models import (
    AssociationLevel,
    CreditList,
    DatePrecision,
    EventKind,
    Formation,
    Grade,
    InspectionResult,
    Kind,
    LegalForm,
    Organization,
    OrganizationEvent,
    ServiceField,
    Support,
    SupportKind,
)
from shuniu.web.names import place_name

# Levels a registrar sits at: a city's bureau or a district's (county's) bureau.
REGISTRAR_LEVELS = (Level.CITY, Level.DISTRICT, Level.COUNTY)
# What each kind of event records besides its date; the htmx form shows only these.
EVENT_DETAILS: dict[str, tuple[str, ...]] = {
    EventKind.RENAMED: ("name_after",),
    EventKind.MOVED: ("division_after",),
    EventKind.TRANSFORMED: ("kind_after",),
    EventKind.JOINED_HUB: ("hub",),
    EventKind.ANNUAL_INSPECTION: ("inspection_year", "inspection_result"),
    EventKind.GRADED: ("grade", "grade_score"),
    EventKind.LISTED: ("credit_list",),
    EventKind.DELISTED: ("credit_list",),
}
DETAIL_FIELDS = tuple(dict.fromkeys(f for fields in EVENT_DETAILS.values() for f in fields))
_REFERENCE_SEPARATORS = re.compile(r"[\n;；,，、|｜]")


def _label(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(capfirst(field.verbose_name))


def _blank(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def division_label(division: Division, index: DivisionIndex) -> str:
    parent = index.by_id.get(division.parent_id) if division.parent_id else None
    prefix = place_name(parent) + " · " if parent is not None else ""
    return f"{prefix}{place_name(division)} ({division.code})"


def writable_divisions(
    actor: Actor, index: DivisionIndex, *, keep: Sequence[Division] = ()
) -> list[tuple[str, str]]:
    """Registrar divisions valid today that ``actor`` may write in, as (code, label).

    ``keep`` adds divisions a record already names (an abolished district), so that an
    unchanged value stays a valid choice.
    """
    covered = covered_division_ids(actor, index)
    today = timezone.localdate()
    keep_ids = {d.pk for d in keep}
    divisions = [
        d
        for d in index.by_id.values()
        if (covered is None or d.pk in covered)
        and (d.pk in keep_ids or (d.level in REGISTRAR_LEVELS and d.is_valid_on(today)))
    ]
    return [(d.code, division_label(d, index)) for d in sorted(divisions, key=lambda d: d.code)]


def association_choices(exclude: int | None = None) -> list[tuple[str, str]]:
    hubs = Organization.objects.filter(kind=Kind.ASSOCIATION)
    if exclude is not None:
        hubs = hubs.exclude(pk=exclude)
    return [(str(pk), name) for pk, name in hubs.order_by("name", "id").values_list("pk", "name")]


def service_field_choices() -> list[tuple[str, str]]:
    return [(f.code, place_name(f)) for f in ServiceField.objects.order_by("position", "code")]


def find_organizations(references: Sequence[str]) -> tuple[list[Organization], list[str]]:
    """Organizations named by credit code or exact name; and the problems, one a line."""
    wanted = [r.strip() for r in references if r.strip()]
    codes = {normalize_uscc(r) for r in wanted}
    found = Organization.objects.filter(models.Q(uscc__in=codes) | models.Q(name__in=wanted))
    by_code: dict[str, Organization] = {}
    by_name: dict[str, list[Organization]] = {}
    for candidate in found:
        if candidate.uscc:
            by_code[candidate.uscc] = candidate
        by_name.setdefault(candidate.name, []).append(candidate)
    result: list[Organization] = []
    problems: list[str] = []
    for reference in wanted:
        org: Organization | None = by_code.get(normalize_uscc(reference))
        named = by_name.get(reference, [])
        if org is None and len(named) == 1:
            org = named[0]
        if org is not None:
            if org not in result:
                result.append(org)
        elif named:
            problems.append(
                _("Several organizations are named “%(name)s”: give its credit code.")
                % {"name": reference}
            )
        else:
            problems.append(
                _("No organization has the credit code or name “%(value)s”.") % {"value": reference}
            )
    return result, problems


def reference_list(text: str) -> list[str]:
    return [part.strip() for part in _REFERENCE_SEPARATORS.split(text or "") if part.strip()]


def reference_text(orgs: Iterable[Organization]) -> str:
    return "\n".join(org.uscc or org.name for org in orgs)


class WorkspaceForm(forms.Form):
    """Bootstrap classes and accessible error marks on every input."""

    def style(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css
            if self.is_bound and name in self.errors:
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-errors"
            elif field.help_text:
                widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-help"

    def error_list(self) -> list[tuple[str, str, str]]:
        """(input id, field label, message) of every error, for the summary at the top."""
        rows: list[tuple[str, str, str]] = []
        for name, messages in self.errors.items():
            field = self.fields.get(name)
            label = str(field.label) if field is not None and field.label else ""
            target = self[name].auto_id if field is not None else ""
            rows.extend((target, label, str(m)) for m in messages)
        return rows


_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {
    "invalid": gettext_lazy("Not a date: write it as YYYY-MM-DD, for example 2010-12-31.")
}


class OrganizationForm(WorkspaceForm):
    """An organization's editable fields; with ``creating`` also the dates of its founding."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = CleanCharField(max_length=200)
    name_en = CleanCharField(max_length=255, required=False)
    uscc = CleanCharField(
        max_length=40,
        required=False,
        help_text=gettext_lazy("18 characters (GB 32100-2015); leave blank if it has none."),
    )
    uscc_override_reason = CleanCharField(
        max_length=255,
        required=False,
        help_text=gettext_lazy(
            "Only for a legal code whose check character is known to be wrong: say how you know."
        ),
    )
    kind = forms.ChoiceField(choices=Kind.choices)
    association_level = forms.ChoiceField(choices=_blank(AssociationLevel.choices), required=False)
    legal_form = forms.ChoiceField(choices=_blank(LegalForm.choices), required=False)
    registrar_division = forms.ChoiceField(
        help_text=gettext_lazy("Only divisions in your jurisdiction are offered.")
    )
    address = CleanCharField(max_length=255, required=False)
    formation = forms.ChoiceField(choices=_blank(Formation.choices), required=False)
    service_fields = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    hub = forms.ChoiceField(
        required=False, help_text=gettext_lazy("The association that leads it, if any.")
    )
    sponsors = CleanCharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Credit codes or exact names of its sponsors, one a line."),
    )
    source = CleanCharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Where the information comes from (document, report, web page)."),
    )
    founded_on = RangeDateField(required=False, widget=_DATE_WIDGET, error_messages=_DATE_ERRORS)
    registration_applied_on = RangeDateField(
        required=False, widget=_DATE_WIDGET, error_messages=_DATE_ERRORS
    )
    registered_on = RangeDateField(required=False, widget=_DATE_WIDGET, error_messages=_DATE_ERRORS)

    CREATE_ONLY = ("founded_on", "registration_applied_on", "registered_on")

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        index: DivisionIndex,
        organization: Organization | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        for name, field in self.fields.items():
            if name in ("version", "registration_applied_on"):
                continue
            field.label = _label(Organization, name)
        self.fields["registration_applied_on"].label = capfirst(_("registration applied on"))
        keep = [organization.registrar_division] if organization is not None else []
        division_field = cast(forms.ChoiceField, self.fields["registrar_division"])
        division_field.choices = writable_divisions(actor, index, keep=keep)
        self.divisions = {d.code: d for d in index.by_id.values()}
        hub_field = cast(forms.ChoiceField, self.fields["hub"])
        hub_field.choices = _blank(association_choices(organization.pk if organization else None))
        cast(
            forms.MultipleChoiceField, self.fields["service_fields"]
        ).choices = service_field_choices()
        if organization is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
            self.fields["version"].required = True
        else:
            del self.fields["version"]
        self.style()
        self.fields["service_fields"].widget.attrs["class"] = "form-check-input"

    def clean_registrar_division(self) -> Division:
        return self.divisions[self.cleaned_data["registrar_division"]]

    def clean_hub(self) -> Organization | None:
        value = self.cleaned_data.get("hub")
        if not value:
            return None
        hub = Organization.objects.filter(pk=int(value)).first()
        if hub is None:
            raise forms.ValidationError(_("This organization no longer exists."))
        return hub

    def clean_sponsors(self) -> list[Organization]:
        found, problems = find_organizations(reference_list(self.cleaned_data.get("sponsors", "")))
        if problems:
            raise forms.ValidationError(problems)
        return found


def organization_initial(org: Organization) -> dict[str, Any]:
    """The stored record as the form shows it: ``stored_values``, records by code or id."""
    stored = stored_values(org)
    return {
        "version": org.version,
        **stored,
        "registrar_division": org.registrar_division.code,
        "service_fields": sorted(stored["service_fields"]),
        "hub": str(org.hub_id) if org.hub_id else "",
        "sponsors": reference_text(stored["sponsors"]),
    }


def comparable(field: str, value: Any) -> Any:
    """A value reduced to what decides whether it changed."""
    if field == "uscc":
        return normalize_uscc(value or "") or None
    if field in ("registrar_division", "hub"):
        return value.pk if value is not None else None
    if field == "service_fields":
        return sorted(value or [])
    if field == "sponsors":
        return sorted(o.pk for o in value or [])
    if isinstance(value, str):
        return value.strip()
    return value


def stored_values(org: Organization) -> dict[str, Any]:
    """The stored record in the shapes ``OrganizationForm.cleaned_data`` holds."""
    return {
        "name": org.name,
        "name_en": org.name_en,
        "uscc": org.uscc or "",
        "uscc_override_reason": org.uscc_override_reason,
        "kind": org.kind,
        "association_level": org.association_level,
        "legal_form": org.legal_form,
        "registrar_division": org.registrar_division,
        "address": org.address,
        "formation": org.formation,
        "service_fields": [f.code for f in org.service_fields.all()],
        "hub": org.hub,
        "sponsors": list(org.sponsors.all()),
        "source": org.source,
    }


def changed_values(cleaned: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose typed value differs from the stored one, as the service takes them."""
    return {
        name: cleaned[name]
        for name in stored
        if name in cleaned and comparable(name, cleaned[name]) != comparable(name, stored[name])
    }


class EventForm(WorkspaceForm):
    kind = forms.ChoiceField(choices=_blank(EventKind.choices))
    date = RangeDateField(widget=_DATE_WIDGET, error_messages=_DATE_ERRORS)
    date_precision = forms.ChoiceField(choices=DatePrecision.choices, initial=DatePrecision.DAY)
    source = CleanCharField(max_length=255)
    note = CleanCharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    name_after = CleanCharField(max_length=200, required=False)
    kind_after = forms.ChoiceField(choices=_blank(Kind.choices), required=False)
    division_after = forms.ChoiceField(required=False)
    hub = forms.ChoiceField(required=False)
    inspection_year = forms.IntegerField(min_value=1949, max_value=2100, required=False)
    inspection_result = forms.ChoiceField(choices=_blank(InspectionResult.choices), required=False)
    grade = forms.ChoiceField(choices=_blank(Grade.choices), required=False)
    grade_score = forms.IntegerField(min_value=0, max_value=1000, required=False)
    credit_list = forms.ChoiceField(choices=_blank(CreditList.choices), required=False)

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        index: DivisionIndex,
        organization: Organization,
        details_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = _label(OrganizationEvent, name)
        self.fields["division_after"].label = capfirst(_("new registrar division"))
        division_field = cast(forms.ChoiceField, self.fields["division_after"])
        division_field.choices = _blank(writable_divisions(actor, index))
        self.divisions = {d.code: d for d in index.by_id.values()}
        hub_field = cast(forms.ChoiceField, self.fields["hub"])
        hub_field.choices = _blank(association_choices(organization.pk))
        self.style()
        if details_url:
            # With htmx, choosing a kind swaps in the inputs of that kind; without it, the
            # page keeps every input and the service checks what the kind needs.
            self.fields["kind"].widget.attrs.update(
                {
                    "hx-get": details_url,
                    "hx-trigger": "change",
                    "hx-target": "#event-details",
                    "hx-swap": "outerHTML",
                    "hx-include": "#event-details",
                }
            )

    def clean_division_after(self) -> Division | None:
        code = self.cleaned_data.get("division_after")
        return self.divisions[code] if code else None

    def clean_hub(self) -> Organization | None:
        value = self.cleaned_data.get("hub")
        return Organization.objects.filter(pk=int(value)).first() if value else None

    def details(self) -> dict[str, Any]:
        """The detail values that belong to the chosen kind; others are not sent."""
        wanted = EVENT_DETAILS.get(self.cleaned_data["kind"], ())
        return {name: self.cleaned_data.get(name) for name in wanted}

    def detail_fields(self, kind: str | None) -> list[tuple[forms.BoundField, list[str]]]:
        """The detail inputs to show and, for each, the kinds of event it is for."""
        shown = EVENT_DETAILS.get(kind, ()) if kind else None
        rows: list[tuple[forms.BoundField, list[str]]] = []
        for name in DETAIL_FIELDS:
            if shown is not None and name not in shown:
                continue
            kinds = [str(EventKind(k).label) for k, names in EVENT_DETAILS.items() if name in names]
            rows.append((self[name], kinds))
        return rows


class SupportForm(WorkspaceForm):
    giver = CleanCharField(
        max_length=255,
        help_text=gettext_lazy("The credit code or exact name of the organization that gave it."),
    )
    kind = forms.ChoiceField(choices=_blank(SupportKind.choices))
    amount_yuan = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    area_m2 = forms.DecimalField(max_digits=10, decimal_places=2, required=False)
    starts_on = RangeDateField(widget=_DATE_WIDGET, error_messages=_DATE_ERRORS)
    ends_on = RangeDateField(required=False, widget=_DATE_WIDGET, error_messages=_DATE_ERRORS)
    policy_reference = CleanCharField(max_length=255, required=False)
    source = CleanCharField(max_length=255, required=False)
    note = CleanCharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = _label(Support, name)
        self.style()

    def clean_giver(self) -> Organization:
        found, problems = find_organizations([self.cleaned_data["giver"]])
        if problems:
            raise forms.ValidationError(problems)
        return found[0]
