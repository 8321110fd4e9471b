"""The evaluator's workspace: their institutions' evaluations, and one evaluation's sheet
(the scheme tree; outputs computed from the accepted reports shown read-only; a form for the
rest; the complete button).

Who sees what: the list is for users holding the evaluator role (others get the 403 page);
a sheet is seen by those who may see the contract's delivery (404 for anyone else), and only
the assigned institution's evaluators get the forms (the services check the same again).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shuniu.accounts.permissions import evaluator_organization_ids
from shuniu.core.errors import NotFound, StaleVersion, ValidationError
from shuniu.core.replica import reads_primary
from shuniu.core.validation import MAX_PAGE, CleanCharField, RangeDateField
from shuniu.procurement.models import Evaluation, EvaluationStatus
from shuniu.procurement.permissions import is_assigned_evaluator
from shuniu.procurement.selectors import (
    Sheet,
    evaluation_involved_get,
    evaluation_list_mine,
    evaluation_sheet,
)
from shuniu.procurement.services import evaluation_complete, evaluation_score
from shuniu.web.forms import attach_service_errors, query_errors
from shuniu.web.paging import pager
from shuniu.web.views.workspace.access import forbidden

PER_PAGE = 25
LIST_TEMPLATE = "web/workspace/evaluations/list.html"
SHEET_TEMPLATE = "web/workspace/evaluations/sheet.html"


class ListQuery(forms.Form):
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, label=pgettext_lazy("evaluation", "Page")
    )


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("web:login"))


@require_safe
def evaluation_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return _login(request)
    if not evaluator_organization_ids(user):
        return forbidden(
            request,
            _(
                "This page is for evaluators of an evaluation institution. Your account has "
                "no evaluator role; ask an administrator if you need one."
            ),
        )
    query = ListQuery(request.GET)
    if not query.is_valid():
        context: dict[str, Any] = {"query_errors": query_errors(query), "rows": []}
        return render(request, LIST_TEMPLATE, context, status=400)
    number = query.cleaned_data["page"] or 1
    qs = evaluation_list_mine(actor=user)
    count = qs.count()
    rows = list(qs[(number - 1) * PER_PAGE : number * PER_PAGE])
    return render(
        request,
        LIST_TEMPLATE,
        {
            "rows": rows,
            "pager": pager(
                path=request.path,
                query=request.GET,
                number=number,
                count=count,
                per_page=PER_PAGE,
                shown=len(rows),
            ),
        },
    )


class ScoresForm(forms.Form):
    """One score and one comment per leaf the evaluator enters."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, sheet: Sheet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: list[str] = []
        for row in sheet.rows:
            if not row.is_leaf or row.computed:
                continue
            code = row.indicator.code
            self.codes.append(code)
            self.fields[f"score-{code}"] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_value=row.indicator.max_score,
                decimal_places=2,
                max_digits=6,
                label=row.indicator.name,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
            )
            self.fields[f"comment-{code}"] = CleanCharField(
                required=False,
                max_length=2000,
                label=_("Comment on %(name)s") % {"name": row.indicator.name},
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 1}),
            )
            if not self.is_bound:
                self.initial[f"score-{code}"] = row.score
                self.initial[f"comment-{code}"] = row.comment

    def scores(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            code: {"score": data[f"score-{code}"], "comment": data[f"comment-{code}"] or ""}
            for code in self.codes
            if data.get(f"score-{code}") is not None
        }


class CompleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    completed_on = RangeDateField(
        label=pgettext_lazy("evaluation", "Completed on"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    summary = CleanCharField(
        required=False,
        max_length=5000,
        label=pgettext_lazy("evaluation", "Summary"),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


def _evaluation(request: HttpRequest, pk: int) -> Evaluation:
    try:
        return evaluation_involved_get(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(_("No evaluation with id %(id)s.") % {"id": pk}) from exc


def _sheet_page(
    request: HttpRequest,
    evaluation: Evaluation,
    *,
    scores_form: ScoresForm | None = None,
    complete_form: CompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sheet = evaluation_sheet(evaluation=evaluation)
    editable = (
        is_assigned_evaluator(request.user, evaluation)
        and evaluation.status == EvaluationStatus.ASSIGNED
    )
    if editable:
        scores_form = scores_form or ScoresForm(
            sheet=sheet, initial={"version": evaluation.version}
        )
        complete_form = complete_form or CompleteForm(initial={"version": evaluation.version})
    fields = {}
    if editable and scores_form is not None:
        fields = {
            code: (scores_form[f"score-{code}"], scores_form[f"comment-{code}"])
            for code in scores_form.codes
        }
    rows = [(row, fields.get(row.indicator.code)) for row in sheet.rows]
    award = getattr(evaluation.contract.purchase, "award", None)
    return render(
        request,
        SHEET_TEMPLATE,
        {
            "evaluation": evaluation,
            "purchase": evaluation.contract.purchase,
            "supplier": award.supplier if award else None,
            "sheet": sheet,
            "rows": rows,
            "editable": editable,
            "scores_form": scores_form,
            "complete_form": complete_form,
        },
        status=status,
    )


def _score_field(field: str) -> str:
    """The sheet's input for a service's ``scores.<code>`` field."""
    return f"score-{field.removeprefix('scores.')}" if field.startswith("scores.") else field


@reads_primary
@require_http_methods(["GET", "HEAD", "POST"])
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    evaluation = _evaluation(request, pk)
    if request.method != "POST":
        return _sheet_page(request, evaluation)
    if not is_assigned_evaluator(request.user, evaluation):
        return forbidden(request, _("Only evaluators of the assigned institution may score it."))
    form = ScoresForm(request.POST, sheet=evaluation_sheet(evaluation=evaluation))
    if form.is_valid():
        try:
            evaluation_score(
                actor=request.user,
                evaluation=evaluation,
                scores=form.scores(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc, _score_field)
        except StaleVersion:
            form.add_error(
                None, _("Someone saved this evaluation meanwhile: reload the page and try again.")
            )
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(request, _("Scores saved."))
            return redirect(reverse("web:workspace_evaluation", args=[pk]))
    return _sheet_page(request, evaluation, scores_form=form, status=400)


@require_POST
def evaluation_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    evaluation = _evaluation(request, pk)
    if not is_assigned_evaluator(request.user, evaluation):
        return forbidden(request, _("Only evaluators of the assigned institution may score it."))
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            done = evaluation_complete(
                actor=request.user,
                evaluation=evaluation,
                completed_on=form.cleaned_data["completed_on"],
                summary=form.cleaned_data["summary"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc, _score_field)
        except StaleVersion:
            form.add_error(
                None, _("Someone saved this evaluation meanwhile: reload the page and try again.")
            )
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            messages.success(
                request,
                _("Evaluation completed: %(total)s points, %(grade)s.")
                % {"total": done.total, "grade": done.get_grade_display()},
            )
            return redirect(reverse("web:workspace_evaluation", args=[pk]))
    return _sheet_page(request, evaluation, complete_form=form, status=400)
