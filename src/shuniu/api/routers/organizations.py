from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import division_ref, organization_for, organization_ref
from shuniu.api.pagination import Paging, page_of
from shuniu.api.renderers import rendered
from shuniu.api.schemas.organizations import (
    EventIn,
    EventOut,
    OrganizationDetailOut,
    OrganizationIn,
    OrganizationPage,
    OrganizationPatch,
    organization_out,
)
from shuniu.api.types import ApiDate, CleanStr, SearchText
from shuniu.api.versioning import expected_version
from shuniu.registry.models import Organization
from shuniu.registry.selectors import (
    OrganizationFilter,
    organization_get,
    organization_list,
)
from shuniu.registry.services import (
    organization_event_add,
    organization_register,
    organization_update,
)

router = Router(tags=["organizations"])


class ListQuery(Paging):
    region: str | None = Field(None, pattern=r"^\d{6}$")
    kind: CleanStr | None = None
    status: CleanStr | None = None
    formation: CleanStr | None = None
    service_field: CleanStr | None = None
    q: SearchText | None = None
    as_of: ApiDate | None = None


@router.get("", response=OrganizationPage, operation_id="list_organizations")
def list_organizations(
    request: HttpRequest, response: HttpResponse, query: Query[ListQuery]
) -> HttpResponse:
    """Organizations, filtered; ``q`` matches any fragment of a name, English name, address or
    credit code. With ``as_of``, status and district are those of that date."""
    items, count = organization_list(
        actor=request.user,
        filters=OrganizationFilter(
            region=query.region,
            kind=query.kind,
            status=query.status,
            formation=query.formation,
            service_field=query.service_field,
            q=query.q,
            as_of=query.as_of,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return rendered(response, page_of([organization_out(org) for org in items], count, query))


class DetailQuery(Schema):
    as_of: ApiDate | None = None


def _with_etag(response: HttpResponse, org: Organization) -> HttpResponse:
    response["ETag"] = f'"{org.version}"'
    return response


@router.get("/{int:org_id}", response=OrganizationDetailOut, operation_id="get_organization")
def get_organization(
    request: HttpRequest, response: HttpResponse, org_id: int, query: Query[DetailQuery]
) -> Organization:
    org = organization_get(actor=request.user, pk=org_id, as_of=query.as_of)
    _with_etag(response, org)
    return org


# Ids are resolved in api/lookups.py, shared with the workforce router.
_division = division_ref
_organization = organization_ref


@router.post(
    "",
    response={201: OrganizationDetailOut},
    auth=WRITE_AUTH,
    operation_id="create_organization",
)
def create_organization(
    request: HttpRequest, response: HttpResponse, payload: OrganizationIn
) -> Status[Organization]:
    data = payload.dict()
    org = organization_register(
        actor=actor(request),
        registrar_division=_division(data.pop("registrar_division"), "registrar_division"),
        hub=_organization(data["hub_id"], "hub_id") if data.get("hub_id") else None,
        sponsors=[_organization(pk, "sponsor_ids") for pk in data.pop("sponsor_ids")],
        **{k: v for k, v in data.items() if k != "hub_id"},
    )
    org = organization_get(actor=actor(request), pk=org.pk)
    _with_etag(response, org)
    response["Location"] = f"/api/v1/organizations/{org.pk}"
    return Status(201, org)


@router.patch(
    "/{int:org_id}",
    response={200: OrganizationDetailOut},
    auth=WRITE_AUTH,
    operation_id="update_organization",
)
def update_organization(
    request: HttpRequest, response: HttpResponse, org_id: int, payload: OrganizationPatch
) -> Any:
    # The record first, as GET finds it: an unknown id is 404 whatever the body says.
    org = organization_for(actor(request), org_id)
    expected = expected_version(request, payload.version)
    changes = payload.dict(exclude_unset=True)
    changes.pop("version", None)
    if "registrar_division" in changes:
        changes["registrar_division"] = _division(
            changes["registrar_division"], "registrar_division"
        )
    if "hub_id" in changes:
        hub_id = changes.pop("hub_id")
        changes["hub"] = _organization(hub_id, "hub_id") if hub_id else None
    if "service_fields" in changes and changes["service_fields"] is None:
        changes["service_fields"] = []  # null clears the list, as sponsor_ids: null does
    if "sponsor_ids" in changes:
        changes["sponsors"] = [
            _organization(pk, "sponsor_ids") for pk in changes.pop("sponsor_ids") or []
        ]
    organization_update(
        actor=actor(request),
        organization=org,
        expected_version=expected,
        **changes,
    )
    org = organization_get(actor=actor(request), pk=org_id)
    _with_etag(response, org)
    return org


@router.post(
    "/{int:org_id}/events",
    response={201: EventOut},
    auth=WRITE_AUTH,
    operation_id="add_organization_event",
)
def add_organization_event(
    request: HttpRequest, response: HttpResponse, org_id: int, payload: EventIn
) -> Status[Any]:
    org = organization_for(actor(request), org_id)
    data = payload.dict()
    header = request.headers.get("If-Match", "").strip()
    expected = (
        expected_version(request, data.pop("version")) if header else data.pop("version", None)
    )
    data.pop("version", None)
    if data.get("division_after"):
        data["division_after"] = _division(data["division_after"], "division_after")
    hub_id = data.pop("hub_id", None)
    if hub_id:
        data["hub"] = _organization(hub_id, "hub_id")
    event = organization_event_add(
        actor=actor(request),
        organization=org,
        expected_version=expected,
        **{k: v for k, v in data.items() if v is not None},
    )
    org.refresh_from_db(fields=["version"])
    _with_etag(response, org)
    return Status(201, event)
