from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shuniu.api.renderers import Utf8JSONRenderer
from shuniu.api.schemas import stats as stats_schemas
from shuniu.api.schemas import workforce as workforce_schemas
from shuniu.api.schemas.stats import (
    OperatingModelsOut,
    OrganizationSeriesOut,
    OrganizationStatsOut,
    organization_stats_data,
)
from shuniu.api.schemas.workforce import WorkforceStatsOut
from shuniu.api.types import ApiDate, CleanStr
from shuniu.stats.cache import (
    cache_seconds,
    cached,
    organization_series_cached,
    organization_stats_cached,
    workforce_stats_cached,
)
from shuniu.stats.operating import operating_profiles

router = Router(tags=["statistics"])

_JSON = Utf8JSONRenderer()
# The cached JSON's shape is the schemas' code (the figures' is the selectors', which the
# key has already): an upgrade that changes a schema must not serve the old shape.
_SCHEMA_CODE = hashlib.blake2b(
    Path(stats_schemas.__file__).read_bytes() + Path(workforce_schemas.__file__).read_bytes(),
    digest_size=4,
).hexdigest()


def _served(
    request: HttpRequest,
    name: str,
    args: tuple[object, ...],
    schema: type[Schema],
    compute: Callable[[], object],
) -> object:
    """With the cache off, the figure for django-ninja to render. On, the JSON django-ninja
    would render for it (the same bytes: tests/api/test_stats_json_cache.py), cached as text
    under the figure's arguments: a hit skips validating and serializing the whole figure
    again, which was most of a cached response's time (issue 10)."""
    if cache_seconds() <= 0:
        return compute()
    # The figure itself from its own entry, shared with the pages and the command line.
    return _cached_json(
        request,
        name,
        args,
        lambda: schema.model_validate(
            compute(), context={"request": request, "response_status": 200}
        ).model_dump(),
    )


def _cached_json(
    request: HttpRequest, name: str, args: tuple[object, ...], data: Callable[[], object]
) -> HttpResponse:
    """``data()`` rendered as django-ninja renders a response, the text cached under the
    figure's arguments (computed afresh when the cache is off: ``stats.cache.cached``)."""

    def render() -> str:
        return str(_JSON.render(request, data(), response_status=200))

    body = cached(f"{name}.json.{_SCHEMA_CODE}", args, render)
    return HttpResponse(body, content_type=f"{_JSON.media_type}; charset={_JSON.charset}")


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
def get_organization_stats(request: HttpRequest, query: Query[StatsQuery]) -> HttpResponse:
    """Organizations that exist on ``as_of`` in a region, by status, district, formation, kind."""
    as_of = query.as_of or timezone.localdate()
    # The body django-ninja would render through the response schema, written from the
    # figure's dataclass without building the schema's models (tests/api/
    # test_stats_json_cache.py checks it against the schema's own output).
    return _cached_json(
        request,
        "organization_stats",
        (query.region, as_of, query.kind, query.include_registering),
        lambda: organization_stats_data(
            organization_stats_cached(
                region_code=query.region,
                as_of=as_of,
                kind=query.kind,
                include_registering=query.include_registering,
            )
        ),
    )


@router.get(
    "/organizations/series",
    response=OrganizationSeriesOut,
    operation_id="get_organization_series",
)
def get_organization_series(request: HttpRequest, query: Query[SeriesQuery]) -> object:
    """One point per step end (year ends by default) from ``from`` to ``to``."""
    end = query.to or timezone.localdate()
    return _served(
        request,
        "organization_series",
        (query.region, query.from_, end, query.kind, query.step, query.include_registering),
        OrganizationSeriesOut,
        lambda: organization_series_cached(
            region_code=query.region,
            start=query.from_,
            end=end,
            kind=query.kind,
            step=query.step,
            include_registering=query.include_registering,
        ),
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
    as_of = query.as_of or timezone.localdate()
    return _served(
        request,
        "workforce_stats",
        (query.region, as_of),
        WorkforceStatsOut,
        lambda: workforce_stats_cached(region_code=query.region, as_of=as_of),
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
