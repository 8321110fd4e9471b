"""What the delivery services (contracts, payments, reports, posts) share: reading amounts,
collecting errors per field, and writing a purchase's status with its dated timeline row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.core.models import BaseModel
from shuniu.core.validation import date_problem, decimal_parse, text_problem
from shuniu.core.versioning import check_version
from shuniu.procurement.models import Purchase, StatusChange
from shuniu.procurement.permissions import require_buyer_side

Errors = dict[str, list[str]]
Row = TypeVar("Row", bound=BaseModel)

# Amounts fit DecimalField(max_digits=14, decimal_places=2); quantities (max_digits=12).
MAX_MONEY = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("9999999999.99")
CENT = Decimal("0.01")


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_errors(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def decimal_of(
    raw: Any, *, field: str, errors: Errors, maximum: Decimal, positive: bool
) -> Decimal | None:
    """``raw`` as a Decimal of at most 2 places in range, else an error naming ``field``."""
    if raw is None or raw == "":
        add_error(errors, field, _("This value is required."))
        return None
    value = decimal_parse(raw)
    if value is None:
        add_error(errors, field, _("Enter a number."))
        return None
    in_range = (value > 0 if positive else value >= 0) and value <= maximum
    if not in_range or value != value.quantize(CENT):
        add_error(
            errors,
            field,
            (
                _("Enter an amount greater than 0 with at most 2 decimal places.")
                if positive
                else _("Enter a number of at least 0 with at most 2 decimal places.")
            ),
        )
        return None
    return value.quantize(CENT)


def date_of(value: Any, *, field: str, errors: Errors, required: bool = True) -> dt.date | None:
    if value is None:
        if required:
            add_error(errors, field, _("This value is required."))
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        add_error(errors, field, _("Enter a date as YYYY-MM-DD."))
        return None
    problem = date_problem(value)
    if problem is not None:
        add_error(errors, field, problem)
        return None
    return value


def status_move(
    *, actor: Actor, purchase: Purchase, status: str, date: dt.date, note: str = ""
) -> None:
    """Move a (locked) purchase to ``status`` on ``date``: the row, its timeline and audit."""
    before = snapshot(purchase)
    purchase.status = status
    purchase.version += 1
    purchase.save(update_fields=["status", "version", "updated_at"])
    StatusChange.objects.create(purchase=purchase, status=status, date=date, note=note[:255])
    audit_write(
        actor=actor,
        action="purchase.status",
        instance=purchase,
        before=before,
        after=snapshot(purchase),
        division_code=purchase.buyer.registrar_division.code,
    )


def locked_purchase(pk: int) -> Purchase:
    return (
        Purchase.objects.select_for_update(of=("self",))
        .select_related("buyer__registrar_division", "region", "award__supplier")
        .get(pk=pk)
    )


def locked_for_buyer(actor: Actor, pk: int) -> Purchase:
    """The purchase locked, once the actor is checked again on the buyer's side (the side
    was checked before the lock too; a role may have been withdrawn in between)."""
    locked = locked_purchase(pk)
    require_buyer_side(actor, locked)
    return locked


def locked_at(rows: QuerySet[Row], pk: int, version: int | None) -> Row:
    """The row locked for update, refused (StaleVersion) unless it is at ``version``."""
    current = rows.select_for_update().get(pk=pk)
    check_version(current, expected=version)
    return current


def text_of(raw: Any, *, field: str, errors: Errors, max_length: int, required: bool) -> str:
    value = raw if isinstance(raw, str) else ("" if raw is None else None)
    if value is None:
        add_error(errors, field, _("Enter text."))
        return ""
    value = value.strip()
    if required and not value:
        add_error(errors, field, _("This value is required."))
        return ""
    problem = text_problem(value)
    if problem is None and len(value) > max_length:
        problem = _("Write at most %(max)d characters (this has %(length)d).") % {
            "max": max_length,
            "length": len(value),
        }
    if problem is not None:
        add_error(errors, field, problem)
    return value
