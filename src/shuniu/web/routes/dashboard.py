"""URL routes of the dashboard area (owned by its views module). The dashboard itself is
the site's front page, routed as web:overview in shuniu.web.urls."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import downloads, stats

urlpatterns: list[URLPattern] = [
    path("dashboard/download/", downloads.dashboard_download, name="dashboard-download"),
    path("compare/", stats.compare, name="compare"),
    path("compare/download/", downloads.compare_download, name="compare-download"),
]
