from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from shuniu.api.schemas.common import DivisionRef


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
