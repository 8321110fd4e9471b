"""Purchases: the public list and detail, creating and editing them, their status, the
award (checked against the supplier's registry history on the award date) and compliance
flags."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from shuniu.accounts.services import token_authenticate
from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import division_ref, organization_ref
from shuniu.api.pagination import Paging, page_of
from shuniu.api.schemas.procurement import (
    AwardIn,
    AwardOut,
    CompliancePage,
    FlagOut,
    PurchaseDetailOut,
    PurchaseIn,
    PurchasePage,
    PurchasePatch,
    StatusIn,
)
from shuniu.api.types import CleanStr, RecordId, SearchText
from shuniu.api.versioning import etag, expected_version
from shuniu.core.actors import Actor
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.procurement.models import Award
from shuniu.procurement.permissions import is_buyer_side
from shuniu.procurement.selectors import (
    PurchaseFilter,
    compliance_list,
    purchase_detail,
    purchase_flags,
    purchase_get,
    purchase_list,
)
from shuniu.procurement.services import (
    award_create,
    purchase_create,
    purchase_status_set,
    purchase_update,
)

router = Router(tags=["purchasing"])


class PurchasesQuery(Paging):
    region: str | None = Field(None, pattern=r"^\d{6}$")
    kind: CleanStr | None = None
    status: CleanStr | None = None
    buyer: RecordId | None = None
    supplier: RecordId | None = None
    q: SearchText | None = None


@router.get("/purchases", response=PurchasePage, operation_id="list_purchases")
def list_purchases(request: HttpRequest, query: Query[PurchasesQuery]) -> dict[str, Any]:
    """Purchases (public), newest planned first; ``q`` matches the title or the ocid."""
    items, count = purchase_list(
        actor=request.user,
        filters=PurchaseFilter(
            region=query.region,
            kind=query.kind,
            status=query.status,
            buyer=query.buyer,
            supplier=query.supplier,
            q=query.q,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return page_of(items, count, query)


def _reader(request: HttpRequest) -> Actor:
    """Who reads a public page: the write caller, else a bearer token if one is sent (for
    the buyer's flags), else the session's user (anonymous when none)."""
    auth = getattr(request, "auth", None)
    if auth is not None:
        return actor(request)
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = token_authenticate(key=header[7:].strip())
        if user is not None:
            return user
    return request.user


def _detail(request: HttpRequest, response: HttpResponse, pk: int) -> Any:
    purchase = purchase_detail(actor=_reader(request), pk=pk)
    etag(response, purchase.version)
    return purchase


@router.get("/purchases/{int:purchase_id}", response=PurchaseDetailOut, operation_id="get_purchase")
def get_purchase(request: HttpRequest, response: HttpResponse, purchase_id: int) -> Any:
    """One purchase with its timeline, rules, award, bids, contract (deliverables, payments,
    posts, evaluations' grades); compliance ``flags`` for the buyer's officers only."""
    return _detail(request, response, purchase_id)


@router.post(
    "/purchases",
    response={201: PurchaseDetailOut},
    auth=WRITE_AUTH,
    operation_id="create_purchase",
)
def create_purchase(request: HttpRequest, response: HttpResponse, payload: PurchaseIn) -> Any:
    """Open a purchase (officers of the buyer's jurisdiction, administrators)."""
    purchase = purchase_create(
        actor=actor(request),
        buyer=organization_ref(payload.buyer, "buyer"),
        region=division_ref(payload.region, "region"),
        kind=payload.kind,
        title=payload.title,
        budget=payload.budget,
        method=payload.method,
        planned_on=payload.planned_on,
        title_en=payload.title_en,
        description=payload.description,
        service_fields=payload.service_fields,
        rules=None if payload.rules is None else [r.dict() for r in payload.rules],
        source=payload.source,
    )
    response["Location"] = f"/api/v1/purchases/{purchase.pk}"
    return Status(201, _detail(request, response, purchase.pk))


# A PATCH sending null: refused for what a purchase must have, clears the rest.
_REQUIRED = ("title", "budget", "method", "planned_on")
_CLEARED: dict[str, Any] = {
    "title_en": "",
    "description": "",
    "source": "",
    "service_fields": [],
    "rules": [],
}


@router.patch(
    "/purchases/{int:purchase_id}",
    response=PurchaseDetailOut,
    auth=WRITE_AUTH,
    operation_id="update_purchase",
)
def update_purchase(
    request: HttpRequest, response: HttpResponse, purchase_id: int, payload: PurchasePatch
) -> Any:
    """Change the fields sent (budget, method and rules only before the award)."""
    purchase = purchase_get(actor=actor(request), pk=purchase_id)
    sent = payload.dict(exclude_unset=True)
    sent.pop("version", None)
    missing = {
        n: [_("This value is required.")] for n in _REQUIRED if n in sent and sent[n] is None
    }
    if missing:
        raise ValidationError(missing)
    changes = {n: (_CLEARED[n] if v is None else v) for n, v in sent.items()}
    purchase_update(
        actor=actor(request),
        purchase=purchase,
        version=expected_version(request, payload.version),
        **changes,
    )
    return _detail(request, response, purchase_id)


@router.post(
    "/purchases/{int:purchase_id}/status",
    response=PurchaseDetailOut,
    auth=WRITE_AUTH,
    operation_id="set_purchase_status",
)
def set_purchase_status(
    request: HttpRequest, response: HttpResponse, purchase_id: int, payload: StatusIn
) -> Any:
    """Move the purchase to its next status on a date (the timeline never goes backwards)."""
    purchase_status_set(
        actor=actor(request),
        purchase=purchase_get(actor=actor(request), pk=purchase_id),
        status=payload.status,
        date=payload.date,
        note=payload.note,
        version=expected_version(request, payload.version),
    )
    return _detail(request, response, purchase_id)


@router.post(
    "/purchases/{int:purchase_id}/award",
    response={201: AwardOut},
    auth=WRITE_AUTH,
    operation_id="award_purchase",
)
def award_purchase(
    request: HttpRequest, response: HttpResponse, purchase_id: int, payload: AwardIn
) -> Status[Award]:
    """Award the purchase. Every eligibility rule is checked as of ``awarded_on``; a failed
    rule is a 422 whose ``errors`` carry each rule's ``code``, unless ``override_reason``
    says why the award is made anyway."""
    who = actor(request)
    award = award_create(
        actor=who,
        purchase=purchase_get(actor=who, pk=purchase_id),
        supplier=organization_ref(payload.supplier, "supplier"),
        amount=payload.amount,
        awarded_on=payload.awarded_on,
        override_reason=payload.override_reason,
        bids=[
            {
                "bidder": organization_ref(b.bidder, "bids"),
                "amount": b.amount,
                "submitted_on": b.submitted_on,
            }
            for b in payload.bids
        ],
    )
    response["Location"] = f"/api/v1/purchases/{purchase_id}"
    return Status(201, award)


@router.get(
    "/purchases/{int:purchase_id}/flags",
    response=list[FlagOut],
    auth=WRITE_AUTH,
    operation_id="get_purchase_flags",
)
def get_purchase_flags(request: HttpRequest, purchase_id: int) -> Any:
    """Compliance flags of a purchase (the buyer's officers and administrators)."""
    who = actor(request)
    purchase = purchase_get(actor=who, pk=purchase_id)
    if not is_buyer_side(who, purchase):
        raise PermissionDenied(_("Only officers and administrators see compliance flags."))
    return purchase_flags(purchase)


class ComplianceQuery(Paging):
    region: str | None = Field(None, pattern=r"^\d{6}$")


@router.get("/compliance", response=CompliancePage, auth=WRITE_AUTH, operation_id="list_compliance")
def list_compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> dict[str, Any]:
    """Flagged purchases of the buyers in the caller's jurisdiction (officers, admins)."""
    rows, count = compliance_list(
        actor=actor(request), region=query.region, offset=query.offset, limit=query.limit
    )
    items = []
    for purchase, flags in rows:
        purchase.flags = flags  # type: ignore[attr-defined]
        items.append(purchase)
    return page_of(items, count, query)
