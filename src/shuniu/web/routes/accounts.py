"""URL routes of the accounts area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import placeholder

urlpatterns: list[URLPattern] = [
    path("accounts/login/", placeholder.coming, name="login"),
    path("accounts/logout/", placeholder.coming, name="logout"),
]
