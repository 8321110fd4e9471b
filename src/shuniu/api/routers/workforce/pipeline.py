"""Universities' cohorts, programmes and placements."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import division_ref, organization_ref, person_ref, programme_for
from shuniu.api.pagination import Paging
from shuniu.api.pagination import page_of as _page
from shuniu.api.schemas.workforce import (
    CohortIn,
    CohortOut,
    PlacementIn,
    PlacementOut,
    PlacementPage,
    ProgrammeIn,
    ProgrammeOut,
)
from shuniu.api.types import RecordId
from shuniu.workforce.models import Programme
from shuniu.workforce.selectors import cohort_list, placement_list, programme_list
from shuniu.workforce.services import cohort_record, placement_add, programme_create

router = Router()


class CohortQuery(Schema):
    university_id: RecordId | None = None
    year: int | None = None


@router.get("/cohorts", response=list[CohortOut], operation_id="list_cohorts")
def list_cohorts(request: HttpRequest, query: Query[CohortQuery]) -> list[Any]:
    """Social-work graduates per university, year and degree level (public aggregates)."""
    return cohort_list(university_id=query.university_id, year=query.year)


@router.post("/cohorts", response={200: CohortOut}, auth=WRITE_AUTH, operation_id="record_cohort")
def record_cohort(request: HttpRequest, payload: CohortIn) -> Any:
    """Record or correct a cohort (university, year, degree level)."""
    return cohort_record(
        actor=actor(request),
        university=organization_ref(payload.university_id, "university_id"),
        year=payload.year,
        degree_level=payload.degree_level,
        graduates=payload.graduates,
    )


class ProgrammeQuery(Schema):
    region: str | None = Field(None, pattern=r"^\d{6}$")


@router.get("/programmes", response=list[ProgrammeOut], operation_id="list_programmes")
def list_programmes(request: HttpRequest, query: Query[ProgrammeQuery]) -> list[Any]:
    region = division_ref(query.region, "region") if query.region else None
    return programme_list(region_id=region.pk if region else None)


@router.post(
    "/programmes",
    response={201: ProgrammeOut},
    auth=WRITE_AUTH,
    operation_id="create_programme",
)
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> Status[Programme]:
    programme = programme_create(
        actor=actor(request),
        name=payload.name,
        region=division_ref(payload.region, "region"),
        year=payload.year,
        organizer=(
            organization_ref(payload.organizer_id, "organizer_id") if payload.organizer_id else None
        ),
        description=payload.description,
        source=payload.source,
    )
    return Status(201, programme)


@router.get(
    "/programmes/{int:programme_id}/placements",
    response=PlacementPage,
    auth=WRITE_AUTH,
    operation_id="list_placements",
)
def list_placements(
    request: HttpRequest, programme_id: int, query: Query[Paging]
) -> dict[str, Any]:
    programme_for(programme_id)
    items, count = placement_list(
        actor=actor(request),
        programme_id=programme_id,
        offset=query.offset,
        limit=query.limit,
    )
    return _page(items, count, query)


@router.post(
    "/programmes/{int:programme_id}/placements",
    response={201: PlacementOut},
    auth=WRITE_AUTH,
    operation_id="add_placement",
)
def add_placement(request: HttpRequest, programme_id: int, payload: PlacementIn) -> Status[Any]:
    placement = placement_add(
        actor=actor(request),
        programme=programme_for(programme_id),
        person=person_ref(actor(request), payload.person_id, "person_id"),
        division=division_ref(payload.division, "division"),
        starts_on=payload.starts_on,
        community=payload.community,
        ends_on=payload.ends_on,
    )
    return Status(201, placement)
