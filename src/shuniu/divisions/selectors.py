"""Reads of administrative divisions. Public reference data: no actor scoping needed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from shuniu.core.errors import NotFound
from shuniu.divisions.models import COUNTY_LEVELS, Division, Population


def division_get(*, code: str) -> Division:
    try:
        return Division.objects.select_related("parent", "successor").get(code=code)
    except Division.DoesNotExist as exc:
        raise NotFound(code) from exc


def division_list(*, parent_code: str | None = None, on: dt.date | None = None) -> list[Division]:
    qs = Division.objects.select_related("parent", "successor")
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if on is not None:
        qs = qs.valid_on(on)
    return list(qs.order_by("code"))


@dataclass
class DivisionIndex:
    """All divisions in memory, for mapping many rows to the divisions of a date.

    A few thousand rows at national scale: cheaper than a join per statistic.
    """

    by_id: dict[int, Division] = field(default_factory=dict)
    by_code: dict[str, Division] = field(default_factory=dict)

    @classmethod
    def load(cls, divisions: Iterable[Division] | None = None) -> DivisionIndex:
        rows = list(divisions) if divisions is not None else list(Division.objects.all())
        return cls(by_id={d.pk: d for d in rows}, by_code={d.code: d for d in rows})

    def holder(self, division_id: int, on: dt.date) -> Division:
        """The division that holds ``division_id``'s territory on ``on``.

        Follows successors from a division abolished before ``on`` (崇文区 in 2012 is
        东城区). A division not yet created on ``on`` is returned as itself.
        """
        division = self.by_id[division_id]
        seen = {division.pk}
        while (
            division.valid_to is not None
            and division.valid_to <= on
            and division.successor_id is not None
        ):
            division = self.by_id[division.successor_id]
            if division.pk in seen:  # a cycle in reference data must not hang a statistic
                break
            seen.add(division.pk)
        return division

    def county_level_on(self, parent_id: int, on: dt.date) -> list[Division]:
        return sorted(
            (
                d
                for d in self.by_id.values()
                if d.parent_id == parent_id and d.level in COUNTY_LEVELS and d.is_valid_on(on)
            ),
            key=lambda d: d.code,
        )

    def within(self, division: Division, region: Division) -> bool:
        """Is ``division`` the region itself or below it in the parent chain?"""
        current: Division | None = division
        while current is not None:
            if current.pk == region.pk:
                return True
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return False


def division_holding(*, code: str, on: dt.date) -> Division:
    division = division_get(code=code)
    return DivisionIndex.load().holder(division.pk, on)


def division_ids_within(*, region: Division, on: dt.date, index: DivisionIndex) -> set[int]:
    """Ids of every division (past or present) whose territory lies in ``region`` on ``on``."""
    return {pk for pk in index.by_id if index.within(index.holder(pk, on), region)}


@dataclass(frozen=True)
class CensusPopulation:
    """The resident population of a region by the census that stands for a date.

    ``population`` is None when the census has no figure for the region's territory (a
    district created after the census, a region outside the reference file).
    ``before_census``: the date is earlier than every census, so the earliest one stands in.
    """

    population: int | None
    census: int
    reference_date: dt.date
    before_census: bool


def population_on(
    *, region: Division, on: dt.date, index: DivisionIndex | None = None
) -> CensusPopulation | None:
    """The resident population of ``region`` by the latest census taken on or before ``on``
    (the earliest census for dates before it, flagged ``before_census``). None when no
    census is loaded at all.

    A city or province reads its own total row. Any other region sums the county-level rows
    of the census whose territory lies in the region on ``on`` (黄浦区 in 2012 is the 2010
    rows of 黄浦区 and 卢湾区, merged in 2011); no such row gives ``population=None``.
    One query.
    """
    rows = list(
        Population.objects.values_list("division_id", "census", "reference_date", "population")
    )
    if not rows:
        return None
    censuses = sorted({(reference, census) for _d, census, reference, _p in rows})
    taken = [c for c in censuses if c[0] <= on]
    reference_date, census = taken[-1] if taken else censuses[0]
    figures = {d: p for d, c, _r, p in rows if c == census}
    if region.level not in COUNTY_LEVELS and region.pk in figures:
        total: int | None = figures[region.pk]
    else:
        index = index or DivisionIndex.load()
        held = [
            p
            for division_id, p in figures.items()
            if (division := index.by_id.get(division_id)) is not None
            and division.level in COUNTY_LEVELS
            and index.within(index.holder(division_id, on), region)
        ]
        total = sum(held) if held else None
    return CensusPopulation(
        population=total, census=census, reference_date=reference_date, before_census=not taken
    )
