"""What the workforce routers share: the ETag header and the optional If-Match version."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from shuniu.api.lookups import PreconditionRequired, expected_version


def etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


def optional_version(request: HttpRequest, body_version: int | None) -> int | None:
    try:
        return expected_version(request, body_version)
    except PreconditionRequired:
        return None
