"""URL routes of the workforce area (owned by its views package)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views.workforce import people, public

urlpatterns: list[URLPattern] = [
    path("workforce/", public.workforce, name="workforce"),
    path("workforce/download/", public.workforce_download, name="workforce-download"),
    path("workforce/people/", people.people, name="workforce-people"),
    path("workforce/people/<int:pk>/", people.person, name="workforce-person"),
    path(
        "workforce/people/<int:pk>/id-number/",
        people.person_reveal,
        name="workforce-person-id-number",
    ),
]
