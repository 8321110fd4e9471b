"""Open data of the registry: HSDS 3, 360Giving and a Frictionless data package (public,
streamed). The same documents as ``shuniu export hsds|360giving|datapackage``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shuniu.api.types import ApiDate
from shuniu.interop import datapackage, hsds, threesixty
from shuniu.interop.opendata import Scope, export_scope

router = Router(tags=["open data"])
JSON = "application/json; charset=utf-8"


class ExportQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 110000")
    as_of: ApiDate | None = Field(None, description="Date of the data; defaults to today.")


def _scope(query: ExportQuery) -> Scope:
    return export_scope(region_code=query.region, as_of=query.as_of or timezone.localdate())


def _named(response: StreamingHttpResponse, scope: Scope, name: str) -> StreamingHttpResponse:
    filename = f"shuniu-{scope.region.code}-{scope.as_of.isoformat()}-{name}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/hsds", response={200: list[dict]}, operation_id="export_hsds")  # type: ignore[type-arg]
def export_hsds(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    """HSDS 3 organizations existing in the region on ``as_of``: a list of organization
    objects with their identifiers (``CN-USCI``), location and a service per service field.
    Public registry fields only; streamed."""
    scope = _scope(query)
    orgs = hsds.organizations_in_scope(actor=AnonymousUser(), scope=scope)
    response = StreamingHttpResponse(hsds.hsds_stream(orgs, scope), content_type=JSON)
    return _named(response, scope, "hsds.json")


@router.get("/360giving", response={200: dict}, operation_id="export_360giving")
def export_360giving(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    """A 360Giving package of the money support (``funds`` with an amount) received in the
    region and started on or before ``as_of``, as grants in CNY; streamed."""
    scope = _scope(query)
    rows = threesixty.grants_in_scope(scope).iterator(chunk_size=threesixty.CHUNK)
    chunks = threesixty.grants_stream(rows, scope=scope, published=timezone.now())
    return _named(StreamingHttpResponse(chunks, content_type=JSON), scope, "360giving.json")


ZIP = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}


@router.get(
    "/datapackage",
    operation_id="export_datapackage",
    openapi_extra={"responses": {200: {"description": "OK", "content": ZIP}}},
)
def export_datapackage(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    """A Frictionless data package (zip: ``datapackage.json`` and CSV files with a UTF-8 BOM)
    of the region's organizations, events, divisions and by-district figures on ``as_of``;
    streamed."""
    scope = _scope(query)
    chunks = datapackage.zip_stream(actor=AnonymousUser(), scope=scope)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    return _named(response, scope, "datapackage.zip")
