from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

# What json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False) builds on every call, built
# once: an encoder keeps no state between calls.
_ENCODER = NinjaJSONEncoder(ensure_ascii=False)


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese as characters, not \\u escapes: readable in a terminal and smaller."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return _ENCODER.encode(data)


def rendered(response: HttpResponse, data: Any) -> HttpResponse:
    """``data`` written into ninja's response for the operation as the API's renderer writes
    it: for a body built without the response schema's validation (whose shape is still the
    schema's, and tested to be)."""
    response.content = Utf8JSONRenderer().render(
        None,  # type: ignore[arg-type]  # the renderer does not read the request
        data,
        response_status=response.status_code,
    )
    return response
