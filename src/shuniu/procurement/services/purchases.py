"""Purchases: create, edit, and move along their dated status timeline."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import can_write_in
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.unset import UNSET, Unset
from shuniu.core.validation import clean_text, date_problem, decimal_parse
from shuniu.core.versioning import check_version
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.procurement.models import (
    DEFAULT_RULES,
    NEXT_STATUSES,
    Contract,
    EligibilityRule,
    Kind,
    Method,
    Purchase,
    Rule,
    Status,
    StatusChange,
)
from shuniu.procurement.permissions import require_buyer_side
from shuniu.registry.models import Grade, Organization, ServiceField
from shuniu.registry.models import Kind as OrgKind

DEFAULT_OCID_PREFIX = "ocds-shuniu"
# The statuses a purchase may still change its budget, method and rules in.
BEFORE_AWARD = (Status.PLANNING, Status.TENDERING)
# Moved by their own services (award_create, the contract's signing), not by purchase_status_set.
MOVED_BY_SERVICES = (Status.AWARDED, Status.CONTRACTED)
MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 decimal places
# A purchase's description: a few paragraphs (the longest text of the delivery step too).
MAX_DESCRIPTION = 5000


def ocid_new(planned_on: dt.date) -> str:
    """``<SHUNIU_OCID_PREFIX>-<year planned>-<12 random hex digits>``, e.g.
    ``ocds-shuniu-2010-3f9a0c1b2d4e`` (unique by construction and by the column's constraint)."""
    prefix = getattr(settings, "SHUNIU_OCID_PREFIX", "") or DEFAULT_OCID_PREFIX
    return f"{prefix}-{planned_on.year}-{secrets.token_hex(6)}"


def money_clean(value: Any, *, field: str, allow_zero: bool = True) -> Decimal:
    """A non-negative amount of yuan with at most 2 decimal places, or a ValidationError."""
    amount = decimal_parse(value)
    if amount is None:
        raise ValidationError({field: _("Enter an amount in yuan, such as 500000.00.")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("Enter an amount greater than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError(
            {field: _("Enter an amount of at most %(max)s.") % {"max": f"{MAX_AMOUNT}"}}
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amounts have at most 2 decimal places (fen).")})
    return amount.quantize(Decimal("0.01"))


def date_clean(value: Any, *, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: _("Write the date as YYYY-MM-DD, for example 2010-12-31.")})
    problem = date_problem(value)
    if problem is not None:
        raise ValidationError({field: problem})
    return value


def _choice(value: str, choices: Sequence[str], field: str) -> str:
    if value not in choices:
        raise ValidationError(
            {
                field: _("Unknown value %(value)s; one of %(choices)s.")
                % {"value": value, "choices": ", ".join(choices)}
            }
        )
    return value


def _required_text(value: str, *, field: str, max_length: int) -> str:
    text = clean_text(str(value or ""), field=field, max_length=max_length).strip()
    if not text:
        raise ValidationError({field: _("This value is required.")})
    return text


def _service_fields(codes: Iterable[str], field: str = "service_fields") -> list[ServiceField]:
    wanted = list(dict.fromkeys(str(c) for c in codes))
    found = {f.code: f for f in ServiceField.objects.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationError(
            {field: _("Unknown service field %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return [found[c] for c in wanted]


def rules_clean(rules: Sequence[Mapping[str, Any]] | None) -> list[EligibilityRule]:
    """Unsaved rule rows from ``[{code, grade?, service_field?}]`` (the defaults when None)."""
    if rules is None:
        return [EligibilityRule(code=code) for code in DEFAULT_RULES]
    made: list[EligibilityRule] = []
    seen: set[str] = set()
    for item in rules:
        code = str(item.get("code") or "")
        _choice(code, Rule.values, "rules")
        if code in seen:
            raise ValidationError(
                {"rules": _("The rule %(code)s is given twice.") % {"code": code}}
            )
        seen.add(code)
        rule = EligibilityRule(code=code)
        if code == Rule.MIN_GRADE:
            grade = str(item.get("grade") or "")
            if not grade:
                raise ValidationError(
                    {"rules": _("The rule grade_below_minimum needs a minimum grade.")}
                )
            rule.grade = _choice(grade, Grade.values, "rules")
        if code == Rule.SERVICE_FIELD:
            wanted = str(item.get("service_field") or "")
            if not wanted:
                raise ValidationError(
                    {"rules": _("The rule service_field_missing needs a service field.")}
                )
            rule.service_field = _service_fields([wanted], "rules")[0]
        made.append(rule)
    return made


def _require_buyer(actor: Actor, buyer: Organization) -> None:
    if buyer.kind != OrgKind.GOVERNMENT:
        raise ValidationError(
            {
                "buyer": _("The buyer must be a government unit (%(name)s is not).")
                % {"name": buyer.name}
            }
        )
    require_buyer_side(actor, Purchase(buyer=buyer))


def _require_region(actor: Actor, region: Division) -> None:
    if region.level != DivisionLevel.CITY and region.level not in COUNTY_LEVELS:
        raise ValidationError({"region": _("The region must be a city or a district.")})
    if not can_write_in(actor, region):
        raise PermissionDenied(
            _("%(division)s is outside your jurisdiction.") % {"division": region.name}
        )


def _purchase_state(purchase: Purchase) -> dict[str, Any]:
    data = snapshot(purchase)
    data["rules"] = [
        {"code": r.code, "grade": r.grade, "service_field": r.service_field_id}
        for r in purchase.rules.all()
    ]
    data["service_fields"] = sorted(purchase.service_fields.values_list("code", flat=True))
    return data


def _audit(actor: Actor, action: str, purchase: Purchase, before: dict[str, Any] | None) -> None:
    audit_write(
        actor=actor,
        action=action,
        instance=purchase,
        before=before,
        after=_purchase_state(purchase),
        division_code=purchase.buyer.registrar_division.code,
    )


def purchase_create(
    *,
    actor: Actor,
    buyer: Organization,
    region: Division,
    kind: str,
    title: str,
    budget: Any,
    method: str,
    planned_on: dt.date,
    title_en: str = "",
    description: str = "",
    service_fields: Sequence[str] = (),
    rules: Sequence[Mapping[str, Any]] | None = None,
    source: str = "",
    synthetic: bool = False,
) -> Purchase:
    """Open a purchase in ``planning`` (its first timeline row) with its eligibility rules.
    ``synthetic`` marks an invented purchase (the demo's)."""
    _require_buyer(actor, buyer)
    _require_region(actor, region)
    purchase = Purchase(
        buyer=buyer,
        region=region,
        kind=_choice(kind, Kind.values, "kind"),
        title=_required_text(title, field="title", max_length=200),
        title_en=clean_text(title_en or "", field="title_en", max_length=255).strip(),
        description=clean_text(
            description or "", field="description", multiline=True, max_length=MAX_DESCRIPTION
        ),
        budget=money_clean(budget, field="budget"),
        method=_choice(method, Method.values, "method"),
        planned_on=date_clean(planned_on, field="planned_on"),
        source=clean_text(source or "", field="source", max_length=255).strip(),
        status=Status.PLANNING,
        synthetic=bool(synthetic),
    )
    fields = _service_fields(service_fields)
    rule_rows = rules_clean(rules)
    purchase.ocid = ocid_new(purchase.planned_on)
    with transaction.atomic():
        purchase.save()
        purchase.service_fields.set(fields)
        for rule in rule_rows:
            rule.purchase = purchase
        EligibilityRule.objects.bulk_create(rule_rows)
        StatusChange.objects.create(
            purchase=purchase, status=Status.PLANNING, date=purchase.planned_on
        )
        _audit(actor, "purchase.create", purchase, None)
    return purchase


def _locked(purchase: Purchase) -> Purchase:
    return (
        Purchase.objects.select_for_update(of=("self",))
        .select_related("buyer__registrar_division", "region")
        .get(pk=purchase.pk)
    )


def purchase_update(
    *,
    actor: Actor,
    purchase: Purchase,
    version: int | None,
    title: str | Unset = UNSET,
    title_en: str | Unset = UNSET,
    description: str | Unset = UNSET,
    source: str | Unset = UNSET,
    service_fields: Sequence[str] | Unset = UNSET,
    planned_on: dt.date | Unset = UNSET,
    budget: Any = UNSET,
    method: str | Unset = UNSET,
    rules: Sequence[Mapping[str, Any]] | Unset = UNSET,
) -> Purchase:
    """Change the fields given. Budget, method and rules only before the award; the planned
    date only while planning (it is the date of the timeline's first row)."""
    require_buyer_side(actor, purchase)
    with transaction.atomic():
        row = _locked(purchase)
        require_buyer_side(actor, row)
        check_version(row, expected=version)
        before = _purchase_state(row)
        late = row.status not in BEFORE_AWARD
        for name, value in (("budget", budget), ("method", method), ("rules", rules)):
            if value is not UNSET and late:
                raise ValidationError(
                    {
                        name: _("Only before the award can this be changed (status: %(status)s).")
                        % {"status": Status(row.status).label}
                    }
                )
        if planned_on is not UNSET and row.status != Status.PLANNING:
            raise ValidationError(
                {"planned_on": _("The planned date can be changed only while planning.")}
            )
        if title is not UNSET:
            row.title = _required_text(title, field="title", max_length=200)
        if title_en is not UNSET:
            row.title_en = clean_text(title_en or "", field="title_en", max_length=255).strip()
        if description is not UNSET:
            row.description = clean_text(
                description or "", field="description", multiline=True, max_length=MAX_DESCRIPTION
            )
        if source is not UNSET:
            row.source = clean_text(source or "", field="source", max_length=255).strip()
        if budget is not UNSET:
            row.budget = money_clean(budget, field="budget")
        if method is not UNSET:
            row.method = _choice(method, Method.values, "method")
        fields = None if service_fields is UNSET else _service_fields(service_fields)
        rule_rows = None if rules is UNSET else rules_clean(rules)
        if planned_on is not UNSET:
            row.planned_on = date_clean(planned_on, field="planned_on")
            row.status_changes.filter(status=Status.PLANNING).update(date=row.planned_on)
        row.version += 1
        row.save()
        if fields is not None:
            row.service_fields.set(fields)
        if rule_rows is not None:
            row.rules.all().delete()
            for rule in rule_rows:
                rule.purchase = row
            EligibilityRule.objects.bulk_create(rule_rows)
        _audit(actor, "purchase.update", row, before)
    return row


def last_status_date(purchase: Purchase) -> dt.date | None:
    last = purchase.status_changes.order_by("-date", "-id").first()
    return last.date if last else None


def timeline_check(purchase: Purchase, day: dt.date, *, field: str) -> None:
    """The timeline's dates never go backwards."""
    last = last_status_date(purchase)
    if last is not None and day < last:
        raise ValidationError(
            {
                field: _("The date must not be before the last status change (%(date)s).")
                % {"date": last.isoformat()}
            }
        )


def purchase_status_set(
    *,
    actor: Actor,
    purchase: Purchase,
    status: str,
    date: dt.date,
    note: str = "",
    version: int | None,
) -> Purchase:
    """Move a purchase to the next status on ``date`` (``NEXT_STATUSES``). Awarded and
    contracted come with the award and the contract. Terminating a contracted purchase ends
    its contract on that date (``Contract.terminated_on``)."""
    require_buyer_side(actor, purchase)
    _choice(status, Status.values, "status")
    with transaction.atomic():
        row = _locked(purchase)
        require_buyer_side(actor, row)
        check_version(row, expected=version)
        if status in MOVED_BY_SERVICES:
            raise ValidationError(
                {
                    "status": _("%(status)s is set by recording the award or the contract.")
                    % {"status": Status(status).label}
                }
            )
        allowed = NEXT_STATUSES[Status(row.status)]
        if status not in allowed:
            raise ValidationError(
                {
                    "status": _(
                        "A purchase %(current)s cannot become %(status)s (next: %(allowed)s)."
                    )
                    % {
                        "current": Status(row.status).label,
                        "status": Status(status).label,
                        "allowed": ", ".join(str(Status(s).label) for s in allowed) or "-",
                    }
                }
            )
        day = date_clean(date, field="date")
        timeline_check(row, day, field="date")
        text = clean_text(note or "", field="note", max_length=255).strip()
        before = _purchase_state(row)
        StatusChange.objects.create(purchase=row, status=status, date=day, note=text)
        row.status = status
        row.version += 1
        row.save(update_fields=["status", "version", "updated_at"])
        if status == Status.TERMINATED:
            Contract.objects.filter(purchase=row, terminated_on__isnull=True).update(
                terminated_on=day
            )
        _audit(actor, "purchase.status", row, before)
    return row
