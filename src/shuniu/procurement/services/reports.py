"""Service reports: the supplier's staff report actual outputs per period against the
contract's deliverables; the buyer's officers accept (marking the reported deliverables
accepted) or return them with a comment. A returned report is resubmitted as a new one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.validation import text_problem
from shuniu.procurement.models import (
    Contract,
    Deliverable,
    OutputKind,
    ReportLine,
    ReportStatus,
    ServiceReport,
    Status,
)
from shuniu.procurement.permissions import (
    may_see_delivery,
    require_buyer_side,
    require_supplier_side,
)
from shuniu.procurement.services._delivery_shared import (
    MAX_QUANTITY,
    Errors,
    add_error,
    date_of,
    decimal_of,
    locked_at,
    locked_for_buyer,
    locked_purchase,
    raise_errors,
    status_move,
    text_of,
)

_OPEN = (Status.CONTRACTED, Status.IN_DELIVERY)


def _lines_clean(
    raw: Sequence[Mapping[str, Any]], deliverables: dict[int, Deliverable], errors: Errors
) -> list[ReportLine]:
    if not raw:
        add_error(errors, "lines", _("A report has at least one line."))
        return []
    seen: set[int] = set()
    made: list[ReportLine] = []
    for index, item in enumerate(raw):
        where = f"lines[{index}]"
        pk = item.get("deliverable")
        deliverable = deliverables.get(pk) if isinstance(pk, int) else None
        if deliverable is None:
            add_error(
                errors,
                f"{where}.deliverable",
                _("This contract has no deliverable with id %(id)s.") % {"id": pk},
            )
            continue
        if deliverable.pk in seen:
            add_error(
                errors,
                f"{where}.deliverable",
                _("Deliverable %(id)s is reported on twice in this report.") % {"id": pk},
            )
            continue
        seen.add(deliverable.pk)
        text = item.get("text")
        text_value = "" if text is None else text
        if not isinstance(text_value, str):
            add_error(errors, f"{where}.text", _("Enter text."))
            text_value = ""
        else:
            text_value = text_value.strip()
            problem = text_problem(text_value, multiline=True)
            if problem is None and len(text_value) > 5000:
                problem = _("Write at most %(max)d characters (this has %(length)d).") % {
                    "max": 5000,
                    "length": len(text_value),
                }
            if problem is not None:
                add_error(errors, f"{where}.text", problem)
        actual: Decimal | None = None
        raw_actual = item.get("actual")
        if deliverable.kind == OutputKind.OUTCOME:
            if raw_actual not in (None, ""):
                add_error(
                    errors,
                    f"{where}.actual",
                    _("An outcome is reported in words; leave the quantity out."),
                )
            if not text_value:
                add_error(errors, f"{where}.text", _("Say what was achieved."))
        else:
            if raw_actual in (None, ""):
                add_error(errors, f"{where}.actual", _("Give the actual quantity (0 or more)."))
            else:
                actual = decimal_of(
                    raw_actual,
                    field=f"{where}.actual",
                    errors=errors,
                    maximum=MAX_QUANTITY,
                    positive=False,
                )
        made.append(ReportLine(deliverable=deliverable, actual=actual, text=text_value))
    return made


def report_submit(
    *,
    actor: Actor,
    contract: Contract,
    period_start: dt.date,
    period_end: dt.date,
    submitted_on: dt.date,
    lines: Sequence[Mapping[str, Any]],
) -> ServiceReport:
    """Submit a report for a period of the contract's term; lines are ``{deliverable (id of
    a deliverable of this contract), actual? (quantified kinds), text? (required for an
    outcome)}``. Only the supplier's staff submit; others involved are refused, anyone else
    does not see the contract's reports at all."""
    purchase = contract.purchase
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to report on a contract."))
    if not may_see_delivery(actor, purchase):
        raise NotFound(_("No service reports of contract %(id)s.") % {"id": contract.pk})
    require_supplier_side(actor, purchase)
    with transaction.atomic():
        locked = locked_purchase(purchase.pk)
        if locked.status not in _OPEN:
            raise ValidationError(
                {
                    "contract": _(
                        "Reports are submitted while a contract is in force "
                        "(the purchase is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        current = Contract.objects.get(pk=contract.pk)
        errors: Errors = {}
        start = date_of(period_start, field="period_start", errors=errors)
        end = date_of(period_end, field="period_end", errors=errors)
        submitted = date_of(submitted_on, field="submitted_on", errors=errors)
        if start is not None and end is not None:
            if end < start:
                add_error(errors, "period_end", _("The period ends on or after the day it starts."))
            elif start < current.starts_on or end > current.ends_on:
                add_error(
                    errors,
                    "period_start",
                    _("The period lies within the contract's term (%(start)s to %(end)s).")
                    % {"start": current.starts_on.isoformat(), "end": current.ends_on.isoformat()},
                )
        if submitted is not None and start is not None and submitted < start:
            add_error(
                errors,
                "submitted_on",
                _("A report is submitted on or after the start of its period."),
            )
        deliverables = {d.pk: d for d in Deliverable.objects.filter(contract=current)}
        made = _lines_clean(lines, deliverables, errors)
        raise_errors(errors)
        assert start is not None
        assert end is not None
        assert submitted is not None
        report = ServiceReport(
            contract=current, period_start=start, period_end=end, submitted_on=submitted
        )
        report.save()
        for line in made:
            line.report = report
        ReportLine.objects.bulk_create(made)
        after = snapshot(report)
        after["lines"] = [snapshot(line) for line in report.lines.all()]
        audit_write(
            actor=actor,
            action="service_report.submit",
            instance=report,
            before=None,
            after=after,
            division_code=locked.buyer.registrar_division.code,
        )
    return report


def _decide(
    *,
    actor: Actor,
    report: ServiceReport,
    decided_on: dt.date,
    comment: str,
    version: int | None,
    accept: bool,
) -> ServiceReport:
    purchase = report.contract.purchase
    if not may_see_delivery(actor, purchase):
        raise NotFound(_("No service report with id %(id)s.") % {"id": report.pk})
    require_buyer_side(actor, purchase)
    with transaction.atomic():
        locked = locked_for_buyer(actor, purchase.pk)
        current = locked_at(ServiceReport.objects.all(), report.pk, version)
        if current.status != ReportStatus.SUBMITTED:
            raise ValidationError(
                {
                    "status": _("This report was already decided (%(status)s on %(date)s).")
                    % {
                        "status": current.get_status_display(),
                        "date": current.decided_on.isoformat() if current.decided_on else "",
                    }
                }
            )
        if locked.status not in _OPEN:
            raise ValidationError(
                {
                    "status": _(
                        "Reports are decided while a contract is in force "
                        "(the purchase is %(status)s)."
                    )
                    % {"status": locked.get_status_display()}
                }
            )
        errors: Errors = {}
        when = date_of(decided_on, field="decided_on", errors=errors)
        if when is not None and when < current.submitted_on:
            add_error(
                errors,
                "decided_on",
                _("A report is decided on or after its submission (%(date)s).")
                % {"date": current.submitted_on.isoformat()},
            )
        why = text_of(comment, field="comment", errors=errors, max_length=5000, required=not accept)
        raise_errors(errors)
        assert when is not None
        before = snapshot(current)
        current.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        current.decided_on = when
        current.comment = why
        current.version += 1
        current.save()
        accepted: list[int] = []
        if accept:
            pending = Deliverable.objects.select_for_update().filter(
                lines__report=current, accepted_on__isnull=True
            )
            for deliverable in pending:
                deliverable.accepted_on = when
                deliverable.accepted_report = current
                deliverable.version += 1
                deliverable.save(
                    update_fields=["accepted_on", "accepted_report", "version", "updated_at"]
                )
                accepted.append(deliverable.pk)
        audit_write(
            actor=actor,
            action="service_report.accept" if accept else "service_report.return",
            instance=current,
            before=before,
            after={**snapshot(current), "accepted_deliverables": accepted},
            division_code=locked.buyer.registrar_division.code,
        )
        if accept and locked.status == Status.CONTRACTED:
            status_move(actor=actor, purchase=locked, status=Status.IN_DELIVERY, date=when)
    return current


def report_accept(
    *,
    actor: Actor,
    report: ServiceReport,
    decided_on: dt.date,
    comment: str = "",
    version: int | None,
) -> ServiceReport:
    """Accept a submitted report: each deliverable it reports on that is not accepted yet is
    accepted on ``decided_on`` by this report; the first acceptance moves the purchase from
    ``contracted`` to ``in_delivery``."""
    return _decide(
        actor=actor,
        report=report,
        decided_on=decided_on,
        comment=comment,
        version=version,
        accept=True,
    )


def report_return(
    *,
    actor: Actor,
    report: ServiceReport,
    decided_on: dt.date,
    comment: str,
    version: int | None,
) -> ServiceReport:
    """Return a submitted report with a comment (required); nothing is accepted by it."""
    return _decide(
        actor=actor,
        report=report,
        decided_on=decided_on,
        comment=comment,
        version=version,
        accept=False,
    )
