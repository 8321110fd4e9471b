"""The officers' entry of policy documents, targets and published figures (source, date,
qualifier such as 约/超过/近) within their jurisdiction. Each form calls its service, which
checks the jurisdiction, validates, writes and audits; a refusal is a message on the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shuniu.core.actors import Actor
from shuniu.core.validation import CleanCharField, RangeDateField
from shuniu.divisions.models import Division
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
    scope = CleanCharField(
        label=gettext_lazy("districts covered by the target"),
        required=False,
        help_text=gettext_lazy("District codes separated by commas; empty: the whole region."),
    )
    description = CleanCharField(label=gettext_lazy("description"), required=False)

    def clean_scope(self) -> list[Division]:
        codes = [c.strip() for c in self.cleaned_data["scope"].split(",") if c.strip()]
        found = {d.code: d for d in Division.objects.current().filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown region code “%(value)s”.") % {"value": ", ".join(unknown)}
            )
        return [found[c] for c in codes]


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
    forms_ = {name: cls(prefix=name) for name, cls in FORMS.items()}
    status = 200
    if request.method == "POST":
        if entry not in FORMS:
            status = 400
            messages.error(request, _("Choose what to record."))
        else:
            form = FORMS[entry](request.POST, prefix=entry)
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
    return render(request, "web/workspace/targets_entry.html", {"forms": forms_}, status=status)
