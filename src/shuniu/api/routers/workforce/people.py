"""People: list, read, the audited full ID number, register and correct."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import division_ref, organization_ref, person_for
from shuniu.api.pagination import Paging
from shuniu.api.pagination import page_of as _page
from shuniu.api.routers.workforce._shared import etag as _etag
from shuniu.api.schemas.workforce import (
    IdNumberOut,
    PersonDetailOut,
    PersonIn,
    PersonPage,
    PersonPatch,
)
from shuniu.api.types import CleanStr, CleanText, RecordId, SearchText
from shuniu.api.versioning import expected_version
from shuniu.workforce.models import Person
from shuniu.workforce.selectors import (
    PersonFilter,
    overlapping_employments,
    person_get,
    person_list,
)
from shuniu.workforce.services import (
    CertificateSpec,
    EmploymentSpec,
    person_id_number,
    person_register,
    person_update,
)

router = Router()


def _with_overlaps(request: HttpRequest, person: Person) -> PersonDetailOut:
    out = PersonDetailOut.from_orm(person)
    # Only between jobs the caller may see: agency staff are not told of jobs elsewhere.
    out.overlapping_employments = [
        [a.pk, b.pk] for a, b in overlapping_employments(person=person, actor=actor(request))
    ]
    return out


class PeopleQuery(Paging):
    q: SearchText | None = Field(None, description="Fragment of the name or masked ID.")
    organization_id: RecordId | None = None
    level: CleanStr | None = None
    synthetic: bool | None = None


@router.get("/people", response=PersonPage, auth=WRITE_AUTH, operation_id="list_people")
def list_people(request: HttpRequest, query: Query[PeopleQuery]) -> dict[str, Any]:
    """The people the caller may see: agency staff their own organization's, officers their
    jurisdiction's, administrators everyone's."""
    items, count = person_list(
        actor=actor(request),
        filters=PersonFilter(
            q=query.q,
            organization_id=query.organization_id,
            level=query.level,
            synthetic=query.synthetic,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return _page(items, count, query)


@router.get(
    "/people/{int:person_id}",
    response=PersonDetailOut,
    auth=WRITE_AUTH,
    operation_id="get_person",
)
def get_person(request: HttpRequest, response: HttpResponse, person_id: int) -> PersonDetailOut:
    person = person_get(actor=actor(request), pk=person_id)
    _etag(response, person.version)
    return _with_overlaps(request, person)


class IdNumberQuery(Schema):
    purpose: CleanText = Field(
        "api", max_length=200, description="Why the number is needed (audited)."
    )


@router.get(
    "/people/{int:person_id}/id-number",
    response=IdNumberOut,
    auth=WRITE_AUTH,
    operation_id="get_person_id_number",
)
def get_person_id_number(
    request: HttpRequest, person_id: int, query: Query[IdNumberQuery]
) -> dict[str, Any]:
    """The full ID number, for administrators and the officers of the person's
    jurisdiction only (403 for anyone else); every call is audited with its purpose."""
    person = person_get(actor=actor(request), pk=person_id)
    number = person_id_number(
        actor=actor(request), person=person, purpose=query.purpose, refuse=True
    )
    return {"id": person.pk, "id_number": number}


@router.post(
    "/people",
    response={201: PersonDetailOut},
    auth=WRITE_AUTH,
    operation_id="create_person",
)
def create_person(
    request: HttpRequest, response: HttpResponse, payload: PersonIn
) -> Status[PersonDetailOut]:
    """Enter a person with their ID number (stored encrypted, answered masked). Officers
    and agency staff enter a person together with a certificate or an employment that
    links them to their jurisdiction or organization."""
    cert = payload.certificate
    job = payload.employment
    person = person_register(
        actor=actor(request),
        name=payload.name,
        id_number=payload.id_number,
        education_level=payload.education_level,
        university=(
            organization_ref(payload.university_id, "university_id")
            if payload.university_id
            else None
        ),
        major=payload.major,
        graduation_year=payload.graduation_year,
        phone=payload.phone,
        source=payload.source,
        certificate=(
            CertificateSpec(
                level=cert.level,
                number=cert.number,
                exam_year=cert.exam_year,
                issued_on=cert.issued_on,
                registered_division=division_ref(
                    cert.registered_division, "certificate.registered_division"
                ),
            )
            if cert is not None
            else None
        ),
        employment=(
            EmploymentSpec(
                organization=organization_ref(job.organization_id, "employment.organization_id"),
                starts_on=job.starts_on,
                role=job.role,
                full_time=job.full_time,
            )
            if job is not None
            else None
        ),
    )
    found = person_get(actor=actor(request), pk=person.pk)
    _etag(response, found.version)
    response["Location"] = f"/api/v1/workforce/people/{found.pk}"
    return Status(201, _with_overlaps(request, found))


@router.patch(
    "/people/{int:person_id}",
    response={200: PersonDetailOut},
    auth=WRITE_AUTH,
    operation_id="update_person",
)
def update_person(
    request: HttpRequest, response: HttpResponse, person_id: int, payload: PersonPatch
) -> Any:
    # The person first, through the caller's scope: out of it, 404 whatever the body.
    person = person_for(actor(request), person_id)
    expected = expected_version(request, payload.version)
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "university_id" in changes:
        university_id = changes.pop("university_id")
        changes["university"] = (
            organization_ref(university_id, "university_id") if university_id else None
        )
    person_update(
        actor=actor(request),
        person=person,
        expected_version=expected,
        **changes,
    )
    found = person_get(actor=actor(request), pk=person_id)
    _etag(response, found.version)
    return _with_overlaps(request, found)
