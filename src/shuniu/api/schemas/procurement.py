"""Purchasing: the purchase and award shapes (shared by the purchasing routers). Money is a
decimal string of yuan with 2 places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from shuniu.api.schemas.common import DivisionRef
from shuniu.api.types import ApiDate, ApiDecimal, CleanStr, CleanText, RecordId


class PartyRef(Schema):
    id: int
    name: str


class AwardOut(Schema):
    id: int
    supplier: PartyRef
    amount: Decimal
    awarded_on: dt.date
    override_reason: str
    overridden_rules: list[str]


class BidOut(Schema):
    bidder: PartyRef
    amount: Decimal
    submitted_on: dt.date | None


class RuleOut(Schema):
    code: str
    grade: str
    service_field: str | None = Field(None, description="Code of the required service field.")

    @staticmethod
    def resolve_service_field(obj: Any) -> str | None:
        return obj.service_field_id or None


class StatusChangeOut(Schema):
    status: str
    date: dt.date
    note: str


class FlagOut(Schema):
    code: str
    message: str
    date: dt.date | None


class PurchaseOut(Schema):
    """A purchase in a list."""

    id: int
    ocid: str
    title: str
    title_en: str
    kind: str
    method: str
    status: str
    buyer: PartyRef
    region: DivisionRef
    supplier: PartyRef | None
    budget: Decimal
    awarded_on: dt.date | None
    amount: Decimal | None = Field(None, description="The awarded amount.")
    planned_on: dt.date

    @staticmethod
    def resolve_supplier(obj: Any) -> Any:
        award = _award(obj)
        return award.supplier if award is not None else None

    @staticmethod
    def resolve_awarded_on(obj: Any) -> dt.date | None:
        award = _award(obj)
        return award.awarded_on if award is not None else None

    @staticmethod
    def resolve_amount(obj: Any) -> Decimal | None:
        award = _award(obj)
        return award.amount if award is not None else None


def _award(obj: Any) -> Any:
    try:
        return obj.award
    except Exception:  # the reverse one-to-one raises when there is none
        return None


def _contract(obj: Any) -> Any:
    try:
        return obj.contract
    except Exception:
        return None


class PurchasePage(Schema):
    items: list[PurchaseOut]
    count: int
    page: int
    page_size: int


class DeliverableOut(Schema):
    id: int
    position: int
    kind: str
    description: str
    planned: Decimal | None
    due_on: dt.date
    accepted_on: dt.date | None


class PaymentOut(Schema):
    id: int
    position: int
    deliverable_id: int
    amount: Decimal
    due_on: dt.date | None
    paid_on: dt.date | None


class PostOut(Schema):
    id: int
    title: str
    count: int
    required_level: int
    monthly_salary: Decimal
    filled: int = Field(0, description="Positions with a person assigned today.")


class EvaluationOut(Schema):
    """An evaluation's public face: its grade once completed (scores are not public)."""

    id: int
    stage: str
    evaluator: PartyRef
    assigned_on: dt.date
    status: str
    completed_on: dt.date | None
    grade: str


class ContractOut(Schema):
    id: int
    number: str
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    amount: Decimal
    terminated_on: dt.date | None
    deliverables: list[DeliverableOut]
    payments: list[PaymentOut]
    posts: list[PostOut]
    evaluations: list[EvaluationOut]

    @staticmethod
    def resolve_deliverables(obj: Any) -> list[Any]:
        return list(obj.deliverables.all())

    @staticmethod
    def resolve_payments(obj: Any) -> list[Any]:
        return list(obj.payments.all())

    @staticmethod
    def resolve_posts(obj: Any) -> list[Any]:
        return list(obj.posts.all())

    @staticmethod
    def resolve_evaluations(obj: Any) -> list[Any]:
        return list(obj.evaluations.all())


class PurchaseDetailOut(PurchaseOut):
    """One purchase with its whole story. ``flags`` only for the buyer's side (else null)."""

    description: str
    source: str
    service_fields: list[str]
    rules: list[RuleOut]
    timeline: list[StatusChangeOut]
    award: AwardOut | None
    bids: list[BidOut]
    contract: ContractOut | None
    flags: list[FlagOut] | None
    version: int

    @staticmethod
    def resolve_service_fields(obj: Any) -> list[str]:
        return [f.code for f in obj.service_fields.all()]

    @staticmethod
    def resolve_rules(obj: Any) -> list[Any]:
        return list(obj.rules.all())

    @staticmethod
    def resolve_timeline(obj: Any) -> list[Any]:
        return list(obj.status_changes.all())

    @staticmethod
    def resolve_award(obj: Any) -> Any:
        return _award(obj)

    @staticmethod
    def resolve_bids(obj: Any) -> list[Any]:
        return list(obj.bids.all())

    @staticmethod
    def resolve_contract(obj: Any) -> Any:
        return _contract(obj)

    @staticmethod
    def resolve_flags(obj: Any) -> Any:
        return getattr(obj, "flags", None)


class RuleIn(Schema):
    code: CleanStr
    grade: CleanStr = ""
    service_field: CleanStr = ""


class PurchaseIn(Schema):
    buyer: RecordId = Field(..., description="Id of the buying government unit.")
    region: str = Field(..., pattern=r"^\d{6}$", description="Code of a city or district.")
    kind: CleanStr
    title: CleanStr = Field(..., min_length=1, max_length=200)
    budget: ApiDecimal = Field(..., description="Yuan, at most 2 decimal places.")
    method: CleanStr
    planned_on: ApiDate
    title_en: CleanStr = ""
    description: CleanText = ""
    service_fields: list[CleanStr] = []
    rules: list[RuleIn] | None = Field(
        None, description="Eligibility rules; the default ones when not given."
    )
    source: CleanStr = ""


class PurchasePatch(Schema):
    """Only the fields sent are changed. Send the version you edited as ``If-Match`` or
    ``version``."""

    # An edit naming a field that does not exist is refused, not dropped: a misspelt
    # field would otherwise change nothing and still count as a new version.
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    title: CleanStr | None = None
    title_en: CleanStr | None = None
    description: CleanText | None = None
    source: CleanStr | None = None
    service_fields: list[CleanStr] | None = None
    planned_on: ApiDate | None = None
    budget: ApiDecimal | None = None
    method: CleanStr | None = None
    rules: list[RuleIn] | None = None


class StatusIn(Schema):
    status: CleanStr
    date: ApiDate
    note: CleanStr = ""
    version: int | None = None


class BidIn(Schema):
    bidder: RecordId
    amount: ApiDecimal
    submitted_on: ApiDate | None = None


class AwardIn(Schema):
    supplier: RecordId = Field(..., description="Id of the supplying organization.")
    amount: ApiDecimal
    awarded_on: ApiDate
    override_reason: CleanText = ""
    bids: list[BidIn] = []


class CompliancePurchaseOut(PurchaseOut):
    flags: list[FlagOut]


class CompliancePage(Schema):
    items: list[CompliancePurchaseOut]
    count: int
    page: int
    page_size: int
