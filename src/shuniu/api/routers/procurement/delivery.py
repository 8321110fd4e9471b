"""Delivery of a purchase: its contract (deliverables, staged payments), payments released
once their deliverable is accepted, the supplier's service reports and the buyer's
decisions on them, and the posts of a post purchase with the people assigned to them.

Purchases and contracts are public, so a write by someone on the wrong side is a 403 that
says why; service reports are not public: someone not involved in the purchase gets 404 for
the reports of its contract and for each report, whatever the verb."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.pagination import Paging, page_of
from shuniu.api.types import ApiDate, ApiDecimal, CleanStr, CleanText, RecordId
from shuniu.api.versioning import etag, expected_version
from shuniu.procurement.models import (
    Contract,
    OutputKind,
    Payment,
    Post,
    PostAssignment,
    ServiceReport,
)
from shuniu.procurement.selectors import (
    assignment_get,
    contract_get,
    payment_get,
    post_get,
    purchase_get,
    report_get,
    report_list,
)
from shuniu.procurement.services import (
    contract_sign,
    contract_terminate,
    payment_release,
    post_add,
    post_assign,
    post_assignment_end,
    report_accept,
    report_return,
    report_submit,
)

router = Router(tags=["purchasing"])


# --- schemas ------------------------------------------------------------------------------


class DeliverableIn(Schema):
    kind: OutputKind
    description: CleanStr = Field(..., max_length=255)
    planned: ApiDecimal | None = Field(None, description="Required for quantified kinds; > 0.")
    due_on: ApiDate


class PaymentIn(Schema):
    amount: ApiDecimal = Field(..., description="Yuan, 2 decimal places.")
    deliverable: int = Field(..., ge=0, description="Position of its deliverable (from 0).")
    due_on: ApiDate | None = None


class ContractIn(Schema):
    signed_on: ApiDate
    starts_on: ApiDate
    ends_on: ApiDate
    amount: ApiDecimal = Field(..., description="Yuan; at most the awarded amount.")
    number: CleanStr = Field("", max_length=64)
    deliverables: list[DeliverableIn] = Field(..., max_length=100)
    payments: list[PaymentIn] = Field(..., max_length=100)


class DeliverableOut(Schema):
    id: int
    position: int
    kind: str
    description: str
    planned: Decimal | None
    due_on: dt.date
    accepted_on: dt.date | None
    accepted_report_id: int | None
    version: int


class PaymentOut(Schema):
    id: int
    position: int
    deliverable_id: int
    amount: Decimal
    due_on: dt.date | None
    paid_on: dt.date | None
    version: int


class PostOut(Schema):
    id: int
    contract_id: int
    title: str
    count: int
    required_level: int
    monthly_salary: Decimal
    version: int


class ContractOut(Schema):
    id: int
    purchase_id: int
    number: str
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    amount: Decimal
    terminated_on: dt.date | None
    version: int
    deliverables: list[DeliverableOut]
    payments: list[PaymentOut]


class TerminateIn(Schema):
    date: ApiDate
    reason: CleanText = Field(..., min_length=1, max_length=2000)
    version: int | None = None


class ReleaseIn(Schema):
    paid_on: ApiDate
    version: int | None = None


class LineIn(Schema):
    deliverable: RecordId = Field(..., description="Id of a deliverable of this contract.")
    actual: ApiDecimal | None = Field(None, description="Quantified kinds: 0 or more.")
    text: CleanText = Field("", max_length=5000)


class ReportIn(Schema):
    period_start: ApiDate
    period_end: ApiDate
    submitted_on: ApiDate
    lines: list[LineIn] = Field(..., max_length=100)


class LineOut(Schema):
    deliverable_id: int
    actual: Decimal | None
    text: str


class ReportOut(Schema):
    id: int
    contract_id: int
    period_start: dt.date
    period_end: dt.date
    submitted_on: dt.date
    status: str
    decided_on: dt.date | None
    comment: str
    version: int
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: ServiceReport) -> list[Any]:
        return list(obj.lines.all())


class ReportPage(Schema):
    items: list[ReportOut]
    count: int
    page: int
    page_size: int


class DecisionIn(Schema):
    decided_on: ApiDate
    comment: CleanText = Field("", max_length=5000)
    version: int | None = None


class PostIn(Schema):
    title: CleanStr = Field(..., max_length=100)
    count: int = Field(..., ge=1, le=10000)
    required_level: int = Field(..., ge=1, le=3, description="1 junior, 2 intermediate, 3 senior.")
    monthly_salary: ApiDecimal = Field(..., description="Yuan per month.")


class AssignmentIn(Schema):
    person_id: RecordId
    starts_on: ApiDate
    ends_on: ApiDate | None = Field(None, description="First day vacant again (exclusive).")


class AssignmentOut(Schema):
    id: int
    post_id: int
    person_id: int
    starts_on: dt.date
    ends_on: dt.date | None
    version: int


class EndIn(Schema):
    ends_on: ApiDate
    version: int | None = None


# --- lookups --------------------------------------------------------------------------------


def _contract_body(contract: Contract) -> dict[str, Any]:
    return {
        **{f: getattr(contract, f) for f in ContractOut.model_fields if f not in _CHILDREN},
        "deliverables": list(contract.deliverables.order_by("position", "id")),
        "payments": list(contract.payments.order_by("position", "id")),
    }


_CHILDREN = {"deliverables", "payments"}


def _decide(
    decide: Callable[..., ServiceReport],
    request: HttpRequest,
    response: HttpResponse,
    report_id: int,
    payload: DecisionIn,
) -> ServiceReport:
    """Accept or return a report: the same reading of the request, another service."""
    report = decide(
        actor=actor(request),
        report=report_get(actor=actor(request), pk=report_id),
        decided_on=payload.decided_on,
        comment=payload.comment,
        version=expected_version(request, payload.version),
    )
    etag(response, report.version)
    return report


# --- operations -----------------------------------------------------------------------------


@router.post(
    "/purchases/{int:purchase_id}/contract",
    response={201: ContractOut},
    auth=WRITE_AUTH,
    operation_id="sign_contract",
)
def sign_contract(
    request: HttpRequest, response: HttpResponse, purchase_id: int, payload: ContractIn
) -> Status[dict[str, Any]]:
    """Sign the contract of an awarded purchase: term, amount (at most the award's),
    deliverables and staged payments (each tied to a deliverable by its position; they add
    up to the amount). Errors name the field with its index, e.g. ``deliverables[1].planned``."""
    contract = contract_sign(
        actor=actor(request),
        purchase=purchase_get(actor=actor(request), pk=purchase_id),
        signed_on=payload.signed_on,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        amount=payload.amount,
        number=payload.number,
        deliverables=[d.model_dump() for d in payload.deliverables],
        payments=[p.model_dump() for p in payload.payments],
    )
    etag(response, contract.version)
    return Status(201, _contract_body(contract))


@router.post(
    "/contracts/{int:contract_id}/terminate",
    response=ContractOut,
    auth=WRITE_AUTH,
    operation_id="terminate_contract",
)
def terminate_contract(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: TerminateIn
) -> dict[str, Any]:
    """End the contract early; its purchase becomes ``terminated`` on that date."""
    contract = contract_terminate(
        actor=actor(request),
        contract=contract_get(actor=actor(request), pk=contract_id),
        date=payload.date,
        reason=payload.reason,
        version=expected_version(request, payload.version),
    )
    etag(response, contract.version)
    return _contract_body(contract)


@router.post(
    "/payments/{int:payment_id}/release",
    response=PaymentOut,
    auth=WRITE_AUTH,
    operation_id="release_payment",
)
def release_payment(
    request: HttpRequest, response: HttpResponse, payment_id: int, payload: ReleaseIn
) -> Payment:
    """Record the payment as paid. Refused (422, ``code: not_accepted``) unless its
    deliverable was accepted on or before ``paid_on``; the attempt is kept for compliance."""
    payment = payment_release(
        actor=actor(request),
        payment=payment_get(actor=actor(request), pk=payment_id),
        paid_on=payload.paid_on,
        version=expected_version(request, payload.version),
    )
    etag(response, payment.version)
    return payment


class ReportsQuery(Paging):
    pass


@router.get(
    "/contracts/{int:contract_id}/reports",
    response=ReportPage,
    auth=WRITE_AUTH,
    operation_id="list_contract_reports",
)
def list_contract_reports(
    request: HttpRequest, contract_id: int, query: Query[ReportsQuery]
) -> dict[str, Any]:
    """The contract's service reports with their lines: for the buyer's officers, the
    supplier's staff, its assigned evaluators and administrators (404 for anyone else)."""
    items, count = report_list(
        actor=actor(request),
        contract=contract_get(actor=actor(request), pk=contract_id),
        offset=query.offset,
        limit=query.limit,
    )
    return page_of(items, count, query)


@router.post(
    "/contracts/{int:contract_id}/reports",
    response={201: ReportOut},
    auth=WRITE_AUTH,
    operation_id="submit_report",
)
def submit_report(
    request: HttpRequest, response: HttpResponse, contract_id: int, payload: ReportIn
) -> Status[ServiceReport]:
    """Submit a service report (the supplier's staff only)."""
    report = report_submit(
        actor=actor(request),
        contract=contract_get(actor=actor(request), pk=contract_id),
        period_start=payload.period_start,
        period_end=payload.period_end,
        submitted_on=payload.submitted_on,
        lines=[line.model_dump() for line in payload.lines],
    )
    etag(response, report.version)
    response["Location"] = f"/api/v1/reports/{report.pk}"
    return Status(201, report)


@router.post(
    "/reports/{int:report_id}/accept",
    response=ReportOut,
    auth=WRITE_AUTH,
    operation_id="accept_report",
)
def accept_report(
    request: HttpRequest, response: HttpResponse, report_id: int, payload: DecisionIn
) -> ServiceReport:
    """Accept a submitted report: the deliverables it reports on are accepted on
    ``decided_on`` (those not accepted before)."""
    return _decide(report_accept, request, response, report_id, payload)


@router.post(
    "/reports/{int:report_id}/return",
    response=ReportOut,
    auth=WRITE_AUTH,
    operation_id="return_report",
)
def return_report(
    request: HttpRequest, response: HttpResponse, report_id: int, payload: DecisionIn
) -> ServiceReport:
    """Return a submitted report with a comment (required); the supplier resubmits."""
    return _decide(report_return, request, response, report_id, payload)


@router.post(
    "/contracts/{int:contract_id}/posts",
    response={201: PostOut},
    auth=WRITE_AUTH,
    operation_id="add_post",
)
def add_post(request: HttpRequest, contract_id: int, payload: PostIn) -> Status[Post]:
    """Fund posts on a post purchase's contract."""
    post = post_add(
        actor=actor(request),
        contract=contract_get(actor=actor(request), pk=contract_id),
        title=payload.title,
        count=payload.count,
        required_level=payload.required_level,
        monthly_salary=payload.monthly_salary,
    )
    return Status(201, post)


@router.post(
    "/posts/{int:post_id}/assignments",
    response={201: AssignmentOut},
    auth=WRITE_AUTH,
    operation_id="assign_post",
)
def assign_post(
    request: HttpRequest, post_id: int, payload: AssignmentIn
) -> Status[PostAssignment]:
    """Assign a certified person (one the caller may see) to the post from ``starts_on``."""
    assignment = post_assign(
        actor=actor(request),
        post=post_get(actor=actor(request), pk=post_id),
        person=payload.person_id,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, assignment)


@router.post(
    "/assignments/{int:assignment_id}/end",
    response=AssignmentOut,
    auth=WRITE_AUTH,
    operation_id="end_post_assignment",
)
def end_post_assignment(
    request: HttpRequest, response: HttpResponse, assignment_id: int, payload: EndIn
) -> PostAssignment:
    """End an assignment: ``ends_on`` is the first day the post is vacant again."""
    assignment = post_assignment_end(
        actor=actor(request),
        assignment=assignment_get(actor=actor(request), pk=assignment_id),
        ends_on=payload.ends_on,
        version=expected_version(request, payload.version),
    )
    etag(response, assignment.version)
    return assignment
