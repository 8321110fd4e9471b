"""Reads of targets and published figures. Published figures are public statements by an
authority or a report, so no actor scoping applies to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from shuniu.accounts.permissions import covered_division_ids, is_admin, jurisdictions
from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.targets.models import PublishedFigure, Target
from shuniu.targets.progress import (
    TARGET_METRICS,
    Progress,
    first_record_on,
    metric_value,
    target_progress,
    target_series,
)
from shuniu.targets.series import MetricSeries, read_together


@dataclass(frozen=True)
class TargetWithProgress:
    target: Target
    scope: list[Division]
    progress: Progress
    # The statistic's records, read once: the page's curve reuses them.
    series: MetricSeries | None = field(default=None, compare=False, repr=False)


def check_records_date(region: Division, as_of: dt.date, index: DivisionIndex) -> None:
    """Refuse a date before the region's first record (targets and the sector report)."""
    first = first_record_on(region, index)
    if first is None or as_of < first:
        raise ValidationError(
            {
                "as_of": _("%(region)s has no record before %(date)s; its first is on %(first)s.")
                % {
                    "region": region.name,
                    "date": as_of.isoformat(),
                    "first": first.isoformat() if first else "-",
                }
                if first
                else _("%(region)s has no record at all.") % {"region": region.name}
            }
        )


def _with_progress(
    target: Target, as_of: dt.date, index: DivisionIndex, series: MetricSeries
) -> TargetWithProgress:
    return TargetWithProgress(
        target=target,
        scope=sorted(target.scope.all(), key=lambda d: d.code),
        progress=target_progress(target=target, as_of=as_of, index=index, series=series),
        series=series,
    )


def targets_with_progress(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> list[TargetWithProgress]:
    """The targets set for ``region_code`` or a division within it, each with its progress
    on ``as_of``, by due date. Targets are public statements of plans: no actor scoping.

    Unknown region: ``NotFound``; a region not existing on the date or a date before the
    region's first record: ``ValidationError`` naming the field."""
    index = index or DivisionIndex.load()
    region = index.by_code.get(region_code)
    if region is None:
        raise NotFound(region_code)
    check_records_date(region, as_of, index)
    within = [pk for pk, d in index.by_id.items() if index.within(d, region)]
    targets = (
        Target.objects.filter(region_id__in=within)
        .select_related("region", "document")
        .prefetch_related("scope")
        .order_by("due_on", "id")
    )
    # One query per kind of record for all the targets (``read_together``), then progress
    # from memory: the list costs the same few queries whatever its length and dates.
    series = [(t, target_series(t, index)) for t in targets]
    read_together(s for _, s in series)
    return [_with_progress(t, as_of, index, s) for t, s in series]


def target_with_progress(
    *, pk: int, as_of: dt.date, index: DivisionIndex | None = None
) -> TargetWithProgress:
    """One target and its progress on ``as_of`` (``NotFound`` when there is none)."""
    index = index or DivisionIndex.load()
    target = (
        Target.objects.filter(pk=pk)
        .select_related("region", "document")
        .prefetch_related("scope")
        .first()
    )
    if target is None:
        raise NotFound(str(pk))
    check_records_date(target.region, as_of, index)
    return _with_progress(target, as_of, index, target_series(target, index))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def target_payload(item: TargetWithProgress) -> dict[str, Any]:
    """A target and its progress as the API and ``shuniu targets progress`` give them
    (docs: interfaces.md, "Targets, reports and open data")."""
    target, progress = item.target, item.progress
    document = target.document
    return {
        "id": target.pk,
        "region": {"code": target.region.code, "name": target.region.name},
        "metric": target.metric,
        "kind": target.kind,
        "scope": [{"code": d.code, "name": d.name} for d in item.scope],
        "value": _number(target.value),
        "due_on": target.due_on,
        "description": target.description,
        "document": (
            {
                "title": document.title,
                "number": document.number,
                "issuer": document.issuer,
                "issued_on": document.issued_on,
            }
            if document is not None
            else None
        ),
        "progress": {
            "as_of": progress.as_of,
            "actual": _number(progress.actual),
            "percent": float(progress.percent),
            "state": progress.state,
            "first_met_on": progress.first_met_on,
            "pace_from": progress.pace_from,
            "pace_expected": float(progress.pace_expected),
        },
    }


# Qualifiers a published figure may carry: "over N" is consistent with any count at or above
# N, "nearly N" with any at or below it; "about N" (or none) is held to N both ways.
AT_LEAST = frozenset({"over", "超过", "more than", "逾"})
AT_MOST = frozenset({"nearly", "近", "almost", "接近"})


@dataclass(frozen=True)
class FigureComparison:
    """A published figure beside the value computed for the same metric, region, kind and
    date. ``computed`` is ``None`` when the catalogue has no statistic for the metric (or the
    region did not exist on the date)."""

    figure: PublishedFigure
    computed: Decimal | None
    difference: Decimal | None  # computed - published
    relative: Decimal | None  # difference / published, per cent, two places
    outside: bool  # beyond the threshold, the qualifier taken into account


def _comparison(
    figure: PublishedFigure, computed: Decimal | None, threshold: Decimal
) -> FigureComparison:
    if computed is None:
        return FigureComparison(figure, None, None, None, False)
    difference = computed - figure.value
    relative = (difference * 100 / figure.value).quantize(Decimal("0.01")) if figure.value else None
    qualifier = figure.qualifier.strip().lower()
    if relative is None:
        outside = difference != 0
    elif qualifier in AT_LEAST:
        outside = relative < -threshold
    elif qualifier in AT_MOST:
        outside = relative > threshold
    else:
        outside = abs(relative) > threshold
    return FigureComparison(figure, computed, difference, relative, outside)


def published_vs_computed(
    *, actor: Actor, threshold: Decimal, index: DivisionIndex | None = None
) -> list[FigureComparison]:
    """Every published figure the actor may review (an officer: those about divisions of
    their jurisdiction; an administrator: all), each beside the computed value; the caller
    keeps the ones ``outside`` the threshold (per cent) for the data-quality view.

    One statistic per distinct (region, metric, kind, date), read by the same functions as
    the pages (``targets.progress.metric_value``)."""
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators review published figures."))
    index = index or DivisionIndex.load()
    covered = covered_division_ids(actor, index)
    figures = PublishedFigure.objects.select_related("region").order_by(
        "region__code", "metric", "as_of", "source", "id"
    )
    if covered is not None:
        figures = figures.filter(region_id__in=covered)
    cache: dict[tuple[int, str, str, dt.date], Decimal | None] = {}
    result = []
    for figure in figures:
        key = (figure.region_id, figure.metric, figure.kind, figure.as_of)
        if key not in cache:
            cache[key] = _computed(figure, index)
        result.append(_comparison(figure, cache[key], threshold))
    return result


def _computed(figure: PublishedFigure, index: DivisionIndex) -> Decimal | None:
    if figure.metric not in TARGET_METRICS:
        return None
    try:
        return metric_value(
            region=figure.region,
            metric=figure.metric,
            kind=figure.kind,
            on=figure.as_of,
            index=index,
        )
    except (ValidationError, NotFound):
        return None


def figures_beside_target(
    *, target: Target, threshold: Decimal = Decimal(5), index: DivisionIndex | None = None
) -> list[FigureComparison]:
    """The published figures about the target's region, metric and kind (public statements),
    each beside the value computed for its own date, by date."""
    index = index or DivisionIndex.load()
    figures = PublishedFigure.objects.filter(
        region_id=target.region_id, metric=target.metric, kind=target.kind
    ).select_related("region")
    return [_comparison(f, _computed(f, index), threshold) for f in figures.order_by("as_of", "id")]
