"""Published figures for one region, date and kind: a read of one table, kept apart from
``targets.selectors`` (targets and their progress import the purchasing and workforce figures)
so that the statistics command, which sets them beside its numbers, starts without those."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from shuniu.targets.models import Metric, PublishedFigure

# The metrics an organization statistic can be held against: its total and its coverage.
ORGANIZATION_METRICS = (Metric.ORGANIZATIONS, Metric.DISTRICTS_COVERED)


def published_figures_for(
    *,
    region_code: str,
    as_of: dt.date,
    kind: str | None,
    metrics: Sequence[str] = ORGANIZATION_METRICS,
) -> list[PublishedFigure]:
    """Published figures about ``region_code`` on exactly ``as_of`` for organizations of
    ``kind`` (``None`` or ``""``: figures about all kinds together), ordered by metric then
    source, so a page can set them beside the computed numbers of the same date."""
    return list(
        PublishedFigure.objects.filter(
            region__code=region_code,
            as_of=as_of,
            kind=kind or "",
            metric__in=list(metrics),
        ).order_by("metric", "source", "id")
    )
