"""Temporary: pages under construction answer 404 until their views land."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def coming(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404("not built yet")
