"""URL routes of the directory area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import directory

urlpatterns: list[URLPattern] = [
    path("organizations/", directory.directory, name="directory"),
    path("organizations/<int:pk>/", directory.organization, name="organization"),
]
