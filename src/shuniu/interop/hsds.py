"""Human Services Data Specification 3 (HSDS 3) for the registry's organizations.

The API shape: a JSON list of organization objects, each with its identifiers, its location
(the registrar division, with the address where the registry has one) and a service per
service field it works in, nested as HSDS 3's ``/organizations/{id}?full_service=true``
answers. Public registry fields only: no contact person, no worker, no note. Ids are UUIDs
derived from the primary keys (``opendata.stable_id``), so they are the same in every
export. Written an organization at a time, read from the registry's chunked selector.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from shuniu.core.actors import Actor
from shuniu.divisions.models import Division
from shuniu.interop.opendata import SCHEME, Scope, stable_id
from shuniu.interop.streaming import json_array_stream
from shuniu.registry.models import Kind, LegalForm, Status
from shuniu.registry.selectors import OrganizationFilter, organization_chunks

CHUNK = 200
ACTIVE = {Status.PREPARING, Status.REGISTERING, Status.REGISTERED}


def organizations_in_scope(*, actor: Actor, scope: Scope, chunk: int = CHUNK) -> Iterator[Any]:
    """The organizations that exist in the region on the scope's date, ``chunk`` at a time."""
    filters = OrganizationFilter(region=scope.region.code, as_of=scope.as_of)
    return organization_chunks(actor=actor, filters=filters, index=scope.index, chunk=chunk)


def _above(scope: Scope, division: Division, level: str | None) -> Division:
    """The ancestor of ``division`` at ``level`` (itself if none), or the top one (None)."""
    chain = [division]
    while chain[-1].parent_id and chain[-1].parent_id in scope.index.by_id:
        chain.append(scope.index.by_id[chain[-1].parent_id])
    if level is None:
        return chain[-1]
    return next((d for d in chain if d.level == level), chain[-1])


def _location(org: Any, scope: Scope) -> dict[str, Any]:
    district: Division = org.district
    location_id = stable_id("location", org.pk)
    location: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "organization_id": stable_id("organization", org.pk),
        "name": district.name,
        "external_identifier": district.code,
        "external_identifier_type": "GB/T 2260",
    }
    if org.address:
        # A municipality (北京市) is its own province: the top division is the province.
        province = _above(scope, district, None)
        city = _above(scope, district, "city")
        location["addresses"] = [
            {
                "id": stable_id("address", org.pk),
                "location_id": location_id,
                "address_1": org.address,
                "city": city.name,
                "region": district.name,
                "state_province": province.name,
                "postal_code": "",
                "country": "CN",
                "address_type": "physical",
            }
        ]
    return location


def _services(org: Any) -> list[dict[str, Any]]:
    status = "active" if org.status_on in ACTIVE else "defunct"
    return [
        {
            "id": stable_id("service", f"{org.pk}:{field.code}"),
            "organization_id": stable_id("organization", org.pk),
            "name": field.name,
            "alternate_name": field.name_en,
            "description": f"{org.name} · {field.name}",
            "status": status,
        }
        for field in sorted(org.service_fields.all(), key=lambda f: (f.position, f.code))
    ]


def organization(org: Any, scope: Scope) -> dict[str, Any]:
    """One HSDS 3 organization with its identifiers, location and services."""
    org_id = stable_id("organization", org.pk)
    kind = Kind(org.kind_on).label
    made: dict[str, Any] = {
        "id": org_id,
        "name": org.name,
        "description": f"{kind} · {Status(org.status_on).label}",
    }
    if org.name_en:
        made["alternate_name"] = org.name_en
    if org.legal_form:
        made["legal_status"] = str(LegalForm(org.legal_form).label)
    founded = org.founded_on or org.registered_on
    if founded:
        made["year_incorporated"] = founded.year
    if org.uscc:
        made["tax_id"] = org.uscc
        made["organization_identifiers"] = [
            {
                "id": stable_id("identifier", org.pk),
                "organization_id": org_id,
                "identifier_scheme": SCHEME,
                "identifier_type": "统一社会信用代码",
                "identifier": org.uscc,
            }
        ]
    made["locations"] = [_location(org, scope)]
    made["services"] = _services(org)
    return made


def hsds_stream(orgs: Iterable[Any], scope: Scope) -> Iterator[str]:
    """The organizations as one HSDS 3 JSON list, an organization per piece."""
    return json_array_stream(organization(o, scope) for o in orgs)
