"""Error pages Django shows for requests no view answered."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from shuniu.api.errors import api_not_found
from shuniu.core.validation import body_limit_message


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises it as a suspicious
    operation when the CSRF check or a view reads the form) is a 413 page saying the limit;
    anything else gets Django's 400."""
    if isinstance(exception, RequestDataTooBig):
        return render(
            request,
            "web/errors/request_too_large.html",
            {"detail": body_limit_message()},
            status=413,
        )
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: under /api/ a problem+json answer (a path no operation matches, such as
    /api/v1/organizations/abc); elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)
