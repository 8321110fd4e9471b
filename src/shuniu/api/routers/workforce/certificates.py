"""Certificates and their registration periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import certificate_for, division_ref, person_ref, registration_for
from shuniu.api.pagination import Paging
from shuniu.api.pagination import page_of as _page
from shuniu.api.routers.workforce._shared import etag as _etag
from shuniu.api.schemas.workforce import (
    CertificateDetailOut,
    CertificatePage,
    NewCertificateIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPatch,
    RevokeIn,
)
from shuniu.api.types import ApiDate, CleanStr, RecordId, SearchText
from shuniu.api.versioning import optional_version as _optional_version
from shuniu.workforce.models import CertificateRegistration
from shuniu.workforce.selectors import (
    CertificateFilter,
    certificate_get,
    certificate_list,
    registration_status,
)
from shuniu.workforce.services import (
    certificate_add,
    certificate_registration_add,
    certificate_registration_update,
    certificate_revoke,
)

router = Router()


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
        offset=query.offset,
        limit=query.limit,
    )
    return _page(items, count, query)


class CertificateQuery(Schema):
    on: ApiDate | None = Field(None, description="Date of the registration check (today).")


def _certificate_out(request: HttpRequest, pk: int, on: dt.date | None) -> CertificateDetailOut:
    cert = certificate_get(actor=actor(request), pk=pk)
    status = registration_status(cert, on or timezone.localdate())
    return CertificateDetailOut.from_orm(cert, context={"registration_status": status})


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
) -> CertificateDetailOut:
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
) -> Status[CertificateDetailOut]:
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
    response["Location"] = f"/api/v1/workforce/certificates/{found.id}"
    return Status(201, found)


@router.post(
    "/certificates/{int:certificate_id}/revoke",
    response=CertificateDetailOut,
    auth=WRITE_AUTH,
    operation_id="revoke_certificate",
)
def revoke_certificate(
    request: HttpRequest, response: HttpResponse, certificate_id: int, payload: RevokeIn
) -> CertificateDetailOut:
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
