"""The national division table (about 7,500 rows) on the statistics path.

Cases, each against a baseline measured in the same run:
- ``index``: ``DivisionIndex.load()`` as a request gets it (the process cache, checked by
  one fingerprint query) against building it from the table (what every request paid
  before the cache);
- ``stats <region>``: ``organization_stats`` with the cached index against the same call
  on a freshly built index with the region's division ids found by walking every division
  of the country (the way it was done before the national table: a holder for each of the
  7,500 divisions). Both must give the same figures.
The organizations are the synthetic registry of the other benchmarks (three cities).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare

NAME = "divisions_index"
REGIONS = ("110000", "440300", "440000", "440100")
AS_OF = dt.date(2016, 6, 30)
RATIO_LIMIT = 0.5


def _cached_index() -> Any:
    from shuniu.divisions.selectors import DivisionIndex

    return DivisionIndex.load()


def _fresh_index() -> Any:
    from shuniu.divisions.models import Division
    from shuniu.divisions.selectors import DivisionIndex

    return DivisionIndex.build(Division.objects.all())


def _figures(stats: Any) -> tuple[Any, ...]:
    return (stats.total, stats.under_ancestor, tuple(stats.by_district))


def _stats_cached(region: str) -> tuple[Any, ...]:
    from shuniu.stats.selectors import organization_stats

    return _figures(organization_stats(region_code=region, as_of=AS_OF))


def _stats_walking_every_division(region: str) -> tuple[Any, ...]:
    from shuniu.stats.selectors import organization_stats

    index = _fresh_index()
    # Before: the region's ids from a holder of every division of the country.
    region_division = index.code_on(region, AS_OF)
    everything = frozenset(
        pk for pk in index.by_id if index.within(index.holder(pk, AS_OF), region_division)
    )
    index._within[(region_division.pk, AS_OF)] = everything
    return _figures(organization_stats(region_code=region, as_of=AS_OF, index=index))


def run(ctx: Context) -> Report:
    report = Report(
        name=NAME,
        title="DivisionIndex and organization_stats on the national division table",
        subject="cached index",
        baseline="rebuilt per call",
        target=f"cached/rebuilt ≤ {RATIO_LIMIT:g} on every case",
    )
    synthetic.dataset(ctx)
    from shuniu.divisions.models import Division

    report.notes.append(f"divisions stored: {Division.objects.count():,}; as of {AS_OF}")
    pair = compare(_cached_index, _fresh_index, repeat=ctx.repeat)
    if len(pair.subject.by_id) != len(pair.baseline.by_id):
        raise BenchmarkError(f"{NAME}: the cached index and the table disagree")
    report.rows.append(
        Row(
            case="index",
            rows=len(pair.subject.by_id),
            subject_s=pair.subject_s,
            baseline_s=pair.baseline_s,
            limit=RATIO_LIMIT,
        )
    )
    for region in REGIONS:
        pair = compare(
            partial(_stats_cached, region),
            partial(_stats_walking_every_division, region),
            repeat=ctx.repeat,
        )
        if pair.subject != pair.baseline:
            raise BenchmarkError(
                f"{NAME} {region}: cached and rebuilt disagree\n"
                f"  cached: {pair.subject}\n  rebuilt: {pair.baseline}"
            )
        report.rows.append(
            Row(
                case=f"stats {region}",
                rows=pair.subject[0],
                subject_s=pair.subject_s,
                baseline_s=pair.baseline_s,
                limit=RATIO_LIMIT,
            )
        )
    return report
