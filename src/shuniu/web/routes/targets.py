"""URL routes of the public targets pages (owned by views.targets)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import targets

urlpatterns: list[URLPattern] = [
    path("targets/", targets.targets, name="targets"),
    path("targets/<int:pk>/", targets.target, name="target"),
]
