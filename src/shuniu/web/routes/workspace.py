"""URL routes of the workspace area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import placeholder

urlpatterns: list[URLPattern] = [
    path("workspace/", placeholder.coming, name="workspace"),
]
