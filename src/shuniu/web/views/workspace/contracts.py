"""The agency's workspace: their organization's contracts, and per contract its
deliverables, its reports (submitted, returned, accepted, with the officer's comment) and a
report form (period, one line per deliverable: the actual quantity, or words for an outcome).

Who sees what: the list is for agency staff (others get the 403 page); a contract's page
opens for those who may see its delivery, and only the supplier's staff get the form (the
service checks the same again). Anyone else gets a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from shuniu.accounts.permissions import staff_organization_ids
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.validation import CleanCharField, RangeDateField
from shuniu.procurement.models import Contract, Deliverable, OutputKind
from shuniu.procurement.permissions import is_supplier_side, may_see_delivery
from shuniu.procurement.selectors import contract_get, contract_list_supplier_side, report_list
from shuniu.procurement.services import report_submit
from shuniu.web.forms import attach_service_errors
from shuniu.web.views.workspace.access import forbidden
from shuniu.web.views.workspace.forms import WorkspaceForm

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("web:login"))


@require_safe
def contract_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    if not staff_organization_ids(request.user):
        return forbidden(
            request,
            _(
                "This page is for staff of a supplier. Your account has no agency staff "
                "role; ask an administrator if you need one."
            ),
        )
    rows = contract_list_supplier_side(actor=request.user)
    return render(request, "web/workspace/contracts/list.html", {"rows": rows})


class ReportForm(WorkspaceForm):
    period_start = RangeDateField(label=gettext_lazy("Period from"), widget=_DATE)
    period_end = RangeDateField(label=gettext_lazy("Period to"), widget=_DATE)
    submitted_on = RangeDateField(label=gettext_lazy("Submitted on"), widget=_DATE)

    def __init__(self, *args: Any, deliverables: list[Deliverable], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deliverables = deliverables
        for d in deliverables:
            if d.kind == OutputKind.OUTCOME:
                self.fields[f"text-{d.pk}"] = CleanCharField(
                    required=False,
                    max_length=5000,
                    label=d.description,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            else:
                self.fields[f"actual-{d.pk}"] = forms.DecimalField(
                    required=False,
                    min_value=Decimal(0),
                    max_digits=12,
                    decimal_places=2,
                    label=f"{d.description} ({d.get_kind_display()}, {d.planned})",
                )
        self.style()

    def line_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(("text-", "actual-"))]

    def lines(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The lines filled in (a blank deliverable is left out), and their field names."""
        data = self.cleaned_data
        lines: list[dict[str, Any]] = []
        names: list[str] = []
        for d in self.deliverables:
            if d.kind == OutputKind.OUTCOME:
                if data.get(f"text-{d.pk}"):
                    lines.append({"deliverable": d.pk, "text": data[f"text-{d.pk}"]})
                    names.append(f"text-{d.pk}")
            elif data.get(f"actual-{d.pk}") is not None:
                lines.append({"deliverable": d.pk, "actual": data[f"actual-{d.pk}"]})
                names.append(f"actual-{d.pk}")
        return lines, names


def _contract(request: HttpRequest, pk: int) -> Contract:
    try:
        contract = contract_get(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if not may_see_delivery(request.user, contract.purchase):
        raise Http404(_("No contract with id %(id)s.") % {"id": pk})
    return contract


def _add_errors(form: ReportForm, exc: ValidationError, names: list[str]) -> None:
    """The service names a report line ``lines[i]...``: its input is ``names[i]``."""

    def line_input(field: str) -> str | None:
        if field.startswith("lines["):
            index_text = field[len("lines[") :].partition("]")[0]
            if index_text.isdigit() and int(index_text) < len(names):
                return names[int(index_text)]
        return field

    attach_service_errors(form, exc, line_input)


@require_http_methods(["GET", "HEAD", "POST"])
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    contract = _contract(request, pk)
    deliverables = list(contract.deliverables.order_by("position", "id"))
    supplier = is_supplier_side(request.user, contract.purchase)
    status = 200
    form: ReportForm | None = None
    if request.method == "POST":
        if not supplier:
            return forbidden(request, _("Only staff of the supplier may report on this contract."))
        form = ReportForm(request.POST, deliverables=deliverables)
        if form.is_valid():
            lines, names = form.lines()
            try:
                report_submit(
                    actor=request.user,
                    contract=contract,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    submitted_on=form.cleaned_data["submitted_on"],
                    lines=lines,
                )
            except ValidationError as exc:
                _add_errors(form, exc, names)
            except (PermissionDenied, NotFound) as exc:
                return forbidden(request, str(exc))
            else:
                messages.success(request, _("Report submitted."))
                return redirect(reverse("web:workspace_contract", args=[pk]))
        form.style()
        status = 400
    elif supplier:
        form = ReportForm(
            deliverables=deliverables,
            initial={"submitted_on": timezone.localdate(), "period_start": contract.starts_on},
        )
    reports, _count = report_list(actor=request.user, contract=contract)
    return render(
        request,
        "web/workspace/contracts/contract.html",
        {
            "contract": contract,
            "purchase": contract.purchase,
            "deliverables": deliverables,
            "reports": reports,
            "form": form,
        },
        status=status,
    )
