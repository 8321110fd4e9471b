"""The comparison page's "operating models" section: the profiles of ``stats.operating`` as a
table (one column per city), the chart drawn from the same rows, the file to download and one
sentence per city made from a fixed template with the numbers filled in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from shuniu.registry.models import Formation
from shuniu.stats.operating import (
    COUNT,
    SHARE,
    YEAR,
    YUAN,
    OperatingProfile,
    OperatingRow,
    census_after_date,
    operating_flat,
    operating_rows,
)
from shuniu.web.names import place_name
from shuniu.web.views.charts import Cell, ChartTable

# The rows the chart draws: the shares that tell the models apart.
CHART_ROWS = (
    *(f"formation.{f}" for f in Formation.values),
    "hub_led",
    "purchased.posts",
)
MISSING = "—"


@dataclass(frozen=True)
class OperatingTable:
    headers: list[str]
    rows: list[list[str]]


def percent(value: Decimal | None) -> str:
    if value is None:
        return MISSING
    return number_format(value * 100, decimal_pos=2) + "%"


def _cell(row: OperatingRow, i: int) -> str:
    value = row.values[i]
    if value is None:
        return MISSING
    if row.unit == SHARE:
        shown = percent(Decimal(value))
        return f"{shown} ({row.counts[i]})" if row.counts is not None else shown
    if row.unit == YUAN:
        # As the purchasing pages write money (views.purchasing.yuan, which imports this page).
        return number_format(value, decimal_pos=2, force_grouping=True)
    if row.unit == COUNT:
        return number_format(value, force_grouping=True)
    if row.unit == YEAR:
        return str(value)
    return number_format(value)


def operating_table(profiles: list[OperatingProfile]) -> OperatingTable:
    """The rows as a reader sees them: money grouped, shares as percentages with their counts,
    "—" where a figure is unknown or a ratio has nothing to divide by."""
    return OperatingTable(
        headers=[_("Figure"), *(place_name(p.region) for p in profiles)],
        rows=[
            [row.label, *(_cell(row, i) for i in range(len(profiles)))]
            for row in operating_rows(profiles)
        ],
    )


def _percent_number(value: int | Decimal | None) -> float | None:
    return None if value is None else float(Decimal(value) * 100)


def operating_chart(profiles: list[OperatingProfile]) -> dict[str, Any]:
    """Grouped bars of the shares in ``CHART_ROWS`` as percentages, one series per city."""
    rows = [r for r in operating_rows(profiles) if r.code in CHART_ROWS]
    return {
        "categories": [r.label for r in rows],
        "values": [[_percent_number(r.values[i]) for r in rows] for i in range(len(profiles))],
    }


def operating_file(profiles: list[OperatingProfile]) -> ChartTable:
    """The download: ``operating_flat``'s rows, numbers as numbers, unknown cells empty."""
    headers, rows = operating_flat(profiles)
    headers[3:] = [f"{place_name(p.region)} ({p.region.code})" for p in profiles]

    def cell(value: object) -> Cell:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return float(value)
        return value  # type: ignore[return-value]  # str or int

    return ChartTable(
        chart="operating", headers=headers, rows=[[cell(v) for v in row] for row in rows]
    )


def operating_sentence(profile: OperatingProfile) -> str:
    """One sentence per city from a fixed template: the largest formation path, the share
    led by a hub, the density by the census and the posts' share of the amount purchased."""
    city = place_name(profile.region)
    if not profile.agencies:
        return _("%(city)s: no agency on this date.") % {"city": city}
    clauses = []
    known = [s for s in profile.formations if s.code in Formation.values and s.count]
    if known:
        largest = max(known, key=lambda s: s.count)  # the first of equals, in path order
        clauses.append(
            _("%(share)s of the agencies with the formation path “%(formation)s”")
            % {"share": percent(largest.share), "formation": largest.label}
        )
    clauses.append(_("%(share)s led by a hub") % {"share": percent(profile.hub_led.share)})
    if profile.agencies_per_10k is not None and profile.population_census is not None:
        template = (
            _("%(value)s agencies per 10,000 residents (%(census)s census, taken after this date)")
            if census_after_date(profile)
            else _("%(value)s agencies per 10,000 residents (%(census)s census)")
        )
        clauses.append(
            template
            % {
                "value": number_format(profile.agencies_per_10k),
                "census": profile.population_census,
            }
        )
    posts = profile.purchased[0]
    if posts.share is None:
        clauses.append(_("nothing purchased by this date"))
    else:
        clauses.append(
            _("posts %(share)s of the amount purchased") % {"share": percent(posts.share)}
        )
    separator = "；" if (translation.get_language() or "").startswith("zh") else "; "
    return _("%(city)s: %(clauses)s.") % {"city": city, "clauses": separator.join(clauses)}
