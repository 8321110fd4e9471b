"""Employment: who works where, from when to when."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import employment_for, organization_ref, person_ref
from shuniu.api.pagination import Paging
from shuniu.api.pagination import page_of as _page
from shuniu.api.routers.workforce._shared import etag as _etag
from shuniu.api.schemas.workforce import (
    EmploymentOut,
    EmploymentPage,
    EmploymentPatch,
    NewEmploymentIn,
)
from shuniu.api.types import ApiDate, RecordId
from shuniu.api.versioning import optional_version as _optional_version
from shuniu.workforce.models import Employment
from shuniu.workforce.selectors import (
    EmploymentFilter,
    employment_get,
    employment_list,
    overlapping_employments,
)
from shuniu.workforce.services import employment_end, employment_start

router = Router()


class EmploymentsQuery(Paging):
    person_id: RecordId | None = None
    organization_id: RecordId | None = None
    active_on: ApiDate | None = None


@router.get(
    "/employments", response=EmploymentPage, auth=WRITE_AUTH, operation_id="list_employments"
)
def list_employments(request: HttpRequest, query: Query[EmploymentsQuery]) -> dict[str, Any]:
    items, count = employment_list(
        actor=actor(request),
        filters=EmploymentFilter(
            person_id=query.person_id,
            organization_id=query.organization_id,
            active_on=query.active_on,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return _page(items, count, query)


@router.get(
    "/employments/{int:employment_id}",
    response=EmploymentOut,
    auth=WRITE_AUTH,
    operation_id="get_employment",
)
def get_employment(request: HttpRequest, response: HttpResponse, employment_id: int) -> Any:
    job = employment_get(actor=actor(request), pk=employment_id)
    _etag(response, job.version)
    return job


def _overlap_warnings(request: HttpRequest, job: Employment) -> list[str]:
    warnings = []
    for first, second in overlapping_employments(person=job.person, actor=actor(request)):
        if job.pk not in (first.pk, second.pk):
            continue
        other = second if first.pk == job.pk else first
        warnings.append(
            _("Overlaps the full-time job at %(organization)s from %(start)s.")
            % {"organization": other.organization.name, "start": other.starts_on.isoformat()}
        )
    return warnings


@router.post(
    "/employments",
    response={201: EmploymentOut},
    auth=WRITE_AUTH,
    operation_id="create_employment",
)
def create_employment(
    request: HttpRequest, response: HttpResponse, payload: NewEmploymentIn
) -> Status[EmploymentOut]:
    """Record an employment. Agency staff may do so at their own organization only. An
    overlapping full-time job is accepted and reported in ``warnings``."""
    job = employment_start(
        actor=actor(request),
        person=person_ref(actor(request), payload.person_id, "person_id"),
        organization=organization_ref(payload.organization_id, "organization_id"),
        starts_on=payload.starts_on,
        role=payload.role,
        full_time=payload.full_time,
        ends_on=payload.ends_on,
    )
    out = EmploymentOut.from_orm(job)
    out.warnings = _overlap_warnings(request, job)
    _etag(response, job.version)
    response["Location"] = f"/api/v1/workforce/employments/{job.pk}"
    return Status(201, out)


@router.patch(
    "/employments/{int:employment_id}",
    response=EmploymentOut,
    auth=WRITE_AUTH,
    operation_id="end_employment",
)
def end_employment(
    request: HttpRequest, response: HttpResponse, employment_id: int, payload: EmploymentPatch
) -> Any:
    """End an employment (``ends_on`` is the first day no longer worked)."""
    job = employment_end(
        actor=actor(request),
        employment=employment_for(actor(request), employment_id),
        ends_on=payload.ends_on,
        expected_version=_optional_version(request, payload.version),
    )
    _etag(response, job.version)
    return job
