"""URL routes of the directory area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import directory, directory_export, organization

urlpatterns: list[URLPattern] = [
    path("organizations/", directory.directory, name="directory"),
    path(
        "organizations/export.<str:fmt>",
        directory_export.directory_export,
        name="directory-export",
    ),
    path("organizations/<int:pk>/", organization.organization, name="organization"),
]
