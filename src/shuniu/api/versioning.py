"""Which version of a record an edit was made on: the ``If-Match`` header or ``version``.

An edit that says neither raises ``VersionRequired`` (a domain error), which ``api/errors.py``
turns into the 428 problem in one place: no router builds a 428 itself.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from shuniu.core.errors import ValidationError, VersionRequired

__all__ = ["VersionRequired", "etag", "expected_version", "optional_version"]

# At most 19 digits, as many as a version (a 64-bit integer) has: a longer number is no
# version, and int() refuses one of more than 4300 digits with a ValueError (a 500).
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,19})"?$')


def expected_version(request: HttpRequest, body_version: int | None) -> int:
    """The version the client edited: ``If-Match`` (an ETag from GET) or ``version`` in the body.

    One of them is required: an update that does not say what it read could overwrite a change
    it never saw.
    """
    header = request.headers.get("If-Match", "").strip()
    if header:
        match = _ETAG.match(header)
        if not match:
            raise ValidationError({"If-Match": _('Expected an ETag such as "3".')})
        return int(match.group(1))
    if body_version is not None:
        return body_version
    raise VersionRequired()


def optional_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version edited when the client says one, else None (edits where it is optional)."""
    try:
        return expected_version(request, body_version)
    except VersionRequired:
        return None


def etag(response: HttpResponse, version: int) -> None:
    """Tell the client the version it read (``ETag: "3"``), to send back in ``If-Match``."""
    response["ETag"] = f'"{version}"'
