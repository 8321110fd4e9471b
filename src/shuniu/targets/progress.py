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
(deregistrations, revocations), so a bisection could miss an earlier crossing. The values on
all those dates (and the curve's) come from ``targets.series.MetricSeries``: the records are
read once, one query per target, and the value on each date is computed from running counts
with the statistics' rules (``metric_value`` stays the one-date reference it is checked
against, and what the published figures are compared with).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min
from django.utils import timezone

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.figures import purchasing_stats
from shuniu.registry.models import OrganizationEvent
from shuniu.stats.selectors import (
    _region_division_ids,
    organization_stats,
    workforce_certified,
    workforce_pipeline,
)
from shuniu.targets.models import Metric, Target
from shuniu.targets.series import MetricSeries

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


def target_series(target: Target, index: DivisionIndex) -> MetricSeries:
    """The target's statistic on any dates from one read (``targets.series``)."""
    return MetricSeries(
        region=target.region,
        metric=target.metric,
        kind=target.kind,
        index=index,
        scope=[d.pk for d in target.scope.all()],
        # As ``actual_on``: a plan's organizations count once registered.
        include_registering=False,
    )


def _met_on(
    target: Target, days: list[dt.date], values: dict[dt.date, Decimal | None]
) -> dt.date | None:
    for day in days:
        if (values[day] or Decimal(0)) >= target.value:
            return day
    return None


def first_met_on(
    target: Target, until: dt.date, index: DivisionIndex, series: MetricSeries | None = None
) -> dt.date | None:
    """The earliest date up to ``until`` on which the actual reached the value."""
    series = series or target_series(target, index)
    days = series.dates(until)
    return _met_on(target, days, series.values(days))


def _pace(target: Target, start: dt.date, baseline: Decimal, on: dt.date) -> Decimal:
    if on >= target.due_on or start >= target.due_on:
        return target.value.quantize(PLACES)
    if on <= start:
        return baseline.quantize(PLACES)
    share = Decimal((on - start).days) / Decimal((target.due_on - start).days)
    return (baseline + (target.value - baseline) * share).quantize(PLACES)


def target_progress(
    *, target: Target, as_of: dt.date, index: DivisionIndex, series: MetricSeries | None = None
) -> Progress:
    """Actual, percent, state and the date first met of ``target`` on ``as_of``: one read
    of the statistic's records (none when ``series`` has them), whatever the number of
    dates."""
    series = series or target_series(target, index)
    start = plan_start(target)
    days = series.dates(as_of)
    values = series.values([*days, as_of, start])
    actual = values[as_of]
    if actual is None:
        # The region did not exist on the date: the statistic's own refusal.
        _valid(target.region, as_of, index)
        raise AssertionError(as_of)  # pragma: no cover - _valid raised
    met_on = _met_on(target, days, values)
    baseline = (values[start] or Decimal(0)) if start < as_of else actual
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
    *,
    target: Target,
    as_of: dt.date,
    index: DivisionIndex,
    points: int = 24,
    series: MetricSeries | None = None,
) -> list[CurvePoint]:
    """The actual against the pace line from the plan's start to the later of the due date
    and ``as_of``, at evenly spaced dates (at most ``points`` + 1 of them)."""
    start = plan_start(target)
    end = max(target.due_on, as_of)
    if start >= end:
        start = end - dt.timedelta(days=365)
    span = (end - start).days
    days = sorted({start + dt.timedelta(days=span * i // points) for i in range(points + 1)})
    values = (series or target_series(target, index)).values([start, *days])
    baseline = values[start] or Decimal(0)
    return [
        CurvePoint(
            on=day, actual=values[day] or Decimal(0), pace=_pace(target, start, baseline, day)
        )
        for day in days
    ]


def first_record_on(region: Division, index: DivisionIndex) -> dt.date | None:
    """The date of the region's earliest organization event (``None``: no record)."""
    ids = _region_division_ids(index, region, timezone.localdate())
    first: dt.date | None = OrganizationEvent.objects.filter(
        organization__registrar_division_id__in=ids
    ).aggregate(first=Min("date"))["first"]
    return first
