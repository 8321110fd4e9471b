"""The officers' entry of policy documents, targets and published figures (source, date,
qualifier such as 约/超过/近) within their jurisdiction. Each form calls its service, which
checks the jurisdiction, validates, writes and audits; a refusal is a message on the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shuniu.accounts.permissions import covered_division_ids, jurisdictions
from shuniu.core.actors import Actor
from shuniu.core.validation import CleanCharField, RangeDateField
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind
from shuniu.targets.models import Metric, PolicyDocument
from shuniu.targets.services import (
    policy_document_create,
    published_figure_create,
    target_create,
)
from shuniu.web.views.workspace.access import officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KINDS = [("", gettext_lazy("all kinds")), *Kind.choices]
QUALIFIERS = [("", "—"), ("约", "约"), ("超过", "超过"), ("近", "近")]


class _RegionForm(WorkspaceForm):
    region = forms.RegexField(
        label=gettext_lazy("Region code"),
        regex=r"^\d{6}$",
        error_messages={
            "invalid": gettext_lazy("A region code is six digits, for example 110102.")
        },
    )

    def clean_region(self) -> Division:
        code = self.cleaned_data["region"]
        division = Division.objects.current().filter(code=code).first()
        if division is None:
            raise forms.ValidationError(_("Unknown region code “%(value)s”.") % {"value": code})
        return division


class DocumentForm(_RegionForm):
    title = CleanCharField(label=gettext_lazy("title"), max_length=255)
    issuer = CleanCharField(label=gettext_lazy("issuer"), max_length=200, required=False)
    number = CleanCharField(label=gettext_lazy("document number"), max_length=100, required=False)
    issued_on = RangeDateField(label=gettext_lazy("issued on"), required=False, widget=DATE)


def county_divisions(
    actor: Actor, index: DivisionIndex, *, region: Division | None = None, on: dt.date | None = None
) -> list[Division]:
    """The county-level divisions the actor may name in a target's scope: those of their
    jurisdiction (an administrator: all), past ones included (崇文区 before July 2010);
    only ``region``'s and only those existing ``on`` that date when given, by code."""
    covered = covered_division_ids(actor, index)
    return sorted(
        (
            d
            for d in index.by_id.values()
            if d.level in COUNTY_LEVELS
            and (covered is None or d.pk in covered)
            and (region is None or d.parent_id == region.pk)
            and (on is None or d.is_valid_on(on))
        ),
        key=lambda d: d.code,
    )


def district_label(division: Division, index: DivisionIndex) -> str:
    label = f"{division.name} ({division.code})"
    if division.valid_to is not None:
        successor = index.by_id.get(division.successor_id) if division.successor_id else None
        if successor is not None:
            return _("%(district)s, until %(date)s, then %(successor)s") % {
                "district": label,
                "date": division.valid_to.isoformat(),
                "successor": successor.name,
            }
        return _("%(district)s, until %(date)s") % {
            "district": label,
            "date": division.valid_to.isoformat(),
        }
    if division.valid_from is not None and division.valid_from.year >= 2000:
        return _("%(district)s, from %(date)s") % {
            "district": label,
            "date": division.valid_from.isoformat(),
        }
    return label


class DistrictsField(forms.MultipleChoiceField):
    """Checkboxes of districts (shown: ``choices``); accepted: any code in ``allowed``, so
    a plan's district not listed for the date shown is still checked by the service."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.allowed: set[str] = set()
        super().__init__(*args, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.allowed


class PickerForm(forms.Form):
    """GET: whose districts the target form lists, and as of which date (the plan's)."""

    of = forms.RegexField(
        label=gettext_lazy("Region code"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={
            "invalid": gettext_lazy("A region code is six digits, for example 110102.")
        },
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    on = RangeDateField(
        label=gettext_lazy("the plan's date"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
    )


class TargetForm(_RegionForm):
    document = forms.ModelChoiceField(
        label=gettext_lazy("policy document"),
        queryset=PolicyDocument.objects.order_by("title"),
        required=False,
    )
    metric = forms.ChoiceField(label=gettext_lazy("metric"), choices=Metric.choices)
    kind = forms.ChoiceField(label=gettext_lazy("organization kind"), choices=KINDS, required=False)
    value = forms.DecimalField(label=gettext_lazy("target value"), max_digits=14, decimal_places=2)
    due_on = RangeDateField(label=gettext_lazy("due on"), widget=DATE)
    scope = DistrictsField(
        label=gettext_lazy("districts covered by the target"),
        required=False,
        help_text=gettext_lazy("None checked: the whole region."),
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not a district within your jurisdiction."
            )
        },
    )
    description = CleanCharField(label=gettext_lazy("description"), required=False)

    def __init__(
        self,
        *args: Any,
        actor: Actor,
        index: DivisionIndex,
        shown: list[Division] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.index = index
        allowed = county_divisions(actor, index)
        field = self.fields["scope"]
        assert isinstance(field, DistrictsField)
        field.allowed = {d.code for d in allowed}
        field.choices = [(d.code, district_label(d, index)) for d in (shown or [])]

    def clean_scope(self) -> list[Division]:
        return [self.index.by_code[code] for code in self.cleaned_data["scope"]]


class FigureForm(_RegionForm):
    metric = forms.ChoiceField(label=gettext_lazy("metric"), choices=Metric.choices)
    kind = forms.ChoiceField(label=gettext_lazy("organization kind"), choices=KINDS, required=False)
    qualifier = forms.ChoiceField(
        label=gettext_lazy("qualifier"), choices=QUALIFIERS, required=False
    )
    value = forms.DecimalField(label=gettext_lazy("value"), max_digits=14, decimal_places=2)
    as_of = RangeDateField(label=gettext_lazy("as of"), widget=DATE)
    source = CleanCharField(label=gettext_lazy("source"), max_length=255)
    note = CleanCharField(label=gettext_lazy("note"), required=False)


FORMS: dict[str, type[_RegionForm]] = {
    "document": DocumentForm,
    "target": TargetForm,
    "figure": FigureForm,
}


def _picker(
    request: HttpRequest, actor: Actor, index: DivisionIndex
) -> tuple[PickerForm, Division | None, list[Division]]:
    """The districts the target form lists: of the region asked (GET ``of``, or the region
    posted), else the officer's first jurisdiction; on the plan's date when given (GET
    ``on``), else every one that ever was, former ones marked."""
    picker = PickerForm(request.GET or None, prefix="picker")
    code = ""
    on = None
    if picker.is_bound and picker.is_valid():
        code, on = picker.cleaned_data["of"], picker.cleaned_data["on"]
    if request.method == "POST":
        code = request.POST.get("target-region", "")
    region = index.by_code.get(code) if code else None
    if region is None:
        roots = jurisdictions(actor)
        region = roots[0] if roots else None
    if region is None:
        return picker, None, []
    if not picker.is_bound:
        picker.initial = {"of": region.code}
    elif not picker.data.get("picker-of"):
        # Show the region listed (the jurisdiction's) in the picker's own field.
        picker = PickerForm({**request.GET.dict(), "picker-of": region.code}, prefix="picker")
        picker.is_valid()
    if region.level in COUNTY_LEVELS:
        # A district's target covers the whole district; the picker offers nothing.
        return picker, region, []
    return picker, region, county_divisions(actor, index, region=region, on=on)


def _save(entry: str, form: _RegionForm, actor: Actor) -> None:
    data = dict(form.cleaned_data)
    if entry == "document":
        policy_document_create(actor=actor, **data)
    elif entry == "target":
        target_create(actor=actor, **data)
    else:
        published_figure_create(actor=actor, **data)


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def targets_entry(request: HttpRequest) -> HttpResponse:
    entry = request.POST.get("entry", "") if request.method == "POST" else ""
    index = DivisionIndex.load()
    picker, picked, shown = _picker(request, request.user, index)

    def make(name: str, data: Any = None) -> _RegionForm:
        if name != "target":
            return FORMS[name](data, prefix=name)
        initial = {"region": picked.code} if picked is not None else {}
        return TargetForm(
            data, prefix=name, actor=request.user, index=index, shown=shown, initial=initial
        )

    forms_ = {name: make(name) for name in FORMS}
    status = 200
    if request.method == "POST":
        if entry not in FORMS:
            status = 400
            messages.error(request, _("Choose what to record."))
        else:
            form = make(entry, request.POST)
            forms_[entry] = form
            if form.is_valid():
                try:
                    _save(entry, form, request.user)
                except PermissionDenied as exc:
                    form.add_error("region", str(exc))
                except ValidationError as exc:
                    errors = exc.message_dict if hasattr(exc, "error_dict") else {}
                    for name, msgs in errors.items():
                        form.add_error(name if name in form.fields else None, msgs)
                    if not errors:
                        form.add_error(None, exc.messages)
                else:
                    messages.success(request, _("Recorded."))
                    return redirect("web:workspace_targets")
            status = 400
    for form in forms_.values():
        form.style()
    return render(
        request,
        "web/workspace/targets_entry.html",
        {"forms": forms_, "picker": picker, "picked": picked},
        status=status,
    )
