"""URL routes of the directory area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import placeholder

urlpatterns: list[URLPattern] = [
    path("organizations/", placeholder.coming, name="directory"),
    path("organizations/<int:pk>/", placeholder.coming, name="organization"),
]
