"""A target's statistic on many dates from one read per metric (the fast path of progress).

``targets.progress.metric_value`` asks the pages' statistics for one date: a few queries
each. Progress needs the value on every date the statistic may change (to find the date
first met) and on the curve's dates, so asking per date cost hundreds of queries for an
unmet target. Here the records the statistic reads are fetched once, as dated changes
(an organization period starts or ends, a certificate is issued or revoked, a placement
begins, a contract is signed, a post term starts or ends, an evaluation is completed), and
the value on each asked date is computed in Python from running counts, with exactly the
rules of the statistics:

- the region must exist on the date (else ``None``: the statistic would refuse the date);
- a record counts in the region when the division holding its division's territory on the
  date lies in the region (``division_ids_within``), and per district under that holder;
- organizations: periods with ``start <= D < end`` of the counted statuses (and kind);
- certified workers: people with a certificate issued by D and not revoked by D, each once
  under the division of their highest (level, division) certificate within the region;
- programme placements: people with a placement in the region begun by D;
- contracted amount: contracts signed by D; posts funded: ``count`` of post rows of ``post``
  purchases signed by D whose term holds D and not terminated by D; the good share: final,
  completed evaluations by D.

Which divisions lie in the region, and what holds what, changes only on the divisions'
``valid_from``/``valid_to`` dates: between two of them (an "epoch") it is computed once.
``tests/targets/test_targets_series.py`` checks every metric against ``metric_value`` on
random dates.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.figures import money
from shuniu.procurement.models import Contract, Evaluation, EvaluationStatus, Kind, Post, Stage
from shuniu.registry.models import OrganizationPeriod, Status
from shuniu.targets.models import Metric
from shuniu.workforce.models import Certificate, Placement

GOOD_GRADES = ("excellent", "good")
HUNDRED = Decimal(100)
PLACES = Decimal("0.01")
ONE_DAY = dt.timedelta(days=1)
# Above this many divisions the records are read without a division filter (and filtered
# here): a long IN list costs more than the rows it saves, and SQLite caps parameters.
_FILTER_LIMIT = 500

ORGANIZATION_METRICS = (Metric.ORGANIZATIONS, Metric.DISTRICTS_COVERED)
PERSON_METRICS = (Metric.CERTIFIED_WORKERS, Metric.PROGRAMME_PLACEMENTS)


# Which records each metric is computed from.
SOURCES: dict[str, str] = {
    Metric.ORGANIZATIONS: "periods",
    Metric.DISTRICTS_COVERED: "periods",
    Metric.CERTIFIED_WORKERS: "certificates",
    Metric.PROGRAMME_PLACEMENTS: "placements",
    Metric.CONTRACTED_AMOUNT: "contracts",
    Metric.POSTS_FUNDED: "posts",
    Metric.SUPPLIERS_GOOD_SHARE: "evaluations",
}


def read_records(source: str, division_ids: set[int]) -> list[tuple[Any, ...]]:
    """One query: the dated records of ``source`` in these divisions (all of them when
    there are many; the series leave out the others)."""
    field, rows = {
        "periods": (
            "division_id",
            OrganizationPeriod.objects.filter(
                status__in=[Status.REGISTERED, Status.REGISTERING]
            ).values_list("division_id", "kind", "status", "start", "end"),
        ),
        "certificates": (
            "registered_division_id",
            Certificate.objects.values_list(
                "person_id", "level", "registered_division_id", "issued_on", "revoked_on"
            ),
        ),
        "placements": (
            "division_id",
            Placement.objects.values_list("person_id", "division_id", "starts_on"),
        ),
        "contracts": (
            "purchase__region_id",
            Contract.objects.values_list("purchase__region_id", "signed_on", "amount"),
        ),
        "posts": (
            "contract__purchase__region_id",
            Post.objects.filter(contract__purchase__kind=Kind.POST).values_list(
                "contract__purchase__region_id",
                "count",
                "contract__signed_on",
                "contract__starts_on",
                "contract__ends_on",
                "contract__terminated_on",
            ),
        ),
        "evaluations": (
            "contract__purchase__region_id",
            Evaluation.objects.filter(
                stage=Stage.FINAL, status=EvaluationStatus.COMPLETED, completed_on__isnull=False
            ).values_list("contract__purchase__region_id", "grade", "completed_on"),
        ),
    }[source]
    if len(division_ids) <= _FILTER_LIMIT:
        rows = rows.filter(**{f"{field}__in": sorted(division_ids)})
    return list(rows.order_by())


def read_together(series: Iterable[MetricSeries]) -> None:
    """Give several series their records with one query per source (a list of targets
    costs the same few queries whatever its length)."""
    by_source: defaultdict[str, list[MetricSeries]] = defaultdict(list)
    for one in series:
        by_source[one.source].append(one)
    for source, group in by_source.items():
        records = read_records(source, set().union(*(one.possible for one in group)))
        for one in group:
            one.use(records)


@dataclass(frozen=True)
class _Epoch:
    valid: bool
    members: dict[int, int]  # division id whose territory lies in the region -> holder id
    districts: list[int]  # the county-level divisions the statistics list, by code
    scope: set[int] | None  # holders of the target's scope (None: the whole region)


class MetricSeries:
    """The value of one catalogue metric for ``region`` (optionally only the districts
    ``scope`` names) on any dates, from one query."""

    def __init__(
        self,
        *,
        region: Division,
        metric: str,
        kind: str,
        index: DivisionIndex,
        scope: Iterable[int] = (),
        include_registering: bool = True,
    ) -> None:
        self.region = index.by_id[region.pk]
        self.metric = metric
        self.kind = kind
        self.index = index
        self.scope = sorted(set(scope))
        self.include_registering = include_registering
        self.possible = self._possible()
        self.boundaries = self._boundaries()
        self._epochs: dict[int, _Epoch] = {}
        if metric not in SOURCES:
            raise ValueError(metric)
        # (date, key, delta): key is (division id, tag) for additive metrics, (person id,
        # (level, division id)) for person metrics. Read when first needed (``use``).
        self._events_cache: list[tuple[dt.date, Any, Any]] | None = None

    # -- divisions ----------------------------------------------------------------------

    def _chain(self, pk: int) -> list[Division]:
        """``pk`` and the successors its territory passes to (what ``holder`` can return)."""
        division = self.index.by_id[pk]
        chain = [division]
        while division.successor_id is not None and division.successor_id in self.index.by_id:
            division = self.index.by_id[division.successor_id]
            if division in chain:
                break
            chain.append(division)
        return chain

    def _possible(self) -> set[int]:
        """Divisions that lie in the region on some date: a member of their chain does."""
        return {
            pk
            for pk in self.index.by_id
            if any(self.index.within(d, self.region) for d in self._chain(pk))
        }

    def _boundaries(self) -> list[dt.date]:
        """The dates on which membership, holders, the district list or the region's own
        existence may change."""
        dates: set[dt.date] = set()
        relevant = {d for pk in (*self.possible, *self.scope) for d in self._chain(pk)}
        for division in relevant:
            dates.update(day for day in (division.valid_from, division.valid_to) if day)
        return sorted(dates)

    def _epoch(self, on: dt.date) -> tuple[int, _Epoch]:
        number = bisect.bisect_right(self.boundaries, on)
        epoch = self._epochs.get(number)
        if epoch is None:
            epoch = self._epochs[number] = self._make_epoch(on)
        return number, epoch

    def _make_epoch(self, on: dt.date) -> _Epoch:
        index, region = self.index, self.region
        members = {}
        for pk in self.possible:
            holder = index.holder(pk, on)
            if index.within(holder, region):
                members[pk] = holder.pk
        districts = (
            index.county_level_on(region.pk, on) if region.level in ("city", "province") else []
        )
        if not districts and region.level in ("district", "county"):
            districts = [region]
        return _Epoch(
            valid=region.is_valid_on(on),
            members=members,
            districts=[d.pk for d in districts],
            scope={index.holder(pk, on).pk for pk in self.scope} if self.scope else None,
        )

    # -- records --------------------------------------------------------------------------

    @property
    def source(self) -> str:
        return SOURCES[self.metric]

    @property
    def events(self) -> list[tuple[dt.date, Any, Any]]:
        if self._events_cache is None:
            self.use(read_records(self.source, self.possible))
        assert self._events_cache is not None
        return self._events_cache

    def use(self, records: Iterable[tuple[Any, ...]]) -> None:
        """Take the source's records (read for this series or for several at once: those
        of divisions outside the region are left out here)."""
        self._events_cache = sorted(self._events(records), key=lambda e: e[0])

    def _events(self, records: Iterable[tuple[Any, ...]]) -> Iterable[tuple[dt.date, Any, Any]]:
        possible, metric = self.possible, self.metric
        if metric in ORGANIZATION_METRICS:
            statuses = {Status.REGISTERED, Status.REGISTERING}
            if not self.include_registering:
                statuses = {Status.REGISTERED}
            for division_id, kind, status, start, end in records:
                if division_id not in possible or status not in statuses:
                    continue
                if self.kind and kind != self.kind:
                    continue
                if end is None or end > start:
                    yield start, (division_id, None), 1
                    if end is not None:
                        yield end, (division_id, None), -1
        elif metric == Metric.CERTIFIED_WORKERS:
            for person_id, level, division_id, issued, revoked in records:
                if division_id in possible and (revoked is None or revoked > issued):
                    yield issued, person_id, ((level, division_id), 1)
                    if revoked is not None:
                        yield revoked, person_id, ((level, division_id), -1)
        elif metric == Metric.PROGRAMME_PLACEMENTS:
            for person_id, division_id, starts in records:
                if division_id in possible:
                    yield starts, person_id, ((0, division_id), 1)
        elif metric == Metric.CONTRACTED_AMOUNT:
            for region_id, signed, amount in records:
                if region_id in possible:
                    yield signed, (region_id, None), amount
        elif metric == Metric.POSTS_FUNDED:
            for region_id, count, signed, starts, ends, terminated in records:
                if region_id not in possible:
                    continue
                # In force from signing and start, up to and including ends_on, until the
                # day it was terminated.
                begins = max(signed, starts)
                stops = ends + ONE_DAY if terminated is None else min(ends + ONE_DAY, terminated)
                if begins < stops:
                    yield begins, (region_id, None), count
                    yield stops, (region_id, None), -count
        else:
            for region_id, grade, completed in records:
                if region_id in possible:
                    yield completed, (region_id, grade), 1

    # -- values ---------------------------------------------------------------------------

    def dates(self, until: dt.date) -> list[dt.date]:
        """Every date up to ``until`` on which the value may change, in order."""
        days = {day for day, _, _ in self.events} | set(self.boundaries)
        return sorted(day for day in days if day <= until)

    def values(self, days: Iterable[dt.date]) -> dict[dt.date, Decimal | None]:
        """The value on each of ``days`` (``None`` where the region did not exist)."""
        wanted = sorted(set(days))
        if self.metric in PERSON_METRICS:
            return self._person_values(wanted)
        return self._additive_values(wanted)

    def value(self, on: dt.date) -> Decimal | None:
        return self.values([on])[on]

    def _additive_values(self, days: list[dt.date]) -> dict[dt.date, Decimal | None]:
        counts: defaultdict[tuple[int, Any], Any] = defaultdict(int)
        result: dict[dt.date, Decimal | None] = {}
        position = 0
        for day in days:
            while position < len(self.events) and self.events[position][0] <= day:
                _, key, delta = self.events[position]
                counts[key] += delta
                position += 1
            _, epoch = self._epoch(day)
            result[day] = self._additive(counts, epoch) if epoch.valid else None
        return result

    def _additive(self, counts: dict[tuple[int, Any], Any], epoch: _Epoch) -> Decimal:
        metric = self.metric
        per_holder: defaultdict[int, Any] = defaultdict(int)
        grades: Counter[str] = Counter()
        total: Any = 0
        for (division_id, tag), n in counts.items():
            holder = epoch.members.get(division_id)
            if holder is None or not n:
                continue
            per_holder[holder] += n
            total += n
            if tag is not None:
                grades[tag] += n
        if metric == Metric.SUPPLIERS_GOOD_SHARE:
            graded = sum(grades.values())
            good = sum(grades[g] for g in GOOD_GRADES)
            return (Decimal(good) * HUNDRED / graded).quantize(PLACES) if graded else Decimal(0)
        if epoch.scope is None:
            if metric == Metric.DISTRICTS_COVERED:
                return Decimal(sum(1 for pk in epoch.districts if per_holder.get(pk, 0) > 0))
            if metric == Metric.CONTRACTED_AMOUNT:
                return money(total)
            return Decimal(total)
        chosen = [per_holder.get(pk, 0) for pk in epoch.districts if pk in epoch.scope]
        if metric == Metric.DISTRICTS_COVERED:
            return Decimal(sum(1 for n in chosen if n > 0))
        if metric == Metric.CONTRACTED_AMOUNT:
            return sum((money(n) for n in chosen), Decimal(0))
        return Decimal(sum(chosen))

    def _person_values(self, days: list[dt.date]) -> dict[dt.date, Decimal | None]:
        # held[person]: the person's records in force, as (level, division id) -> how many;
        # counted[person]: the highest of them within the region, whose division counts.
        held: defaultdict[int, Counter[tuple[int, int]]] = defaultdict(Counter)
        counted: dict[int, tuple[int, int]] = {}
        per_division: Counter[int] = Counter()
        result: dict[dt.date, Decimal | None] = {}
        current: int | None = None
        epoch: _Epoch | None = None
        position = 0

        def recount(person: int, members: dict[int, int]) -> None:
            old = counted.pop(person, None)
            if old is not None:
                per_division[old[1]] -= 1
            keys = [k for k, n in held[person].items() if n > 0 and k[1] in members]
            if keys:
                best = max(keys)
                counted[person] = best
                per_division[best[1]] += 1

        for day in days:
            number, new_epoch = self._epoch(day)
            changed = number != current
            touched: set[int] = set()
            while position < len(self.events) and self.events[position][0] <= day:
                _, person, (key, delta) = self.events[position]
                held[person][key] += delta
                touched.add(person)
                position += 1
            if changed:
                current, epoch = number, new_epoch
                counted.clear()
                per_division.clear()
                touched = set(held)
            assert epoch is not None
            for person in touched:
                recount(person, epoch.members)
            if not epoch.valid:
                result[day] = None
                continue
            if epoch.scope is None or self.metric != Metric.CERTIFIED_WORKERS:
                # Placements are counted for the whole region (not a scoped metric).
                result[day] = Decimal(sum(per_division.values()))
            else:
                result[day] = Decimal(
                    sum(n for pk, n in per_division.items() if epoch.members.get(pk) in epoch.scope)
                )
        return result
