"""URL routes of the public sector report (owned by views.report)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import report

urlpatterns: list[URLPattern] = [
    path("report/", report.report_page, name="report"),
    path("report/download/", report.report_download, name="report-download"),
]
