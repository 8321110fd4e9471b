"""What the workforce routers share: the ETag header (the If-Match version is read by
api/versioning.py)."""

from __future__ import annotations

from django.http import HttpResponse


def etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'
