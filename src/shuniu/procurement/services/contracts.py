"""Signing a purchase's contract (term, amount, deliverables, staged payments), terminating
it, and releasing a payment once its deliverable is accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.procurement.attempts import attempt_record
from shuniu.procurement.models import (
    AttemptCode,
    Contract,
    Deliverable,
    OutputKind,
    Payment,
    Purchase,
    Status,
)
from shuniu.procurement.permissions import require_buyer_side
from shuniu.procurement.services._delivery_shared import (
    MAX_MONEY,
    MAX_QUANTITY,
    Errors,
    add_error,
    date_of,
    decimal_of,
    locked_at,
    locked_for_buyer,
    raise_errors,
    status_move,
    text_of,
)

# The refusal code of a payment released before its deliverable was accepted.
NOT_ACCEPTED = "not_accepted"


def _deliverables_clean(
    raw: Sequence[Mapping[str, Any]],
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    errors: Errors,
) -> list[Deliverable]:
    if not raw:
        add_error(errors, "deliverables", _("A contract has at least one deliverable."))
        return []
    kinds = {choice.value for choice in OutputKind}
    made: list[Deliverable] = []
    for index, item in enumerate(raw):
        where = f"deliverables[{index}]"
        kind = item.get("kind")
        if kind not in kinds:
            add_error(
                errors,
                f"{where}.kind",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(kinds))},
            )
        description = text_of(
            item.get("description"),
            field=f"{where}.description",
            errors=errors,
            max_length=255,
            required=True,
        )
        planned: Decimal | None = None
        if kind == OutputKind.OUTCOME:
            if item.get("planned") not in (None, ""):
                add_error(
                    errors,
                    f"{where}.planned",
                    _("An outcome is described in words; leave the planned quantity out."),
                )
        elif kind in kinds:
            if item.get("planned") in (None, ""):
                add_error(
                    errors,
                    f"{where}.planned",
                    _("Give the planned quantity of this output (greater than 0)."),
                )
            else:
                planned = decimal_of(
                    item.get("planned"),
                    field=f"{where}.planned",
                    errors=errors,
                    maximum=MAX_QUANTITY,
                    positive=True,
                )
        due_on = date_of(item.get("due_on"), field=f"{where}.due_on", errors=errors)
        if (
            due_on is not None
            and starts_on is not None
            and ends_on is not None
            and not starts_on <= due_on <= ends_on
        ):
            add_error(
                errors,
                f"{where}.due_on",
                _("The due date lies within the contract's term (%(start)s to %(end)s).")
                % {"start": starts_on.isoformat(), "end": ends_on.isoformat()},
            )
        made.append(
            Deliverable(
                position=index,
                kind=kind or "",
                description=description,
                planned=planned,
                due_on=due_on or dt.date.min,
            )
        )
    return made


def _payments_clean(
    raw: Sequence[Mapping[str, Any]],
    deliverable_count: int,
    amount: Decimal | None,
    errors: Errors,
) -> list[tuple[int, Payment]]:
    if not raw:
        add_error(errors, "payments", _("A contract has at least one staged payment."))
        return []
    made: list[tuple[int, Payment]] = []
    total = Decimal(0)
    complete = True
    for index, item in enumerate(raw):
        where = f"payments[{index}]"
        value = decimal_of(
            item.get("amount"),
            field=f"{where}.amount",
            errors=errors,
            maximum=MAX_MONEY,
            positive=True,
        )
        target = item.get("deliverable")
        if isinstance(target, bool) or not isinstance(target, int):
            add_error(
                errors,
                f"{where}.deliverable",
                _("Give the position of its deliverable in the list (from 0)."),
            )
            target = -1
        elif not 0 <= target < deliverable_count:
            add_error(
                errors,
                f"{where}.deliverable",
                _("There is no deliverable at position %(index)s (the list has %(count)s).")
                % {"index": target, "count": deliverable_count},
            )
            target = -1
        due_on = date_of(item.get("due_on"), field=f"{where}.due_on", errors=errors, required=False)
        if value is None:
            complete = False
        else:
            total += value
        made.append((target, Payment(position=index, amount=value or 0, due_on=due_on)))
    if complete and amount is not None and total != amount:
        add_error(
            errors,
            "payments",
            _(
                "The payments add up to %(total)s; "
                "they must add up to the contract amount %(amount)s."
            )
            % {"total": f"{total:.2f}", "amount": f"{amount:.2f}"},
        )
    return made


def contract_sign(
    *,
    actor: Actor,
    purchase: Purchase,
    signed_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date,
    amount: Any,
    number: str = "",
    deliverables: Sequence[Mapping[str, Any]],
    payments: Sequence[Mapping[str, Any]],
) -> Contract:
    """Sign the contract of an ``awarded`` purchase, which becomes ``contracted`` on
    ``signed_on``. Deliverables are ``{kind, description, planned?, due_on}``; payments
    ``{amount, deliverable (its position in deliverables), due_on?}`` and add up to the
    amount, which may not exceed the award's. Each error names its field (with the index)."""
    require_buyer_side(actor, purchase)
    with transaction.atomic():
        locked = locked_for_buyer(actor, purchase.pk)
        errors: Errors = {}
        award = getattr(locked, "award", None)
        if locked.status != Status.AWARDED or award is None:
            raise ValidationError(
                {
                    "status": _(
                        "Only an awarded purchase can be contracted (this one is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        signed = date_of(signed_on, field="signed_on", errors=errors)
        start = date_of(starts_on, field="starts_on", errors=errors)
        end = date_of(ends_on, field="ends_on", errors=errors)
        if signed is not None and signed < award.awarded_on:
            add_error(
                errors,
                "signed_on",
                _("A contract is signed on or after the award date (%(date)s).")
                % {"date": award.awarded_on.isoformat()},
            )
        if start is not None and end is not None and end < start:
            add_error(errors, "ends_on", _("The term ends on or after the day it starts."))
            end = None
        if start is not None and signed is not None and start < signed:
            add_error(errors, "starts_on", _("The term starts on or after the signing date."))
        value = decimal_of(amount, field="amount", errors=errors, maximum=MAX_MONEY, positive=True)
        if value is not None and value > award.amount:
            add_error(
                errors,
                "amount",
                _("The contract amount may not exceed the awarded amount (%(amount)s).")
                % {"amount": f"{award.amount:.2f}"},
            )
        number_clean = text_of(number, field="number", errors=errors, max_length=64, required=False)
        made = _deliverables_clean(deliverables, start, end, errors)
        staged = _payments_clean(payments, len(made), value, errors)
        raise_errors(errors)
        assert signed is not None
        assert start is not None
        assert end is not None
        assert value is not None
        contract = Contract(
            purchase=locked,
            number=number_clean,
            signed_on=signed,
            starts_on=start,
            ends_on=end,
            amount=value,
        )
        contract.save()
        for deliverable in made:
            deliverable.contract = contract
        Deliverable.objects.bulk_create(made)
        saved = list(Deliverable.objects.filter(contract=contract).order_by("position"))
        for target, payment in staged:
            payment.contract = contract
            payment.deliverable = saved[target]
        Payment.objects.bulk_create([payment for _target, payment in staged])
        after = snapshot(contract)
        after["deliverables"] = [snapshot(d) for d in saved]
        after["payments"] = [
            snapshot(p) for p in Payment.objects.filter(contract=contract).order_by("position")
        ]
        audit_write(
            actor=actor,
            action="contract.sign",
            instance=contract,
            before=None,
            after=after,
            division_code=locked.buyer.registrar_division.code,
        )
        status_move(actor=actor, purchase=locked, status=Status.CONTRACTED, date=signed)
    return contract


def contract_terminate(
    *, actor: Actor, contract: Contract, date: dt.date, reason: str, version: int | None
) -> Contract:
    """End a contract early on ``date``; its purchase becomes ``terminated`` (the reason is
    kept on the timeline and in the audit trail)."""
    require_buyer_side(actor, contract.purchase)
    with transaction.atomic():
        locked = locked_for_buyer(actor, contract.purchase_id)
        current = locked_at(Contract.objects.all(), contract.pk, version)
        errors: Errors = {}
        if locked.status not in (Status.CONTRACTED, Status.IN_DELIVERY):
            raise ValidationError(
                {
                    "status": _(
                        "Only a contract in force can be terminated (the purchase is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        when = date_of(date, field="date", errors=errors)
        if when is not None and not current.signed_on <= when <= current.ends_on:
            add_error(
                errors,
                "date",
                _("A contract is terminated between its signing (%(start)s) and its end (%(end)s).")
                % {"start": current.signed_on.isoformat(), "end": current.ends_on.isoformat()},
            )
        why = text_of(reason, field="reason", errors=errors, max_length=2000, required=True)
        raise_errors(errors)
        assert when is not None
        before = snapshot(current)
        current.terminated_on = when
        current.version += 1
        current.save()
        audit_write(
            actor=actor,
            action="contract.terminate",
            instance=current,
            before=before,
            after={**snapshot(current), "reason": why},
            division_code=locked.buyer.registrar_division.code,
        )
        status_move(actor=actor, purchase=locked, status=Status.TERMINATED, date=when, note=why)
    return current


def payment_release(
    *, actor: Actor, payment: Payment, paid_on: dt.date, version: int | None
) -> Payment:
    """Record a staged payment as paid on ``paid_on``. Refused (code ``not_accepted``)
    unless its deliverable was accepted on or before ``paid_on``: the refusal changes nothing
    and is kept as a ``payment_before_acceptance`` attempt for compliance."""
    purchase = payment.contract.purchase
    require_buyer_side(actor, purchase)
    refusal: dict[str, object] | None = None
    try:
        with transaction.atomic():
            locked = locked_for_buyer(actor, purchase.pk)
            current = locked_at(
                Payment.objects.select_related("deliverable", "contract"), payment.pk, version
            )
            if current.paid_on is not None:
                raise ValidationError(
                    {
                        "paid_on": _("This payment was already released on %(date)s.")
                        % {"date": current.paid_on.isoformat()}
                    }
                )
            errors: Errors = {}
            when = date_of(paid_on, field="paid_on", errors=errors)
            if when is not None and when < current.contract.signed_on:
                add_error(
                    errors,
                    "paid_on",
                    _("A payment is released on or after the contract's signing (%(date)s).")
                    % {"date": current.contract.signed_on.isoformat()},
                )
            raise_errors(errors)
            assert when is not None
            deliverable = current.deliverable
            if deliverable.accepted_on is None or deliverable.accepted_on > when:
                refusal = {
                    "payment": current.pk,
                    "deliverable": deliverable.pk,
                    "paid_on": when.isoformat(),
                    "accepted_on": (
                        deliverable.accepted_on.isoformat() if deliverable.accepted_on else None
                    ),
                }
                message = (
                    _(
                        "Payment %(position)s waits for its deliverable “%(deliverable)s” "
                        "to be accepted; it is not accepted yet."
                    )
                    if deliverable.accepted_on is None
                    else _(
                        "Payment %(position)s waits for its deliverable “%(deliverable)s”, "
                        "accepted only on %(date)s, after the payment date."
                    )
                ) % {
                    "position": current.position + 1,
                    "deliverable": deliverable.description,
                    "date": deliverable.accepted_on.isoformat() if deliverable.accepted_on else "",
                }
                raise ValidationError(
                    {"deliverable": [ValidationError(message, code=NOT_ACCEPTED)]}
                )
            before = snapshot(current)
            current.paid_on = when
            current.version += 1
            current.save()
            audit_write(
                actor=actor,
                action="payment.release",
                instance=current,
                before=before,
                after=snapshot(current),
                division_code=locked.buyer.registrar_division.code,
            )
    except ValidationError:
        if refusal is not None:
            attempt_record(
                actor=actor,
                purchase=purchase,
                code=AttemptCode.PAYMENT_BEFORE_ACCEPTANCE,
                detail=refusal,
            )
        raise
    return current
