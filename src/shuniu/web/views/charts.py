"""The numbers each chart of the statistics pages draws, as tables.

The page renders these tables next to its charts and the download views write the same
tables to CSV and XLSX, so what a reader sees, what the chart draws and what they download
come from one selector call and cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Formation, Kind, Status
from shuniu.stats.selectors import DistrictCount, OrganizationStats, SeriesPoint
from shuniu.web.names import place_name

GEO_DIR = Path(__file__).resolve().parents[1] / "static" / "geo"
# Neutral for "none here", then light to dark for more: the legend prints each band's
# numbers and every district carries its count as a label, so colour is never the only cue.
ZERO_COLOUR = "#e9ecef"
BAND_COLOURS = ("#9ecae1", "#4292c6", "#2166ac", "#08306b")
UNKNOWN_FORMATION = "unknown"


def formation_label(formation: str) -> str:
    if formation in Formation.values:
        return str(Formation(formation).label)
    return _("not recorded")


# ---------------------------------------------------------------------------------------
# The district map


@cache
def shape_codes(city_code: str) -> frozenset[str]:
    """The division codes that have a shape in the city's boundary file (today's districts).

    Read once per process: the files are static assets that change only with a release.
    """
    path = GEO_DIR / f"{city_code}.geojson"
    if not path.exists():
        return frozenset()
    collection = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(str(f["properties"]["adcode"]) for f in collection["features"])


@dataclass(frozen=True)
class MapPart:
    """A division of the date drawn inside a shape."""

    code: str
    name: str
    count: int


@dataclass(frozen=True)
class MapArea:
    """One shape on the map and the divisions of the date it stands for."""

    shape: str
    shape_name: str  # the division owning the shape today
    count: int
    parts: tuple[MapPart, ...]

    @property
    def label(self) -> str:
        return " + ".join(p.name for p in self.parts)

    @property
    def folded(self) -> tuple[MapPart, ...]:
        """The parts drawn through another division's shape (merged or renamed since)."""
        return tuple(p for p in self.parts if p.code != self.shape)


@dataclass(frozen=True)
class MapLayout:
    areas: list[MapArea]
    # Divisions of the date with neither a shape nor a successor that has one: they stay
    # in the table but cannot be drawn.
    unmapped: list[MapPart] = field(default_factory=list)


def map_areas(
    districts: Sequence[DistrictCount],
    *,
    index: DivisionIndex,
    shapes: Collection[str],
    name: Any = place_name,
) -> MapLayout:
    """Fold the districts of a date onto the shapes of today's boundary file.

    A division that no longer exists has no shape; its territory is drawn through its
    successor's (崇文区 through 东城区, 密云县 through 密云区), following successors as far
    as needed, and the counts of every division drawn in one shape are summed.
    """
    by_shape: dict[str, list[MapPart]] = {}
    unmapped: list[MapPart] = []
    for district in districts:
        division = index.by_code[district.code]
        part = MapPart(code=district.code, name=name(division), count=district.count)
        shape = _shape_of(division, index=index, shapes=shapes)
        if shape is None:
            unmapped.append(part)
        else:
            by_shape.setdefault(shape.code, []).append(part)
    areas = [
        MapArea(
            shape=code,
            shape_name=name(index.by_code[code]),
            count=sum(p.count for p in parts),
            # The division that owns the shape first, then those folded into it.
            parts=tuple(sorted(parts, key=lambda p: (p.code != code, p.code))),
        )
        for code, parts in by_shape.items()
    ]
    return MapLayout(areas=sorted(areas, key=lambda a: a.shape), unmapped=unmapped)


def _shape_of(
    division: Division, *, index: DivisionIndex, shapes: Collection[str]
) -> Division | None:
    current: Division | None = division
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        if current.code in shapes:
            return current
        seen.add(current.pk)
        current = index.by_id.get(current.successor_id) if current.successor_id else None
    return None


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


def colour_bands(counts: Sequence[int]) -> list[Band]:
    """Equal-width integer bands from 0 to the largest count, 0 a band of its own."""
    zero = Band(0, 0, ZERO_COLOUR)
    largest = max(counts, default=0)
    if largest <= 0:
        return [zero]
    width = math.ceil(largest / min(len(BAND_COLOURS), largest))
    ranges = []
    low = 1
    while low <= largest:
        high = min(low + width - 1, largest)
        ranges.append((low, high))
        low = high + 1
    # Fewer bands than colours: stop short of the darkest, which suits only the top of a
    # long scale.
    n = len(ranges)
    colours = BAND_COLOURS if n >= len(BAND_COLOURS) else BAND_COLOURS[-1 - n : -1]
    return [zero, *(Band(lo, hi, c) for (lo, hi), c in zip(ranges, colours, strict=True))]


# ---------------------------------------------------------------------------------------
# Tables


# A float for shares and rates.
Cell = str | int | float | dt.date


@dataclass(frozen=True)
class ChartTable:
    """The numbers behind one chart: a header row and data rows, ready to write out."""

    chart: str
    headers: list[str]
    rows: list[list[Cell]]


def series_table(points: Sequence[SeriesPoint]) -> ChartTable:
    return ChartTable(
        chart="series",
        headers=[
            _("Year end"),
            _("Total"),
            _("Registered"),
            _("Registering"),
            _("Districts covered"),
            _("Districts total"),
        ],
        rows=[
            [
                p.as_of,
                p.total,
                p.by_status.get(Status.REGISTERED, 0),
                p.by_status.get(Status.REGISTERING, 0),
                p.districts_covered,
                p.districts_total,
            ]
            for p in points
        ],
    )


def districts_table(stats: OrganizationStats, layout: MapLayout) -> ChartTable:
    """The districts of the date with their counts, and the shape each is drawn in."""
    drawn_in = {part.code: area.shape for area in layout.areas for part in area.parts}
    return ChartTable(
        chart="districts",
        headers=[_("Code"), _("District"), _("English name"), _("Count"), _("Drawn as")],
        rows=[
            [d.code, d.name, d.name_en, d.count, drawn_in.get(d.code, "")]
            for d in stats.by_district
        ],
    )


def kinds_table(stats: OrganizationStats) -> ChartTable:
    return ChartTable(
        chart="kinds",
        headers=[_("Kind"), _("Label"), _("Count")],
        rows=[[k, capfirst(str(Kind(k).label)), n] for k, n in stats.by_kind.items()],
    )


def formations_table(stats: OrganizationStats) -> ChartTable:
    return ChartTable(
        chart="formations",
        headers=[_("Formation"), _("Label"), _("Count")],
        rows=[
            [f.formation, capfirst(formation_label(f.formation)), f.count]
            for f in stats.by_formation
        ],
    )


@dataclass(frozen=True)
class CityColumn:
    """One city on the comparison page."""

    code: str
    name: str
    stats: OrganizationStats

    @property
    def registered(self) -> int:
        return self.stats.by_status.get(Status.REGISTERED, 0)

    @property
    def registering(self) -> int:
        return self.stats.by_status.get(Status.REGISTERING, 0)


def compare_summary_table(cities: Sequence[CityColumn]) -> ChartTable:
    rows: list[list[Cell]] = [
        [_("Total"), *(c.stats.total for c in cities)],
        [_("Registered"), *(c.registered for c in cities)],
        [_("Registering"), *(c.registering for c in cities)],
        [_("Districts covered"), *(c.stats.districts_covered for c in cities)],
        [_("Districts total"), *(c.stats.districts_total for c in cities)],
    ]
    return ChartTable(chart="summary", headers=["", *_city_headers(cities)], rows=rows)


def compare_kinds_table(cities: Sequence[CityColumn]) -> ChartTable:
    kinds = [k for k in Kind.values if any(c.stats.by_kind.get(k) for c in cities)]
    return ChartTable(
        chart="kinds",
        headers=[_("Kind"), _("Label"), *_city_headers(cities)],
        rows=[
            [k, capfirst(str(Kind(k).label)), *(c.stats.by_kind.get(k, 0) for c in cities)]
            for k in kinds
        ],
    )


def compare_formations_table(cities: Sequence[CityColumn]) -> ChartTable:
    counts = [{f.formation: f.count for f in c.stats.by_formation} for c in cities]
    formations = [
        f for f in [*Formation.values, UNKNOWN_FORMATION] if any(n.get(f) for n in counts)
    ]
    return ChartTable(
        chart="formations",
        headers=[_("Formation"), _("Label"), *_city_headers(cities)],
        rows=[
            [f, capfirst(formation_label(f)), *(n.get(f, 0) for n in counts)] for f in formations
        ],
    )


def _city_headers(cities: Sequence[CityColumn]) -> list[str]:
    return [f"{c.name} ({c.code})" for c in cities]
