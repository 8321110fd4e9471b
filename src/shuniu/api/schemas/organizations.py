from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from shuniu.api.schemas.common import DivisionRef, OrganizationRef
from shuniu.api.types import ApiDate, CleanStr, CleanText


class OrganizationOut(Schema):
    id: int
    uscc: str | None
    name: str
    name_en: str
    kind: str
    association_level: str
    legal_form: str
    status: str = Field(..., description="Status on `as_of` (today when not given).")
    district: DivisionRef = Field(
        ..., description="The county-level division holding the registrar's territory on `as_of`."
    )
    registrar_division: DivisionRef
    founded_on: dt.date | None
    registered_on: dt.date | None
    formation: str
    hub: OrganizationRef | None
    service_fields: list[str]
    address: str
    synthetic: bool
    version: int

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return getattr(obj, "status_on", None) or obj.status or ""

    @staticmethod
    def resolve_service_fields(obj: Any) -> list[str]:
        return [f.code for f in obj.service_fields.all()]


class EventOut(Schema):
    id: int
    kind: str
    date: dt.date
    date_precision: str
    division_before: DivisionRef | None
    division_after: DivisionRef | None
    kind_before: str
    kind_after: str
    name_before: str
    name_after: str
    hub: OrganizationRef | None
    inspection_year: int | None
    inspection_result: str
    grade: str
    grade_score: int | None
    credit_list: str
    source: str
    note: str


class OrganizationDetailOut(OrganizationOut):
    uscc_override: bool
    events: list[EventOut]
    sponsors: list[OrganizationRef]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())

    @staticmethod
    def resolve_sponsors(obj: Any) -> list[Any]:
        return list(obj.sponsors.all())


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    count: int
    page: int
    page_size: int


def organization_out(org: Any) -> dict[str, Any]:
    """What :class:`OrganizationOut` makes of ``org`` (the list's items), built directly: the
    directory's search answers many requests, and validating each item through the schema
    was a third of the request's time. Tested to equal the schema's output."""
    hub = org.hub
    return {
        "id": org.id,
        "uscc": org.uscc,
        "name": org.name,
        "name_en": org.name_en,
        "kind": org.kind,
        "association_level": org.association_level,
        "legal_form": org.legal_form,
        "status": OrganizationOut.resolve_status(org),
        "district": _division_ref(org.district),
        "registrar_division": _division_ref(org.registrar_division),
        "founded_on": org.founded_on,
        "registered_on": org.registered_on,
        "formation": org.formation,
        "hub": None if hub is None else {"id": hub.id, "name": hub.name, "uscc": hub.uscc},
        "service_fields": OrganizationOut.resolve_service_fields(org),
        "address": org.address,
        "synthetic": org.synthetic,
        "version": org.version,
    }


def _division_ref(division: Any) -> dict[str, str]:
    return {"code": division.code, "name": division.name, "name_en": division.name_en}


class OrganizationIn(Schema):
    name: CleanStr = Field(..., min_length=1, max_length=200)
    kind: CleanStr
    registrar_division: CleanStr = Field(
        ..., description="GB/T 2260 code of the registrar's division."
    )
    uscc: CleanStr | None = None
    uscc_override_reason: CleanStr = ""
    name_en: CleanStr = ""
    association_level: CleanStr = ""
    legal_form: CleanStr = ""
    address: CleanStr = ""
    service_fields: list[CleanStr] = []
    formation: CleanStr = ""
    hub_id: int | None = None
    sponsor_ids: list[int] = []
    founded_on: ApiDate | None = None
    registration_applied_on: ApiDate | None = None
    registered_on: ApiDate | None = None
    source: CleanText = ""


class OrganizationPatch(Schema):
    """Only the fields sent are changed. Send the version you edited as ``If-Match`` or
    ``version``."""

    # An edit naming a field that does not exist is refused, not dropped: a misspelt
    # field would otherwise change nothing and still count as a new version.
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    name: CleanStr | None = None
    kind: CleanStr | None = None
    registrar_division: CleanStr | None = None
    uscc: CleanStr | None = None
    uscc_override_reason: CleanStr | None = None
    name_en: CleanStr | None = None
    association_level: CleanStr | None = None
    legal_form: CleanStr | None = None
    address: CleanStr | None = None
    service_fields: list[CleanStr] | None = None
    formation: CleanStr | None = None
    hub_id: int | None = None
    sponsor_ids: list[int] | None = None
    source: CleanText | None = None


class EventIn(Schema):
    kind: CleanStr
    date: ApiDate
    source: CleanStr = Field(..., min_length=1, max_length=255)
    date_precision: CleanStr = "day"
    note: CleanText = ""
    division_after: CleanStr | None = Field(
        None, description="Code of the new registrar division (moved)."
    )
    kind_after: CleanStr | None = None
    name_after: CleanStr | None = None
    hub_id: int | None = None
    inspection_year: int | None = None
    inspection_result: CleanStr | None = None
    grade: CleanStr | None = None
    grade_score: int | None = None
    credit_list: CleanStr | None = None
    version: int | None = None
