from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from shuniu.api.schemas.common import DivisionRef
from shuniu.stats.operating import census_after_date
from shuniu.stats.selectors import OrganizationStats


class DistrictCountOut(Schema):
    code: str
    name: str
    name_en: str
    count: int


class FormationCountOut(Schema):
    formation: str
    count: int


class OrganizationStatsOut(Schema):
    region: DivisionRef
    as_of: dt.date
    kind: str | None
    include_registering: bool
    total: int
    by_status: dict[str, int]
    districts_total: int
    districts_covered: int
    by_district: list[DistrictCountOut]
    by_formation: list[FormationCountOut]
    by_kind: dict[str, int]
    by_association_level: dict[str, int]
    under_ancestor: int = Field(
        0,
        description=(
            "Organizations counted under the nearest division above their own that was "
            "valid on as_of: their registrar division ended with no known successor (a "
            "merge the national reference table could not attribute). Included in total; "
            "in by_district only when the region groups by that division."
        ),
    )


def organization_stats_data(stats: OrganizationStats) -> dict[str, Any]:
    """What django-ninja renders for ``stats`` through ``OrganizationStatsOut`` (the same keys
    in the same order, tested against the schema's own output), built as plain dicts: every
    value comes typed from the selector's dataclass, and building the schema's models to dump
    them again (twenty-odd ``model_construct`` and a ``model_dump`` a response) cost about a
    tenth of a millisecond on every request (issue 10)."""
    region = stats.region
    return {
        "region": {"code": region.code, "name": region.name, "name_en": region.name_en},
        "as_of": stats.as_of,
        "kind": stats.kind,
        "include_registering": stats.include_registering,
        "total": stats.total,
        "by_status": stats.by_status,
        "districts_total": stats.districts_total,
        "districts_covered": stats.districts_covered,
        "by_district": [
            {"code": d.code, "name": d.name, "name_en": d.name_en, "count": d.count}
            for d in stats.by_district
        ],
        "by_formation": [{"formation": f.formation, "count": f.count} for f in stats.by_formation],
        "by_kind": stats.by_kind,
        "by_association_level": stats.by_association_level,
        "under_ancestor": stats.under_ancestor,
    }


class SeriesPointOut(Schema):
    as_of: dt.date
    total: int
    by_status: dict[str, int]
    districts_covered: int
    districts_total: int


class OrganizationSeriesOut(Schema):
    region: DivisionRef
    kind: str | None
    step: str
    points: list[SeriesPointOut]


class ShareOut(Schema):
    code: str
    label: str
    count: int = Field(..., description="How many; 0 for shares of money.")
    share: Decimal | None = Field(..., description="Of the total, 0..1; null when it is 0.")


class OperatingProfileOut(Schema):
    region: DivisionRef
    as_of: dt.date
    agencies: int = Field(..., description="Agencies registered or registering on as_of.")
    formations: list[ShareOut]
    hub_led: ShareOut
    hub_levels: list[ShareOut] = Field(..., description="Hub-led agencies by the hub's level.")
    districts: int
    districts_covered: int
    agencies_per_district: Decimal | None
    population: int | None = Field(..., description="Census resident population; null: none.")
    population_census: int | None = Field(..., description="The census read: 2010 or 2020.")
    census_after_date: bool = Field(
        ..., description="The census read was taken after as_of (2010 stands in for earlier dates)."
    )
    agencies_per_10k: Decimal | None
    certified: int
    certified_per_agency: Decimal | None
    support_yuan: Decimal
    support_per_agency: Decimal | None
    purchased: list[ShareOut] = Field(..., description="Contracted amount, posts vs services.")
    posts_amount: Decimal
    services_amount: Decimal

    @staticmethod
    def resolve_census_after_date(obj: Any) -> bool:
        return census_after_date(obj)


class OperatingModelsOut(Schema):
    as_of: dt.date
    cities: list[OperatingProfileOut]
