"""The public sector report: the page of a city or district as of a date, and its downloads
(HTML, XLSX, PDF). The report is public statistics (counts, amounts, names of organizations,
never a person), so anyone may read it, as the dashboard."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.core.problem import problem
from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.report_files import (
    CONTENT_TYPES,
    FORMATS,
    report_file,
    report_filename,
)
from shuniu.interop.report_html import report_context
from shuniu.interop.report_pdf import PdfUnavailable, chromium_path
from shuniu.stats.report import SectorReport, sector_report
from shuniu.web.forms import attach_service_errors, one_of, query_errors
from shuniu.web.names import place_name
from shuniu.web.views.downloads import bad_request
from shuniu.web.views.stats import NOTABLE_DATES
from shuniu.web.views.targets import TargetsQuery


class ReportQuery(TargetsQuery):
    """A city or one of its districts and a date (as the targets page)."""


class ReportDownloadQuery(ReportQuery):
    """The page's query and the file format; the format has no default."""

    format = forms.CharField(label=gettext_lazy("File format"), required=False)
    without_default = ("format",)
    field_order = ["region", "as_of", "format"]

    def clean_format(self) -> str:
        return one_of(
            self.cleaned_data["format"],
            FORMATS,
            missing=gettext_lazy("Say which file format: one of %(names)s."),
            unknown=gettext_lazy("Unknown file format “%(value)s”: one of %(names)s."),
        )


def _report(form: ReportQuery, index: DivisionIndex) -> SectorReport | None:
    """The report the valid form asks for; ``None`` with the errors on the form."""
    if not form.is_valid():
        return None
    code = form.cleaned_data["region"]
    try:
        return sector_report(region_code=code, as_of=form.cleaned_data["as_of"], index=index)
    except NotFound:
        form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": code})
    except ValidationError as exc:
        attach_service_errors(form, exc)
    return None


@require_safe
def report_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = ReportQuery(request.GET, index=index, today=today, place_name=place_name)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    report = _report(form, index)
    if report is None:
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
        return render(request, "web/report/page.html", context, status=400)
    query = {"region": report.region.code, "as_of": report.as_of.isoformat()}
    base = reverse("web:report-download")
    context.update(report_context(report, index))
    context.update(
        {
            "downloads": [
                (fmt, f"{base}?{urlencode({**query, 'format': fmt})}") for fmt in FORMATS
            ],
            "pdf_available": chromium_path() is not None,
            "dashboard_url": reverse("web:overview") + "?" + urlencode(query),
        }
    )
    return render(request, "web/report/page.html", context)


@require_safe
def report_download(request: HttpRequest) -> HttpResponse:
    """The report as a file in the reader's language. Bad query: 400 in plain text naming
    the parameter (as the other downloads); no PDF possible here: 503 problem+json."""
    index = DivisionIndex.load()
    form = ReportDownloadQuery(
        request.GET, index=index, today=timezone.localdate(), place_name=place_name
    )
    report = _report(form, index)
    if report is None:
        return bad_request(form)
    fmt = form.cleaned_data["format"]
    try:
        data = report_file(
            report, fmt=fmt, language=translation.get_language() or "zh-hans", index=index
        )
    except PdfUnavailable as exc:
        response = problem(503, _("PDF unavailable"), str(exc))
        response["Retry-After"] = "60"
        return response
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    filename = report_filename(report.region.code, report.as_of, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
