"""The award: every eligibility rule of the purchase checked as of the award date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.core.validation import clean_text
from shuniu.procurement.attempts import attempt_record
from shuniu.procurement.eligibility import (
    EventFact,
    Failure,
    RuleSpec,
    SupplierFacts,
    eligibility_failures,
)
from shuniu.procurement.models import (
    AttemptCode,
    Award,
    Bid,
    EligibilityRule,
    Evaluation,
    EvaluationGrade,
    EvaluationStatus,
    Purchase,
    Stage,
    Status,
    StatusChange,
)
from shuniu.procurement.permissions import require_buyer_side
from shuniu.procurement.services.purchases import (
    BEFORE_AWARD,
    date_clean,
    money_clean,
    timeline_check,
)
from shuniu.registry.models import EventKind, Organization
from shuniu.registry.models import Kind as OrgKind

_FACT_EVENTS = (
    EventKind.REGISTERED,
    EventKind.DEREGISTERED,
    EventKind.REVOKED,
    EventKind.FOUNDED,
    EventKind.REGISTRATION_APPLIED,
    EventKind.ANNUAL_INSPECTION,
    EventKind.GRADED,
    EventKind.LISTED,
    EventKind.DELISTED,
)


def supplier_facts(*, supplier: Organization, buyer_id: int, on: dt.date) -> SupplierFacts:
    """What the rules read about ``supplier`` on ``on`` (three queries)."""
    events = [
        EventFact(
            kind=e.kind,
            date=e.date,
            inspection_year=e.inspection_year,
            inspection_result=e.inspection_result,
            grade=e.grade,
            credit_list=e.credit_list,
        )
        for e in supplier.events.filter(kind__in=_FACT_EVENTS, date__lte=on)
    ]
    failed = Evaluation.objects.filter(
        contract__purchase__buyer_id=buyer_id,
        contract__purchase__award__supplier=supplier,
        stage=Stage.FINAL,
        status=EvaluationStatus.COMPLETED,
        grade=EvaluationGrade.FAIL,
        completed_on__lt=on,
    ).values_list("completed_on", flat=True)
    return SupplierFacts(
        events=events,
        service_fields=frozenset(supplier.service_fields.values_list("code", flat=True)),
        failed_evaluations=[d for d in failed if d is not None],
    )


def rule_specs(rules: Sequence[EligibilityRule]) -> list[RuleSpec]:
    return [
        RuleSpec(
            code=r.code,
            grade=r.grade,
            service_field=r.service_field_id or "",
            service_field_name=r.service_field.name if r.service_field is not None else "",
        )
        for r in rules
    ]


def award_check(*, purchase: Purchase, supplier: Organization, on: dt.date) -> list[Failure]:
    """The purchase's rules that ``supplier`` fails on ``on`` (read only)."""
    rules = list(purchase.rules.select_related("service_field"))
    facts = supplier_facts(supplier=supplier, buyer_id=purchase.buyer_id, on=on)
    return eligibility_failures(rule_specs(rules), facts, on=on)


class _Ineligible(Exception):
    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("ineligible")
        self.failures = failures


def _require_not_government(organization: Organization, field: str) -> None:
    """A government unit buys; it never supplies or bids (not even another unit's purchase)."""
    if organization.kind == OrgKind.GOVERNMENT:
        raise ValidationError(
            {
                field: _("A government unit cannot supply a purchase (%(name)s is one).")
                % {"name": organization.name}
            }
        )


def _bids_clean(purchase: Purchase, bids: Sequence[Mapping[str, Any]]) -> list[Bid]:
    made: list[Bid] = []
    seen: set[int] = set()
    for item in bids:
        bidder = item.get("bidder")
        if not isinstance(bidder, Organization):
            raise ValidationError({"bids": _("Each bid names its bidder.")})
        _require_not_government(bidder, "bids")
        if bidder.pk in seen:
            raise ValidationError({"bids": _("%(name)s has two bids.") % {"name": bidder.name}})
        seen.add(bidder.pk)
        submitted = item.get("submitted_on")
        made.append(
            Bid(
                purchase=purchase,
                bidder=bidder,
                amount=money_clean(item.get("amount"), field="bids"),
                submitted_on=None if submitted is None else date_clean(submitted, field="bids"),
            )
        )
    return made


def award_create(
    *,
    actor: Actor,
    purchase: Purchase,
    supplier: Organization,
    amount: Any,
    awarded_on: dt.date,
    override_reason: str = "",
    bids: Sequence[Mapping[str, Any]] = (),
) -> Award:
    """Award a purchase in planning or tendering to ``supplier`` (→ awarded on ``awarded_on``).

    Every rule of the purchase is checked as of ``awarded_on``. A supplier failing any is
    refused with one message per failed rule (each carrying its code) and nothing is
    written, except the refusal kept for compliance (``ineligible_award``). With a written
    ``override_reason`` the award is made anyway, the failed codes are stored and the award
    is audited as ``award.override``. An amount above the budget is flagged, not refused.
    """
    require_buyer_side(actor, purchase)
    _require_not_government(supplier, "supplier")
    reason = clean_text(override_reason or "", field="override_reason", multiline=True).strip()
    try:
        with transaction.atomic():
            row = (
                Purchase.objects.select_for_update(of=("self",))
                .select_related("buyer__registrar_division")
                .get(pk=purchase.pk)
            )
            require_buyer_side(actor, row)
            if row.status not in BEFORE_AWARD:
                raise ValidationError(
                    {
                        "status": _(
                            "Only a purchase in planning or tendering can be awarded "
                            "(status: %(status)s)."
                        )
                        % {"status": Status(row.status).label}
                    }
                )
            day = date_clean(awarded_on, field="awarded_on")
            timeline_check(row, day, field="awarded_on")
            if day < row.planned_on:
                raise ValidationError(
                    {"awarded_on": _("The award cannot precede the planned date.")}
                )
            money = money_clean(amount, field="amount")
            bid_rows = _bids_clean(row, bids)
            failures = award_check(purchase=row, supplier=supplier, on=day)
            if failures and not reason:
                raise _Ineligible(failures)
            if reason and not failures:
                raise ValidationError(
                    {
                        "override_reason": _(
                            "Nothing to override: the supplier meets every rule on %(date)s."
                        )
                        % {"date": day.isoformat()}
                    }
                )
            award = Award.objects.create(
                purchase=row,
                supplier=supplier,
                amount=money,
                awarded_on=day,
                override_reason=reason,
                overridden_rules=[f.code for f in failures],
            )
            Bid.objects.bulk_create(bid_rows)
            StatusChange.objects.create(purchase=row, status=Status.AWARDED, date=day)
            row.status = Status.AWARDED
            row.version += 1
            row.save(update_fields=["status", "version", "updated_at"])
            after = snapshot(award)
            after["failed"] = [{"code": f.code, "message": f.message} for f in failures]
            after["bids"] = [{"bidder": b.bidder_id, "amount": str(b.amount)} for b in bid_rows]
            audit_write(
                actor=actor,
                action="award.override" if failures else "award.create",
                instance=award,
                before=None,
                after=after,
                division_code=row.buyer.registrar_division.code,
            )
    except _Ineligible as refused:
        attempt_record(
            actor=actor,
            purchase=purchase,
            code=AttemptCode.INELIGIBLE_AWARD,
            detail={
                "supplier": supplier.pk,
                "awarded_on": awarded_on.isoformat(),
                "failed": [f.code for f in refused.failures],
            },
        )
        raise ValidationError(
            {"supplier": [DjangoValidationError(f.message, code=f.code) for f in refused.failures]}
        ) from None
    return award
