"""Reads of administrative divisions. Public reference data: no actor scoping needed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, router

from shuniu.core.errors import NotFound
from shuniu.divisions.models import COUNTY_LEVELS, PREFECTURE_LEVELS, Division, Level, Population


def division_get(*, code: str) -> Division:
    try:
        return Division.objects.current().select_related("parent", "successor").get(code=code)
    except Division.DoesNotExist as exc:
        raise NotFound(code) from exc


def division_list(*, parent_code: str | None = None, on: dt.date | None = None) -> list[Division]:
    """The children of ``parent_code`` (the top level: provinces and the province-level cities,
    when none is given), valid ``on`` a date when one is given.

    Never the whole table: at national scale that is 7,460 rows (1.9 MB of JSON), which a
    client walks level by level instead."""
    qs = Division.objects.select_related("parent", "successor")
    qs = qs.filter(parent__code=parent_code) if parent_code else qs.filter(parent__isnull=True)
    if on is not None:
        qs = qs.valid_on(on)
    return list(qs.order_by("code"))


# Regions asked for again and again (a dashboard's series, the directory's pages) resolve
# once per index: (region id, date) -> division ids. Bounded: each entry is a set of ids.
_WITHIN_CACHE_SIZE = 256
# The index is reused by later requests of this process while the table's change token is
# unchanged. The fallback without a token, the fingerprint, cannot see every edit (a name
# replaced by another of the same length): there, the age bound catches it.
_INDEX_MAX_AGE = 60.0


@dataclass
class DivisionIndex:
    """All divisions in memory, for mapping many rows to the divisions of a date.

    About 7,500 rows at national scale: loaded once per process and reused while the table
    is unchanged (``DivisionIndex.load``); the per-region maps are built on demand.
    ``by_code`` holds a code's latest meaning; ``code_on`` finds the meaning of a date.
    """

    by_id: dict[int, Division] = field(default_factory=dict)
    by_code: dict[str, Division] = field(default_factory=dict)
    uses: dict[str, list[Division]] = field(default_factory=dict)
    _children: dict[int, list[Division]] | None = field(default=None, repr=False)
    _predecessors: dict[int, list[int]] | None = field(default=None, repr=False)
    _within: OrderedDict[tuple[int, dt.date], frozenset[int]] = field(
        default_factory=OrderedDict, repr=False
    )
    _groupings: OrderedDict[tuple[int, dt.date], RegionGrouping] = field(
        default_factory=OrderedDict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, rows: Iterable[Division]) -> DivisionIndex:
        rows = list(rows)
        uses: dict[str, list[Division]] = defaultdict(list)
        for d in rows:
            uses[d.code].append(d)
        by_code = {d.code: d for d in rows if not d.reuse_kind}
        # Rows built in memory (tests) may carry only an older meaning.
        for code, meanings in uses.items():
            by_code.setdefault(code, meanings[0])
        return cls(by_id={d.pk: d for d in rows}, by_code=by_code, uses=dict(uses))

    @classmethod
    def load(cls, divisions: Iterable[Division] | None = None) -> DivisionIndex:
        if divisions is not None:
            return cls.build(divisions)
        alias = router.db_for_read(Division)
        token = _change_token(alias)
        # The token sees every write (database triggers). Without its row (deleted by hand)
        # the fingerprint and the age bound stand in.
        key = (alias, connections[alias].settings_dict["NAME"], token) if token else _fingerprint()
        cached = _LOADED.get(key)
        now = time.monotonic()
        if cached is not None and (token or now - cached[0] < _INDEX_MAX_AGE):
            return cached[1]
        index = cls.build(Division.objects.using(alias).all())
        _LOADED.clear()
        _LOADED[key] = (now, index)
        return index

    def code_on(self, code: str, on: dt.date) -> Division | None:
        """The division ``code`` meant on ``on``: for a reused code the meaning in force then,
        otherwise (and when none was in force) its latest meaning."""
        meanings = self.uses.get(code, ())
        for division in meanings:
            if division.is_valid_on(on):
                return division
        return self.by_code.get(code)

    def resolve(self, division_id: int, on: dt.date) -> tuple[Division, bool]:
        """The division that holds ``division_id``'s territory on ``on``, and whether it was
        found through an ancestor.

        Follows successors from a division abolished before ``on`` (崇文区 in 2012 is
        东城区). One that ended with no known successor (a merge the national table could
        not attribute) falls to its nearest ancestor valid on ``on``, flagged. A division
        not yet created on ``on`` is returned as itself.
        """
        division = self.by_id[division_id]
        seen = {division.pk}
        through_ancestor = False
        while division.valid_to is not None and division.valid_to <= on:
            if division.successor_id is not None:
                following = division.successor_id
            elif division.parent_id is not None:
                following, through_ancestor = division.parent_id, True
            else:
                break
            if following in seen:  # a cycle in reference data must not hang a statistic
                break
            seen.add(following)
            division = self.by_id[following]
        return division, through_ancestor

    def holder(self, division_id: int, on: dt.date) -> Division:
        """The division holding ``division_id``'s territory on ``on`` (see ``resolve``)."""
        return self.resolve(division_id, on)[0]

    def children(self, parent_id: int) -> list[Division]:
        """Every division ever directly under ``parent_id`` (ordered by code)."""
        if self._children is None:
            children: dict[int, list[Division]] = defaultdict(list)
            for d in sorted(self.by_id.values(), key=lambda d: d.code):
                if d.parent_id is not None:
                    children[d.parent_id].append(d)
            self._children = dict(children)
        return self._children.get(parent_id, [])

    def children_of_root(self) -> list[Division]:
        """The province-level divisions (latest meanings), by code."""
        return sorted(
            (d for d in self.by_code.values() if d.parent_id is None and d.code.endswith("0000")),
            key=lambda d: d.code,
        )

    def names(self, normalize: Callable[[str], str]) -> dict[str, list[Division]]:
        """Normalized name -> divisions, by name alone and with the parent's name (北京市东城区).

        A name the curated three-city rows use means those rows only: the sector's files
        name their districts bare, and 东城区 is Beijing's, not 丹东's or 成都's, unless
        written with its city."""
        names: dict[str, list[Division]] = defaultdict(list)
        for division in self.by_id.values():
            keys = {normalize(division.name)}
            parent = self.by_id.get(division.parent_id) if division.parent_id else None
            if parent is not None:
                keys.add(normalize(parent.name + division.name))
            for key in keys:
                names[key].append(division)
        for key, found in names.items():
            curated = [d for d in found if d.curated]
            if curated and len(curated) < len(found):
                names[key] = curated
        return dict(names)

    def predecessors(self, division_id: int) -> list[int]:
        if self._predecessors is None:
            predecessors: dict[int, list[int]] = defaultdict(list)
            for d in self.by_id.values():
                if d.successor_id is not None:
                    predecessors[d.successor_id].append(d.pk)
            self._predecessors = dict(predecessors)
        return self._predecessors.get(division_id, [])

    def county_level_on(self, parent_id: int, on: dt.date) -> list[Division]:
        return [
            d for d in self.children(parent_id) if d.level in COUNTY_LEVELS and d.is_valid_on(on)
        ]

    def districts_on(self, region: Division, on: dt.date) -> list[Division]:
        """The rows of a region's district table on ``on``: a city's county-level
        divisions; a province's prefecture-level cities and the county-level divisions it
        administers directly (省直辖, 仙桃市)."""
        if region.level == Level.PROVINCE:
            return [
                d
                for d in self.children(region.pk)
                if d.level in (*PREFECTURE_LEVELS, *COUNTY_LEVELS) and d.is_valid_on(on)
            ]
        if region.level in PREFECTURE_LEVELS:
            return self.county_level_on(region.pk, on)
        return []

    def within(self, division: Division, region: Division) -> bool:
        """Is ``division`` the region itself or below it in the parent chain?"""
        current: Division | None = division
        while current is not None:
            if current.pk == region.pk:
                return True
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return False

    def ids_within(self, region: Division, on: dt.date) -> frozenset[int]:
        """Ids of every division (past or present) whose territory lies in ``region`` on
        ``on``. Only the region's descendants and their predecessors can: the search starts
        there instead of at every division of the country."""
        key = (region.pk, on)
        with self._lock:
            found = self._within.get(key)
        if found is not None:
            return found
        candidates = {region.pk}
        stack = [region.pk]
        while stack:
            pk = stack.pop()
            for following in [*(d.pk for d in self.children(pk)), *self.predecessors(pk)]:
                if following not in candidates:
                    candidates.add(following)
                    stack.append(following)
        found = frozenset(pk for pk in candidates if self.within(self.holder(pk, on), region))
        with self._lock:  # the index is shared by the threads of a process
            self._within[key] = found
            while len(self._within) > _WITHIN_CACHE_SIZE:
                self._within.popitem(last=False)
        return found

    def grouping(self, region: Division, on: dt.date) -> RegionGrouping:
        """The district rows of ``region`` on ``on`` and the row every division of its
        territory counts in: computed once per region and date, then reused by every
        statistic of this index (bounded like ``ids_within``)."""
        key = (region.pk, on)
        with self._lock:
            found = self._groupings.get(key)
        if found is not None:
            return found
        districts = self.districts_on(region, on)
        if not districts and region.level in COUNTY_LEVELS:
            districts = [region]
        rows = {d.pk for d in districts}
        row_of: dict[int, tuple[int, bool]] = {}
        for pk in self.ids_within(region, on):
            holder, through_ancestor = self.resolve(pk, on)
            current: Division | None = holder
            while current is not None and current.pk not in rows:
                current = self.by_id.get(current.parent_id) if current.parent_id else None
            row_of[pk] = (current.pk if current is not None else holder.pk, through_ancestor)
        # Integers from our own table: inlined, the statement needs no bound parameter per
        # division (SQLite caps them; a province has thousands of past and present ids).
        ids_sql = ",".join(str(pk) for pk in sorted(row_of)) or "NULL"
        found = RegionGrouping(districts=districts, row_of=row_of, ids_sql=ids_sql)
        with self._lock:
            self._groupings[key] = found
            while len(self._groupings) > _WITHIN_CACHE_SIZE:
                self._groupings.popitem(last=False)
        return found


@dataclass(frozen=True)
class RegionGrouping:
    """How a region's statistic on a date groups its rows (``DivisionIndex.grouping``).

    ``districts``: the rows of its district table; ``row_of``: for every division (past or
    present) whose territory lies in the region, the id of the district row it counts in
    (the holder's own id when it is in none) and whether it got there through an ancestor
    (ended without a known successor); ``ids_sql``: those division ids as an SQL list."""

    districts: list[Division]
    row_of: dict[int, tuple[int, bool]]
    ids_sql: str


_LOADED: dict[tuple[Any, ...], tuple[float, DivisionIndex]] = {}
# divisions.0007: a row whose token triggers replace on every write to the division table.
_CHANGE_READ = "SELECT token FROM divisions_changetoken WHERE id = 1"


def _change_token(alias: str) -> str | None:
    """The division table's change token on database ``alias`` (one read by primary key),
    or None when the row is missing."""
    with connections[alias].cursor() as cursor:
        cursor.execute(_CHANGE_READ)
        row = cursor.fetchone()
    return str(row[0]) if row else None


# Native aggregates only (the same SQL on SQLite and PostgreSQL), written out: building the
# same query through the ORM took twice as long as running it, on every request that loads
# the index.
_FINGERPRINT_SQL = """SELECT COUNT(id), MAX(id), SUM(id),
    SUM(COALESCE(parent_id, 0) * id), SUM(COALESCE(successor_id, 0) * id),
    SUM((LENGTH(code) + LENGTH(name) + LENGTH(name_en) + LENGTH(level)) * id),
    COUNT(valid_from), COUNT(valid_to),
    MIN(valid_from), MAX(valid_from), MIN(valid_to), MAX(valid_to)
    FROM divisions_division"""


def _fingerprint() -> tuple[Any, ...]:
    """A summary of the division table that changes when rows are added, removed, relinked
    or renamed, and with the earliest and latest dates: one aggregate query of native
    functions instead of loading 7,500 rows. Only the fallback when the change token's row is
    missing: a date changed in the middle of the table is then seen when the index ages out
    (``_INDEX_MAX_AGE``)."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        summary = cursor.fetchone()
    return (connection.alias, connection.settings_dict["NAME"], *summary)


def division_holding(*, code: str, on: dt.date) -> Division:
    division = division_get(code=code)
    return DivisionIndex.load().holder(division.pk, on)


def division_ids_within(*, region: Division, on: dt.date, index: DivisionIndex) -> set[int]:
    """Ids of every division (past or present) whose territory lies in ``region`` on ``on``."""
    return set(index.ids_within(region, on))


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
