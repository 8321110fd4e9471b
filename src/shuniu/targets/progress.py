"""Progress of targets as of a date, from the same statistics functions the pages use.

The actual value of a target on a date D is read from ``stats.selectors`` (organizations,
districts covered, certified workers, programme placements) or ``procurement.figures``
(posts funded, contracted amount, share of final evaluations graded good or better) for the
target's region on D. A target whose scope lists districts counts only those districts: each
named district (possibly abolished since, like 崇文 or 宣武) resolves to the division holding
its territory on D (``DivisionIndex.holder``), and the statistic's per-district figures of
those holders are added up, as the registry statistics group an old registrar division.

State on D (pace: a straight line from the actual on the plan's start — the document's
``issued_on``, else the target's creation date — to ``value`` on ``due_on``):

Organizations count once registered (not while registering): a plan "cultivates" an agency
when it is registered.

- ``met``: the actual reached the value on or before the due date (and D);
- ``missed``: D is after the due date and the value was not reached by then;
- ``on_track``: not met yet, and the actual is at or above the pace line on D;
- ``behind``: not met yet, and below the pace line.

The date first met is found by walking the candidate dates in order: a statistic "as of" a
date changes only on the dates of the records it reads (an organization period's start or
end, a division's change, a certificate issued or revoked, a placement begun, a contract
signed, a post term's start or end, an evaluation completed), so the earliest date with
actual >= value is the first candidate date on which that holds. Statistics are not monotone
(deregistrations, revocations), so a bisection could miss an earlier crossing; the walk reads
one statistic per candidate date up to the first one met, and the dates come from one
``DISTINCT`` query per record table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min
from django.utils import timezone

from shuniu.core.errors import ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.figures import purchasing_stats
from shuniu.procurement.models import Contract, Evaluation, Post
from shuniu.registry.models import OrganizationEvent, OrganizationPeriod
from shuniu.stats.selectors import (
    _region_division_ids,
    organization_stats,
    workforce_certified,
    workforce_pipeline,
)
from shuniu.targets.models import Metric, Target
from shuniu.workforce.models import Certificate, Placement

# Metrics a list of districts can scope: the statistic has a figure per district.
SCOPED_METRICS = frozenset(
    {
        Metric.ORGANIZATIONS,
        Metric.DISTRICTS_COVERED,
        Metric.CERTIFIED_WORKERS,
        Metric.POSTS_FUNDED,
        Metric.CONTRACTED_AMOUNT,
    }
)
# Metrics a target can be held against (universities and graduates per year are published
# figures only).
TARGET_METRICS = (*SCOPED_METRICS, Metric.PROGRAMME_PLACEMENTS, Metric.SUPPLIERS_GOOD_SHARE)
GOOD_GRADES = ("excellent", "good")
HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


class State:
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    MISSED = "missed"


@dataclass(frozen=True)
class Progress:
    as_of: dt.date
    actual: Decimal
    percent: Decimal  # of the value, two places (may exceed 100)
    state: str
    first_met_on: dt.date | None
    pace_from: dt.date
    pace_expected: Decimal  # where the pace line stands on as_of


@dataclass(frozen=True)
class CurvePoint:
    on: dt.date
    actual: Decimal
    pace: Decimal


def plan_start(target: Target) -> dt.date:
    """Where the pace line starts: the plan's issue date, else the day the target was
    recorded."""
    document = target.document
    if document is not None and document.issued_on is not None:
        return document.issued_on
    return target.created_at.date()


def _scope_holders(target: Target, on: dt.date, index: DivisionIndex) -> set[int] | None:
    scope = [d.pk for d in target.scope.all()]
    if not scope:
        return None
    return {index.holder(pk, on).pk for pk in scope}


def actual_on(target: Target, on: dt.date, index: DivisionIndex) -> Decimal:
    """The statistic the target is held against, for its region (or scope) on ``on``."""
    return metric_value(
        region=target.region,
        metric=target.metric,
        kind=target.kind,
        on=on,
        index=index,
        holders=_scope_holders(target, on, index),
        # A plan's organizations are cultivated once registered: those still registering
        # are left out (the dashboard's totals count them, as the 2012 survey did).
        include_registering=False,
    )


def metric_value(
    *,
    region: Division,
    metric: str,
    kind: str,
    on: dt.date,
    index: DivisionIndex,
    holders: set[int] | None = None,
    include_registering: bool = True,
) -> Decimal:
    """A catalogue metric for ``region`` on ``on`` from the statistics the pages use;
    ``holders``: add up only these county-level divisions' figures."""
    if metric in (Metric.ORGANIZATIONS, Metric.DISTRICTS_COVERED):
        stats = organization_stats(
            region_code=region.code,
            as_of=on,
            kind=kind or None,
            include_registering=include_registering,
            index=index,
        )
        if holders is None:
            value = stats.total if metric == Metric.ORGANIZATIONS else stats.districts_covered
            return Decimal(value)
        counts = [d.count for d in stats.by_district if index.by_code[d.code].pk in holders]
        if metric == Metric.ORGANIZATIONS:
            return Decimal(sum(counts))
        return Decimal(sum(1 for n in counts if n > 0))
    if metric == Metric.CERTIFIED_WORKERS:
        figures = workforce_certified(region=_valid(region, on, index), as_of=on, index=index)
        if holders is None:
            return Decimal(figures.total)
        return Decimal(
            sum(n for pk, n in figures.by_division.items() if index.holder(pk, on).pk in holders)
        )
    if metric == Metric.PROGRAMME_PLACEMENTS:
        pipeline = workforce_pipeline(
            region=_valid(region, on, index),
            as_of=on,
            index=index,
            certified=0,
            employed_in_sector=0,
        )
        return Decimal(pipeline.placed)
    if metric not in (Metric.POSTS_FUNDED, Metric.CONTRACTED_AMOUNT, Metric.SUPPLIERS_GOOD_SHARE):
        raise ValueError(metric)
    purchasing = purchasing_stats(region_code=region.code, as_of=on, index=index)
    if metric == Metric.SUPPLIERS_GOOD_SHARE:
        graded = sum(purchasing.by_grade.values())
        good = sum(purchasing.by_grade.get(g, 0) for g in GOOD_GRADES)
        return (Decimal(good) * HUNDRED / graded).quantize(PLACES) if graded else Decimal(0)
    if holders is None:
        if metric == Metric.POSTS_FUNDED:
            return Decimal(purchasing.posts_funded)
        return purchasing.contracted_amount
    rows = [d for d in purchasing.by_district if index.by_code[d.code].pk in holders]
    if metric == Metric.POSTS_FUNDED:
        return Decimal(sum(d.posts_funded for d in rows))
    return sum((d.contracted_amount for d in rows), Decimal(0))


def _valid(region: Division, on: dt.date, index: DivisionIndex) -> Division:
    # The same check (and message) as the organization statistics.
    from shuniu.stats.selectors import _region

    return _region(index, region.code, on)


def _division_ids(target: Target, on: dt.date, index: DivisionIndex) -> set[int]:
    return _region_division_ids(index, target.region, on)


def _distinct_dates(*columns: Iterable[dt.date | None]) -> set[dt.date]:
    return {d for column in columns for d in column if d is not None}


def candidate_dates(target: Target, until: dt.date, index: DivisionIndex) -> list[dt.date]:
    """Every date up to ``until`` on which the target's statistic may change, in order."""
    ids = sorted(_division_ids(target, until, index))
    metric = target.metric
    dates: set[dt.date] = set()
    for pk in ids:
        d = index.by_id[pk]
        for day in (d.valid_from, d.valid_to):
            if day is not None:
                dates.add(day)
    if metric in (Metric.ORGANIZATIONS, Metric.DISTRICTS_COVERED):
        periods = OrganizationPeriod.objects.filter(division_id__in=ids)
        if target.kind:
            periods = periods.filter(kind=target.kind)
        dates |= _distinct_dates(
            periods.values_list("start", flat=True).distinct(),
            periods.values_list("end", flat=True).distinct(),
        )
    elif metric == Metric.CERTIFIED_WORKERS:
        certificates = Certificate.objects.filter(registered_division_id__in=ids)
        dates |= _distinct_dates(
            certificates.values_list("issued_on", flat=True).distinct(),
            certificates.values_list("revoked_on", flat=True).distinct(),
        )
    elif metric == Metric.PROGRAMME_PLACEMENTS:
        dates |= _distinct_dates(
            Placement.objects.filter(division_id__in=ids)
            .values_list("starts_on", flat=True)
            .distinct()
        )
    else:
        contracts = Contract.objects.filter(purchase__region_id__in=ids)
        dates |= _distinct_dates(contracts.values_list("signed_on", flat=True).distinct())
        if metric == Metric.POSTS_FUNDED:
            dates |= _distinct_dates(
                contracts.values_list("starts_on", flat=True).distinct(),
                # In force up to and including ends_on: it stops counting the day after.
                (
                    day + dt.timedelta(days=1)
                    for day in contracts.values_list("ends_on", flat=True).distinct()
                    if day is not None
                ),
                contracts.values_list("terminated_on", flat=True).distinct(),
                Post.objects.filter(contract__purchase__region_id__in=ids)
                .values_list("contract__signed_on", flat=True)
                .distinct(),
            )
        if metric == Metric.SUPPLIERS_GOOD_SHARE:
            dates |= _distinct_dates(
                Evaluation.objects.filter(contract__purchase__region_id__in=ids)
                .values_list("completed_on", flat=True)
                .distinct()
            )
    return sorted(d for d in dates if d <= until)


def first_met_on(
    target: Target,
    until: dt.date,
    index: DivisionIndex,
    actual: Callable[[dt.date], Decimal] | None = None,
) -> dt.date | None:
    """The earliest date up to ``until`` on which the actual reached the value."""
    read = actual or (lambda on: _actual_or_zero(target, on, index))
    for day in candidate_dates(target, until, index):
        if read(day) >= target.value:
            return day
    return None


def _actual_or_zero(target: Target, on: dt.date, index: DivisionIndex) -> Decimal:
    try:
        return actual_on(target, on, index)
    except ValidationError:
        # The region did not exist yet on that date: nothing counted there.
        return Decimal(0)


def _pace(target: Target, start: dt.date, baseline: Decimal, on: dt.date) -> Decimal:
    if on >= target.due_on or start >= target.due_on:
        return target.value.quantize(PLACES)
    if on <= start:
        return baseline.quantize(PLACES)
    share = Decimal((on - start).days) / Decimal((target.due_on - start).days)
    return (baseline + (target.value - baseline) * share).quantize(PLACES)


def target_progress(*, target: Target, as_of: dt.date, index: DivisionIndex) -> Progress:
    """Actual, percent, state and the date first met of ``target`` on ``as_of``."""
    actual = actual_on(target, as_of, index)
    met_on = first_met_on(target, as_of, index)
    start = plan_start(target)
    baseline = _actual_or_zero(target, start, index) if start < as_of else actual
    expected = _pace(target, start, baseline, as_of)
    if met_on is not None and met_on <= target.due_on:
        state = State.MET
    elif as_of > target.due_on:
        state = State.MISSED
    elif actual >= expected:
        state = State.ON_TRACK
    else:
        state = State.BEHIND
    percent = (
        (actual * HUNDRED / target.value).quantize(PLACES, rounding=ROUND_HALF_UP)
        if target.value
        else HUNDRED.quantize(PLACES)
    )
    return Progress(
        as_of=as_of,
        actual=actual,
        percent=percent,
        state=state,
        first_met_on=met_on,
        pace_from=start,
        pace_expected=expected,
    )


def target_curve(
    *, target: Target, as_of: dt.date, index: DivisionIndex, points: int = 24
) -> list[CurvePoint]:
    """The actual against the pace line from the plan's start to the later of the due date
    and ``as_of``, at evenly spaced dates (at most ``points`` + 1 of them)."""
    start = plan_start(target)
    end = max(target.due_on, as_of)
    if start >= end:
        start = end - dt.timedelta(days=365)
    baseline = _actual_or_zero(target, start, index)
    span = (end - start).days
    days = sorted({start + dt.timedelta(days=span * i // points) for i in range(points + 1)})
    curve = []
    for day in days:
        value = _actual_or_zero(target, day, index)
        curve.append(CurvePoint(on=day, actual=value, pace=_pace(target, start, baseline, day)))
    return curve


def first_record_on(region: Division, index: DivisionIndex) -> dt.date | None:
    """The date of the region's earliest organization event (``None``: no record)."""
    ids = _region_division_ids(index, region, timezone.localdate())
    first: dt.date | None = OrganizationEvent.objects.filter(
        organization__registrar_division_id__in=ids
    ).aggregate(first=Min("date"))["first"]
    return first
