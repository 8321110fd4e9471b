from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shuniu.api.schemas.stats import (
    OperatingModelsOut,
    OrganizationSeriesOut,
    OrganizationStatsOut,
)
from shuniu.api.schemas.workforce import WorkforceStatsOut
from shuniu.api.types import ApiDate, CleanStr
from shuniu.stats.cache import (
    organization_series_cached,
    organization_stats_cached,
    workforce_stats_cached,
)
from shuniu.stats.operating import operating_profiles

router = Router(tags=["statistics"])


class StatsQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 110000")
    as_of: ApiDate | None = Field(None, description="Defaults to today.")
    kind: CleanStr | None = None
    include_registering: bool = True


class SeriesQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$")
    kind: CleanStr | None = None
    from_: ApiDate = Field(..., alias="from")
    to: ApiDate | None = Field(None, description="Defaults to today.")
    step: CleanStr = "year"
    include_registering: bool = True


@router.get("/organizations", response=OrganizationStatsOut, operation_id="get_organization_stats")
def get_organization_stats(request: HttpRequest, query: Query[StatsQuery]) -> object:
    """Organizations that exist on ``as_of`` in a region, by status, district, formation, kind."""
    stats = organization_stats_cached(
        region_code=query.region,
        as_of=query.as_of or timezone.localdate(),
        kind=query.kind,
        include_registering=query.include_registering,
    )
    return OrganizationStatsOut.from_stats(stats)


@router.get(
    "/organizations/series",
    response=OrganizationSeriesOut,
    operation_id="get_organization_series",
)
def get_organization_series(request: HttpRequest, query: Query[SeriesQuery]) -> object:
    """One point per step end (year ends by default) from ``from`` to ``to``."""
    return organization_series_cached(
        region_code=query.region,
        start=query.from_,
        end=query.to or timezone.localdate(),
        kind=query.kind,
        step=query.step,
        include_registering=query.include_registering,
    )


class WorkforceStatsQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 110000")
    as_of: ApiDate | None = Field(None, description="Defaults to today.")


@router.get("/workforce", response=WorkforceStatsOut, operation_id="get_workforce_stats")
def get_workforce_stats(request: HttpRequest, query: Query[WorkforceStatsQuery]) -> object:
    """Certified social workers of a region on ``as_of`` (each person once, at their highest
    level), by district, employed by agencies; agency staff; the talent pipeline; retention
    after one and three years; and the published figures to compare with. Aggregates only:
    public."""
    return workforce_stats_cached(
        region_code=query.region, as_of=query.as_of or timezone.localdate()
    )


class OperatingModelsQuery(Schema):
    as_of: ApiDate | None = Field(None, description="Defaults to today.")


@router.get("/operating-models", response=OperatingModelsOut, operation_id="get_operating_models")
def get_operating_models(request: HttpRequest, query: Query[OperatingModelsQuery]) -> object:
    """The operating models of Beijing, Shanghai and Shenzhen on ``as_of``: agencies by
    formation path, led by a hub (and the hubs' levels), per district and per 10,000 residents
    (census population), certified workers, money support and posts vs services purchased.
    Aggregates only: public."""
    as_of = query.as_of or timezone.localdate()
    return {"as_of": as_of, "cities": operating_profiles(as_of=as_of)}
