"""Purchasing figures and open data: ``/stats/purchasing`` and the OCDS exports (public)."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from shuniu.api.auth import actor
from shuniu.api.schemas.purchasing_figs import PurchasingStatsOut
from shuniu.api.types import ApiDate
from shuniu.core.errors import ValidationError
from shuniu.interop.ocds import export_rows, release_package, release_package_stream
from shuniu.procurement.figures import purchases_in_region, purchasing_stats
from shuniu.procurement.models import Purchase
from shuniu.procurement.selectors import purchase_get

router = Router(tags=["purchasing"])


class PurchasingStatsQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 440300")
    as_of: ApiDate | None = Field(None, description="Defaults to today.")


@router.get("/stats/purchasing", response=PurchasingStatsOut, operation_id="get_purchasing_stats")
def get_purchasing_stats(request: HttpRequest, query: Query[PurchasingStatsQuery]) -> object:
    """Purchases of a region contracted on or before ``as_of`` by kind, method, district,
    buyer and year; contracted and paid amounts; posts funded, filled and vacant; final
    grades; the top suppliers with their share. Aggregates only: public."""
    return purchasing_stats(region_code=query.region, as_of=query.as_of or timezone.localdate())


@router.get("/purchases/{purchase_id}/ocds", response=dict, operation_id="get_purchase_ocds")
def get_purchase_ocds(request: HttpRequest, purchase_id: int) -> object:
    """An OCDS 1.1 release package of one purchase: a release per stage it reached (planning,
    tender, award, contract, implementation). Public fields only."""
    purchase = purchase_get(actor=actor(request), pk=purchase_id)
    rows = export_rows(Purchase.objects.filter(pk=purchase.pk))
    return release_package(rows.get(), uri=request.build_absolute_uri(), published=timezone.now())


class ReleasesQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 440300")
    from_: ApiDate | None = Field(None, alias="from", description="Releases dated on or after.")
    to: ApiDate | None = Field(None, description="Releases dated on or before.")


@router.get(
    "/ocds/releases",
    response={200: dict},
    operation_id="list_ocds_releases",
)
def list_ocds_releases(request: HttpRequest, query: Query[ReleasesQuery]) -> HttpResponseBase:
    """One OCDS 1.1 release package of every public release of the region's purchases dated
    in ``from``..``to`` (streamed)."""
    if query.from_ and query.to and query.from_ > query.to:
        raise ValidationError({"to": _("must not be before 'from'")})
    rows = purchases_in_region(
        region_code=query.region,
        on=query.to or timezone.localdate(),
        start=query.from_,
        end=query.to,
    )
    chunks = release_package_stream(
        export_rows(rows).iterator(chunk_size=500),
        uri=request.build_absolute_uri(),
        published=timezone.now(),
        start=query.from_,
        end=query.to,
    )
    return StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
