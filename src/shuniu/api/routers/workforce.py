"""People, certificates, employment, cohorts and programmes.

Everything about people is personal data: every endpoint reading it needs a login
(anonymous callers get 401; the public sees aggregates at ``/stats/workforce``), and the
selectors scope what each caller sees. ID numbers are always masked, except at
``/people/{id}/id-number``, which is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.errors import problem
from shuniu.api.lookups import (
    PreconditionRequired,
    certificate_for,
    division_ref,
    employment_for,
    expected_version,
    organization_ref,
    person_for,
    person_ref,
    programme_for,
    registration_for,
)
from shuniu.api.pagination import Paging
from shuniu.api.pagination import page_of as _page
from shuniu.api.schemas.workforce import (
    CertificateDetailOut,
    CertificatePage,
    CohortIn,
    CohortOut,
    EmploymentOut,
    EmploymentPage,
    EmploymentPatch,
    IdNumberOut,
    NewCertificateIn,
    NewEmploymentIn,
    PersonDetailOut,
    PersonIn,
    PersonPage,
    PersonPatch,
    PlacementIn,
    PlacementOut,
    PlacementPage,
    ProgrammeIn,
    ProgrammeOut,
    RegistrationIn,
    RegistrationOut,
    RegistrationPatch,
    RevokeIn,
)
from shuniu.core.validation import ApiDate, CleanStr, CleanText, RecordId, SearchText
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    Person,
    Programme,
)
from shuniu.workforce.selectors import (
    CertificateFilter,
    EmploymentFilter,
    PersonFilter,
    certificate_get,
    certificate_list,
    cohort_list,
    employment_get,
    employment_list,
    overlapping_employments,
    person_get,
    person_list,
    placement_list,
    programme_list,
    registration_status,
)
from shuniu.workforce.services import (
    CertificateSpec,
    EmploymentSpec,
    certificate_add,
    certificate_registration_add,
    certificate_registration_update,
    certificate_revoke,
    cohort_record,
    employment_end,
    employment_start,
    person_id_number,
    person_register,
    person_update,
    placement_add,
    programme_create,
)

router = Router(tags=["workforce"])


def _etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


def _precondition_required() -> HttpResponse:
    return problem(
        428,
        _("Precondition required"),
        _("Send the version you edited as an If-Match header or a 'version' field."),
    )


def _optional_version(request: HttpRequest, body_version: int | None) -> int | None:
    try:
        return expected_version(request, body_version)
    except PreconditionRequired:
        return None


def _with_overlaps(request: HttpRequest, person: Person) -> Person:
    # Only between jobs the caller may see: agency staff are not told of jobs elsewhere.
    person.overlap_ids = [  # type: ignore[attr-defined]
        (a.pk, b.pk) for a, b in overlapping_employments(person=person, actor=actor(request))
    ]
    return person


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------


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
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return _page(items, count, query)


@router.get(
    "/people/{int:person_id}",
    response=PersonDetailOut,
    auth=WRITE_AUTH,
    operation_id="get_person",
)
def get_person(request: HttpRequest, response: HttpResponse, person_id: int) -> Person:
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
) -> Status[Person]:
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
    response={200: PersonDetailOut, 428: dict},
    auth=WRITE_AUTH,
    operation_id="update_person",
)
def update_person(
    request: HttpRequest, response: HttpResponse, person_id: int, payload: PersonPatch
) -> Any:
    # The person first, through the caller's scope: out of it, 404 whatever the body.
    person = person_for(actor(request), person_id)
    try:
        expected = expected_version(request, payload.version)
    except PreconditionRequired:
        return _precondition_required()
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "university_id" in changes:
        university_id = changes.pop("university_id")
        changes["university"] = (
            organization_ref(university_id, "university_id") if university_id else None
        )
    person_update(actor=actor(request), person=person, expected_version=expected, **changes)
    found = person_get(actor=actor(request), pk=person_id)
    _etag(response, found.version)
    return _with_overlaps(request, found)


# ---------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------


class CertificatesQuery(Paging):
    person_id: RecordId | None = None
    level: CleanStr | None = None
    number: SearchText | None = Field(None, max_length=40)


@router.get(
    "/certificates",
    response=CertificatePage,
    auth=WRITE_AUTH,
    operation_id="list_certificates",
)
def list_certificates(request: HttpRequest, query: Query[CertificatesQuery]) -> dict[str, Any]:
    items, count = certificate_list(
        actor=actor(request),
        filters=CertificateFilter(
            person_id=query.person_id, level=query.level, number=query.number
        ),
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return _page(items, count, query)


class CertificateQuery(Schema):
    on: ApiDate | None = Field(None, description="Date of the registration check (today).")


def _certificate_out(request: HttpRequest, pk: int, on: dt.date | None) -> Certificate:
    cert = certificate_get(actor=actor(request), pk=pk)
    cert.registration_status = registration_status(  # type: ignore[attr-defined]
        cert, on or timezone.localdate()
    )
    return cert


@router.get(
    "/certificates/{int:certificate_id}",
    response=CertificateDetailOut,
    auth=WRITE_AUTH,
    operation_id="get_certificate",
)
def get_certificate(
    request: HttpRequest,
    response: HttpResponse,
    certificate_id: int,
    query: Query[CertificateQuery],
) -> Certificate:
    """A certificate with its registration periods and the registration check on ``on``:
    renewal due (the period ends within 90 days or has ended) and short of hours (72 h
    junior, 90 h intermediate and senior per period)."""
    cert = _certificate_out(request, certificate_id, query.on)
    _etag(response, cert.version)
    return cert


@router.post(
    "/certificates",
    response={201: CertificateDetailOut},
    auth=WRITE_AUTH,
    operation_id="create_certificate",
)
def create_certificate(
    request: HttpRequest, response: HttpResponse, payload: NewCertificateIn
) -> Status[Certificate]:
    cert = certificate_add(
        actor=actor(request),
        person=person_ref(actor(request), payload.person_id, "person_id"),
        level=payload.level,
        number=payload.number,
        exam_year=payload.exam_year,
        issued_on=payload.issued_on,
        registered_division=division_ref(payload.registered_division, "registered_division"),
    )
    found = _certificate_out(request, cert.pk, None)
    _etag(response, found.version)
    response["Location"] = f"/api/v1/workforce/certificates/{found.pk}"
    return Status(201, found)


@router.post(
    "/certificates/{int:certificate_id}/revoke",
    response=CertificateDetailOut,
    auth=WRITE_AUTH,
    operation_id="revoke_certificate",
)
def revoke_certificate(
    request: HttpRequest, response: HttpResponse, certificate_id: int, payload: RevokeIn
) -> Certificate:
    certificate_revoke(
        actor=actor(request),
        certificate=certificate_for(actor(request), certificate_id),
        revoked_on=payload.revoked_on,
        expected_version=_optional_version(request, payload.version),
    )
    found = _certificate_out(request, certificate_id, None)
    _etag(response, found.version)
    return found


@router.post(
    "/certificates/{int:certificate_id}/registrations",
    response={201: RegistrationOut},
    auth=WRITE_AUTH,
    operation_id="add_certificate_registration",
)
def add_certificate_registration(
    request: HttpRequest, certificate_id: int, payload: RegistrationIn
) -> Status[CertificateRegistration]:
    """Register the certificate for three years from ``starts_on``."""
    registration = certificate_registration_add(
        actor=actor(request),
        certificate=certificate_for(actor(request), certificate_id),
        starts_on=payload.starts_on,
        ce_hours=payload.ce_hours,
    )
    return Status(201, registration)


@router.patch(
    "/registrations/{int:registration_id}",
    response=RegistrationOut,
    auth=WRITE_AUTH,
    operation_id="update_certificate_registration",
)
def update_certificate_registration(
    request: HttpRequest, registration_id: int, payload: RegistrationPatch
) -> CertificateRegistration:
    """Record the continuing-education hours done so far in the period."""
    return certificate_registration_update(
        actor=actor(request),
        registration=registration_for(actor(request), registration_id),
        ce_hours=payload.ce_hours,
        expected_version=_optional_version(request, payload.version),
    )


# ---------------------------------------------------------------------------------------
# Employment
# ---------------------------------------------------------------------------------------


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
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
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
) -> Status[Employment]:
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
    job.warnings = _overlap_warnings(request, job)  # type: ignore[attr-defined]
    _etag(response, job.version)
    response["Location"] = f"/api/v1/workforce/employments/{job.pk}"
    return Status(201, job)


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


# ---------------------------------------------------------------------------------------
# Universities' cohorts, programmes and placements
# ---------------------------------------------------------------------------------------


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
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
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
