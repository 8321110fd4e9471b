"""The audit trail: the history of one organization and the log of a jurisdiction.

Both read ``core.selectors.audit_log``, which keeps each user to the records they may see;
the pages only turn the query string into its filters and the records into readable rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.selectors import AuditFilter, AuditSubject, audit_log
from shuniu.core.validation import MAX_PAGE, PAGE_TOO_LARGE, RangeDateField
from shuniu.divisions.selectors import DivisionIndex
from shuniu.web.fields import optional_choice
from shuniu.web.forms import query_errors
from shuniu.web.paging import Pager, pager
from shuniu.web.views.workspace.access import officer_required, writable_organization
from shuniu.web.views.workspace.forms import WorkspaceForm
from shuniu.web.views.workspace.trail import (
    ACTIONS,
    ORGANIZATION,
    ORGANIZATION_PARTS,
    action_label,
    describe,
)

PAGE_SIZE = 50
_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {
    "invalid": gettext_lazy("Not a date: write it as YYYY-MM-DD, for example 2010-12-31.")
}


def _pager(request: HttpRequest, number: int, count: int, shown: int) -> Pager:
    # Links relative to the page: only the query string changes.
    return pager(
        path="",
        query=request.GET.dict(),
        number=number,
        count=count,
        per_page=PAGE_SIZE,
        shown=shown,
    )


class PageQuery(WorkspaceForm):
    page = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGE,
        required=False,
        label=gettext_lazy("Page"),
        error_messages={
            "invalid": gettext_lazy("The page is a whole number, 1 or more."),
            "max_value": PAGE_TOO_LARGE,
        },
    )

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1


class AuditQuery(PageQuery):
    action = optional_choice(
        gettext_lazy("Action"),
        gettext_lazy("Unknown action “%(value)s”: choose one from the list."),
    )
    user = forms.CharField(max_length=150, required=False, label=gettext_lazy("User"))
    since = RangeDateField(
        required=False, label=gettext_lazy("From"), widget=_DATE_WIDGET, error_messages=_DATE_ERRORS
    )
    until = RangeDateField(
        required=False, label=gettext_lazy("To"), widget=_DATE_WIDGET, error_messages=_DATE_ERRORS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(((k, action_label(k)) for k in ACTIONS), key=lambda c: c[1])
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", capfirst(_("all actions"))), *actions]
        self.style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date lies before the start date."))
        return data

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            action=data["action"], user=data["user"], since=data["since"], until=data["until"]
        )


def _log_page(
    request: HttpRequest,
    query: PageQuery,
    filters: Callable[[], AuditFilter],
    *,
    template: str,
    context: dict[str, Any],
    index: DivisionIndex | None = None,
) -> HttpResponse:
    """A page of the audit log the query asks for, or the query's errors (400)."""
    context["form"] = query
    status = 200
    if query.is_valid():
        index = index or DivisionIndex.load()
        number = query.page_number()
        records, count = audit_log(
            actor=request.user,
            filters=filters(),
            offset=(number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            index=index,
        )
        context["entries"] = describe(records, index)
        context["pager"] = _pager(request, number, count, len(records))
    else:
        status = 400
        query.style()
        context["query_errors"] = query_errors(query)
    return render(request, template, context, status=status)


@require_safe
@officer_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    target = writable_organization(request, pk)
    if isinstance(target, HttpResponse):
        return target
    org = target.org
    subject = AuditSubject(ORGANIZATION, str(org.pk), ORGANIZATION_PARTS)
    return _log_page(
        request,
        PageQuery(request.GET),
        lambda: AuditFilter(subject=subject),
        template="web/workspace/history.html",
        context={"org": org},
        index=target.index,
    )


@require_safe
@officer_required
def audit(request: HttpRequest) -> HttpResponse:
    query = AuditQuery(request.GET)
    return _log_page(request, query, query.filters, template="web/workspace/audit.html", context={})
