"""Is a supplier eligible on the award date? A pure function over the registry's events.

``eligibility_failures(rules, facts, on=D)`` reads only facts dated on or before ``D`` (an
event recorded later, or dated after the award, never changes the outcome) and answers one
``Failure`` per failed rule, with the rule's stable code and a message naming the fact:

- ``not_registered``: the supplier's status on ``D`` (the last status event on or before it,
  as ``OrganizationPeriod`` replays them) is not ``registered``.
- ``inspection_failed``: the annual inspection of year ``D.year - 1`` ("last year's") is
  ``failed``, or no result of it is recorded by ``D`` (it is due from every organization
  registered before that year; one first registered in that year or later owes none yet).
- ``on_credit_list``: on ``D`` the supplier is on the abnormal-activity or the
  serious-violation list (``listed`` events not followed by a ``delisted`` of that list).
- ``grade_below_minimum``: the last ``graded`` event on or before ``D`` still valid on ``D``
  (``GRADE_VALID_YEARS``) is below the minimum, or there is none.
- ``service_field_missing``: the supplier does not have the required service field (the
  registry keeps service fields without dates: their current value is read).
- ``barred_by_evaluation``: a final evaluation graded ``fail`` of a contract of the same buyer,
  completed on ``F``, with ``F < D < F + 1 year``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from shuniu.procurement.models import Rule
from shuniu.registry.models import (
    EVENT_ORDER,
    GRADE_VALID_YEARS,
    STATUS_AFTER_EVENT,
    CreditList,
    EventKind,
    Grade,
    InspectionResult,
    Status,
)

GRADE_RANK = {grade: rank for rank, grade in enumerate(Grade.values, start=1)}
BAR_YEARS = 1


@dataclass(frozen=True)
class RuleSpec:
    code: str
    grade: str = ""
    service_field: str = ""  # a ServiceField code
    service_field_name: str = ""


@dataclass(frozen=True)
class EventFact:
    kind: str
    date: dt.date
    inspection_year: int | None = None
    inspection_result: str = ""
    grade: str = ""
    credit_list: str = ""


@dataclass(frozen=True)
class SupplierFacts:
    events: Sequence[EventFact] = ()
    service_fields: frozenset[str] = frozenset()
    # completion dates of final ``fail`` evaluations of the same buyer's contracts
    failed_evaluations: Sequence[dt.date] = ()


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict, compare=False)


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _ordered(events: Iterable[EventFact], on: dt.date) -> list[EventFact]:
    known = [e for e in events if e.date <= on]
    return sorted(known, key=lambda e: (e.date, EVENT_ORDER.get(e.kind, 99)))


def status_on(events: Sequence[EventFact], on: dt.date) -> tuple[str, dt.date | None]:
    """The registry status on ``on`` and the date it began ("" when none yet)."""
    status, since = "", None
    for event in _ordered(events, on):
        if event.kind in STATUS_AFTER_EVENT:
            new = str(STATUS_AFTER_EVENT[EventKind(event.kind)])
            if new != status:
                status, since = new, event.date
    return status, since


def _registered(facts: SupplierFacts, on: dt.date) -> Failure | None:
    status, since = status_on(facts.events, on)
    if status == Status.REGISTERED:
        return None
    if not status:
        message = _("Not registered on %(date)s: no registration recorded by then.") % {
            "date": on.isoformat()
        }
    else:
        message = _("Not registered on %(date)s: %(status)s since %(since)s.") % {
            "date": on.isoformat(),
            "status": Status(status).label,
            "since": since.isoformat() if since else "",
        }
    return Failure(Rule.REGISTERED, message)


def _inspection(facts: SupplierFacts, on: dt.date) -> Failure | None:
    year = on.year - 1
    ordered = _ordered(facts.events, on)
    results = [
        e.inspection_result
        for e in ordered
        if e.kind == EventKind.ANNUAL_INSPECTION and e.inspection_year == year
    ]
    if results:
        result = results[-1]  # a later re-inspection of the same year counts
        if result in (InspectionResult.PASSED, InspectionResult.BASICALLY_PASSED):
            return None
        return Failure(
            Rule.INSPECTION,
            _("%(year)s annual inspection: %(result)s.")
            % {"year": year, "result": InspectionResult(result).label},
        )
    first_registered = next((e.date for e in ordered if e.kind == EventKind.REGISTERED), None)
    if first_registered is not None and first_registered.year >= year:
        return None  # registered in that year or later: no inspection of it is due yet
    return Failure(
        Rule.INSPECTION,
        _("%(year)s annual inspection: no result recorded by %(date)s.")
        % {"year": year, "date": on.isoformat()},
    )


def _credit_list(facts: SupplierFacts, on: dt.date) -> Failure | None:
    listed: dict[str, dt.date] = {}
    for event in _ordered(facts.events, on):
        if event.kind == EventKind.LISTED and event.credit_list:
            listed.setdefault(event.credit_list, event.date)
        elif event.kind == EventKind.DELISTED:
            if event.credit_list:
                listed.pop(event.credit_list, None)
            else:
                listed.clear()
    if not listed:
        return None
    which = sorted(listed.items(), key=lambda item: (item[1], item[0]))
    return Failure(
        Rule.CREDIT_LIST,
        "; ".join(
            _("On the %(list)s since %(date)s.")
            % {"list": CreditList(name).label, "date": since.isoformat()}
            for name, since in which
        ),
    )


def _grade(rule: RuleSpec, facts: SupplierFacts, on: dt.date) -> Failure | None:
    graded = [e for e in _ordered(facts.events, on) if e.kind == EventKind.GRADED and e.grade]
    current = graded[-1] if graded else None
    if current is not None and years_later(current.date, GRADE_VALID_YEARS) <= on:
        expired = current
        current = None
    else:
        expired = None
    minimum = GRADE_RANK.get(rule.grade, 0)
    if current is not None and GRADE_RANK.get(current.grade, 0) >= minimum:
        return None
    if current is not None:
        message = _("Grade %(grade)s (since %(date)s) is below the minimum %(minimum)s.") % {
            "grade": current.grade,
            "date": current.date.isoformat(),
            "minimum": rule.grade,
        }
    elif expired is not None:
        message = _("Grade %(grade)s of %(date)s expired on %(expiry)s (minimum %(minimum)s).") % {
            "grade": expired.grade,
            "date": expired.date.isoformat(),
            "expiry": years_later(expired.date, GRADE_VALID_YEARS).isoformat(),
            "minimum": rule.grade,
        }
    else:
        message = _("No evaluation grade by %(date)s (minimum %(minimum)s).") % {
            "date": on.isoformat(),
            "minimum": rule.grade,
        }
    return Failure(Rule.MIN_GRADE, message)


def _service_field(rule: RuleSpec, facts: SupplierFacts) -> Failure | None:
    if rule.service_field in facts.service_fields:
        return None
    return Failure(
        Rule.SERVICE_FIELD,
        _("Does not work in the required service field %(field)s.")
        % {"field": rule.service_field_name or rule.service_field},
    )


def _barred(facts: SupplierFacts, on: dt.date) -> Failure | None:
    bars = sorted(f for f in facts.failed_evaluations if f < on < years_later(f, BAR_YEARS))
    if not bars:
        return None
    failed = bars[-1]
    return Failure(
        Rule.NOT_BARRED,
        _("Barred until %(until)s: a final evaluation for this buyer graded it fail on %(date)s.")
        % {"until": years_later(failed, BAR_YEARS).isoformat(), "date": failed.isoformat()},
    )


def eligibility_failures(
    rules: Iterable[RuleSpec], facts: SupplierFacts, *, on: dt.date
) -> list[Failure]:
    """One failure per failed rule, in the order of the rules given."""
    failures: list[Failure | None] = []
    for rule in rules:
        if rule.code == Rule.REGISTERED:
            failures.append(_registered(facts, on))
        elif rule.code == Rule.INSPECTION:
            failures.append(_inspection(facts, on))
        elif rule.code == Rule.CREDIT_LIST:
            failures.append(_credit_list(facts, on))
        elif rule.code == Rule.MIN_GRADE:
            failures.append(_grade(rule, facts, on))
        elif rule.code == Rule.SERVICE_FIELD:
            failures.append(_service_field(rule, facts))
        elif rule.code == Rule.NOT_BARRED:
            failures.append(_barred(facts, on))
    return [f for f in failures if f is not None]
