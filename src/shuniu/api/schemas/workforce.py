from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from shuniu.api.schemas.common import DivisionRef, OrganizationRef
from shuniu.api.types import ApiDate, CleanStr, CleanText
from shuniu.workforce.models import LEVEL_KEYS, Level


def _level_key(value: int) -> str:
    return LEVEL_KEYS[Level(value)]


# ---------------------------------------------------------------------------------------
# Statistics (public aggregates)
# ---------------------------------------------------------------------------------------


class DistrictCertifiedOut(Schema):
    code: str
    name: str
    name_en: str
    certified: int


class YearCountOut(Schema):
    year: int
    graduates: int


class PipelineOut(Schema):
    graduates: int
    graduates_by_year: list[YearCountOut]
    universities: int
    placed: int
    placed_certified: int
    certified: int
    employed_in_sector: int


class RetentionOut(Schema):
    years: int
    base_on: dt.date
    employed_then: int
    still_employed: int


class PublishedOut(Schema):
    metric: str
    value: int | float
    qualifier: str
    as_of: dt.date
    source: str
    note: str


class WorkforceStatsOut(Schema):
    region: DivisionRef
    as_of: dt.date
    certified_total: int = Field(
        ..., description="People with at least one valid certificate on `as_of`, each once."
    )
    by_level: dict[str, int] = Field(..., description="Each person at their highest level.")
    employed_by_agencies: int
    employed_in_sector: int
    agency_staff: int = Field(
        ..., description="People (certified or not) employed by the region's agencies."
    )
    districts_total: int
    by_district: list[DistrictCertifiedOut]
    city_registered: int = Field(
        ..., description="Certified people registered with the city itself (in the total only)."
    )
    pipeline: PipelineOut
    retention: list[RetentionOut]
    published: list[PublishedOut]


# ---------------------------------------------------------------------------------------
# People, certificates, employment (personal data: never the full ID number)
# ---------------------------------------------------------------------------------------


class CertificateBrief(Schema):
    id: int
    level: str
    number: str
    exam_year: int
    issued_on: dt.date
    revoked_on: dt.date | None
    registered_division: DivisionRef

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return _level_key(obj.level)


class EmploymentBrief(Schema):
    id: int
    organization: OrganizationRef
    role: str
    starts_on: dt.date
    ends_on: dt.date | None
    full_time: bool


class PersonOut(Schema):
    id: int
    name: str
    id_masked: str = Field(
        ...,
        description=(
            "First 6 and last 1 characters of the ID number (the full number: "
            "/people/{id}/id-number, audited)."
        ),
    )
    sex: str
    birth_year: int = Field(
        ..., description="The birth date is part of the ID number: only its year is shown."
    )
    education_level: str
    university: OrganizationRef | None
    major: str
    graduation_year: int | None
    synthetic: bool
    version: int
    certificates: list[CertificateBrief]
    employments: list[EmploymentBrief]

    @staticmethod
    def resolve_id_masked(obj: Any) -> str:
        return str(obj.id_shown)

    @staticmethod
    def resolve_birth_year(obj: Any) -> int:
        return int(obj.birth_date.year)

    @staticmethod
    def resolve_certificates(obj: Any) -> list[Any]:
        return list(obj.certificates.all())

    @staticmethod
    def resolve_employments(obj: Any) -> list[Any]:
        return list(obj.employments.all())


class PlacementBrief(Schema):
    id: int
    programme_id: int
    programme: str
    division: DivisionRef
    community: str
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.name)


class PersonDetailOut(PersonOut):
    phone: str
    source: str
    placements: list[PlacementBrief]
    overlapping_employments: list[list[int]] = Field(
        default_factory=list,
        description="Pairs of ids of full-time employments whose periods overlap (flagged).",
    )

    @staticmethod
    def resolve_placements(obj: Any) -> list[Any]:
        return list(obj.placements.all())


class PersonPage(Schema):
    items: list[PersonOut]
    count: int
    page: int
    page_size: int


class CertificateIn(Schema):
    level: CleanStr = Field(..., description="junior, intermediate or senior (or 1, 2, 3).")
    number: CleanStr = Field(..., min_length=1, max_length=40)
    exam_year: int
    issued_on: ApiDate
    registered_division: CleanStr = Field(..., description="GB/T 2260 code (city or district).")


class NewCertificateIn(CertificateIn):
    person_id: int


class EmploymentIn(Schema):
    organization_id: int
    starts_on: ApiDate
    role: CleanStr = "social_worker"
    full_time: bool = True


class NewEmploymentIn(EmploymentIn):
    person_id: int
    ends_on: ApiDate | None = None


class PersonIn(Schema):
    name: CleanStr = Field(..., min_length=1, max_length=100)
    id_number: CleanStr = Field(
        ..., description="18 characters (15-digit legacy numbers accepted)."
    )
    education_level: CleanStr = ""
    university_id: int | None = None
    major: CleanStr = ""
    graduation_year: int | None = None
    phone: CleanStr = ""
    source: CleanStr = ""
    certificate: CertificateIn | None = Field(
        None, description="Entered with the person; links them to a jurisdiction."
    )
    employment: EmploymentIn | None = Field(
        None, description="Entered with the person; links them to an employer."
    )


class PersonPatch(Schema):
    """Only the fields sent are changed. Send the version you edited as ``If-Match`` or
    ``version``."""

    # An edit naming a field that does not exist is refused, not dropped: a misspelt
    # field would otherwise change nothing and still count as a new version.
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    name: CleanStr | None = None
    id_number: CleanStr | None = None
    education_level: CleanStr | None = None
    university_id: int | None = None
    major: CleanStr | None = None
    graduation_year: int | None = None
    phone: CleanStr | None = None
    source: CleanStr | None = None


class IdNumberOut(Schema):
    id: int
    id_number: str


class RegistrationOut(Schema):
    id: int
    starts_on: dt.date
    ends_on: dt.date
    ce_hours: Decimal
    version: int


class RegistrationStatusOut(Schema):
    on: dt.date
    level: str
    registered: bool
    starts_on: dt.date | None
    ends_on: dt.date | None
    due_on: dt.date | None
    days_left: int | None
    hours_done: Decimal
    hours_required: int
    renewal_due: bool
    short_of_hours: bool
    revoked: bool


class PersonRef(Schema):
    id: int
    name: str
    id_masked: str = Field(..., description="First 6 and last 1 characters of the ID number.")

    @staticmethod
    def resolve_id_masked(obj: Any) -> str:
        return str(obj.id_shown)


class CertificateOut(CertificateBrief):
    person: PersonRef
    version: int


class CertificateDetailOut(CertificateOut):
    registrations: list[RegistrationOut]
    status: RegistrationStatusOut

    @staticmethod
    def resolve_registrations(obj: Any) -> list[Any]:
        return list(obj.registrations.all())

    @staticmethod
    def resolve_status(obj: Any, context: dict[str, Any]) -> Any:
        # The registration check on the date the caller asked for (``certificate_out``).
        return context["registration_status"]


class CertificatePage(Schema):
    items: list[CertificateOut]
    count: int
    page: int
    page_size: int


class RegistrationIn(Schema):
    starts_on: ApiDate
    ce_hours: Decimal = Decimal(0)


class RegistrationPatch(Schema):
    # An edit naming a field that does not exist is refused, not dropped: a misspelt
    # field would otherwise change nothing and still count as a new version.
    model_config = ConfigDict(extra="forbid")

    ce_hours: Decimal
    version: int | None = None


class RevokeIn(Schema):
    revoked_on: ApiDate
    version: int | None = None


class EmploymentOut(EmploymentBrief):
    person: PersonRef
    version: int
    warnings: list[str] = Field(
        default_factory=list, description="E.g. an overlapping full-time job."
    )


class EmploymentPage(Schema):
    items: list[EmploymentOut]
    count: int
    page: int
    page_size: int


class EmploymentPatch(Schema):
    # An edit naming a field that does not exist is refused, not dropped: a misspelt
    # field would otherwise change nothing and still count as a new version.
    model_config = ConfigDict(extra="forbid")

    ends_on: ApiDate
    version: int | None = None


class CohortOut(Schema):
    id: int
    university: OrganizationRef
    year: int
    degree_level: str
    graduates: int


class CohortIn(Schema):
    university_id: int
    year: int
    degree_level: CleanStr
    graduates: int = Field(..., ge=0)


class ProgrammeOut(Schema):
    id: int
    name: str
    year: int
    region: DivisionRef
    organizer: OrganizationRef | None
    description: str
    source: str


class ProgrammeIn(Schema):
    name: CleanStr = Field(..., min_length=1, max_length=200)
    region: CleanStr = Field(..., description="GB/T 2260 code.")
    year: int
    organizer_id: int | None = None
    description: CleanText = ""
    source: CleanStr = ""


class PlacementOut(PlacementBrief):
    person: PersonRef


class PlacementPage(Schema):
    items: list[PlacementOut]
    count: int
    page: int
    page_size: int


class PlacementIn(Schema):
    person_id: int
    division: CleanStr = Field(..., description="GB/T 2260 code of the district.")
    starts_on: ApiDate
    community: CleanStr = ""
    ends_on: ApiDate | None = None
