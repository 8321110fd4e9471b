"""The API's operations as its OpenAPI document names them, and which one a request calls:
the permission guards (tests/api/test_permissions.py) check every matrix against them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from config.api import api


def api_operations() -> dict[str, tuple[str, str]]:
    """``{operationId: (method, path template)}`` of every operation of the API object."""
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def operation_of(method: str, url: str) -> str | None:
    """The operationId that ``method url`` calls, or None when no operation matches."""
    path = urlsplit(url).path
    for name, (op_method, template) in api_operations().items():
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        if op_method == method.lower() and re.fullmatch(pattern, path):
            return name
    return None
