"""Progress of targets (``targets.series``, one read per kind of record) against the walk it
replaced: ``metric_value`` (the pages' statistics) on every candidate date.

Over the synthetic registry (``bench.synthetic``: at ``--scale 1`` 20,000 organizations
nationally, events from 2007 to 2025), Beijing gets the demo's targets (10 agencies in the
2010 plan's ten districts, 16 districts covered by 2012, 100 agencies by 2015) and one
target never met (a million agencies by 2025), which walks every candidate date. Cases:

- the targets list of Beijing on a date (``targets_with_progress``);
- the unmet target alone (``target_with_progress``) and its page's curve.

The baseline is the old code, kept here: the dates from one ``DISTINCT`` query per column,
then ``metric_value`` per date up to the first met, the actual on the date and on the plan's
start; for the page, that and the curve's 25 dates each read by ``metric_value``. Both sides
must give the same progress and curve, else the run fails. Query counts of both sides are
printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection

from bench import synthetic
from bench.harness import BenchmarkError, Context, Report, Row, compare
from shuniu.demo.dataset import PLAN_2010_SCOPE

NAME = "targets_progress"
REGION = "110000"
LIST_DATES = (dt.date(2010, 12, 31), dt.date(2016, 12, 31))
UNMET_ON = dt.date(2024, 12, 31)
# The fast path must be at least this much faster than the walk (subject/baseline).
RATIO_LIMIT = 0.5


def _targets() -> dict[str, Any]:
    from shuniu.core.actors import cli_actor
    from shuniu.divisions.models import Division
    from shuniu.targets.services import policy_document_record, target_record

    actor = cli_actor("bench")
    beijing = Division.objects.get(code=REGION)
    plan = policy_document_record(
        actor=actor, title="基准测试规划", region=beijing, issued_on=dt.date(2010, 1, 1)
    )
    specs: list[tuple[str, str, int, dt.date, tuple[str, ...]]] = [
        ("2010 plan", "organizations", 10, dt.date(2010, 12, 31), PLAN_2010_SCOPE),
        ("coverage", "districts_covered", 16, dt.date(2012, 12, 31), ()),
        ("2015 plan", "organizations", 100, dt.date(2015, 12, 31), ()),
        ("unmet", "organizations", 1_000_000, dt.date(2025, 12, 31), ()),
    ]
    return {
        name: target_record(
            actor=actor,
            document=plan,
            region=beijing,
            metric=metric,
            kind="agency",
            value=value,
            due_on=due_on,
            scope=[Division.objects.get(code=c) for c in scope],
        )
        for name, metric, value, due_on, scope in specs
    }


# -- the old walk (the baseline) ----------------------------------------------------------


def _distinct(*columns: Iterable[dt.date | None]) -> set[dt.date]:
    return {d for column in columns for d in column if d is not None}


def old_candidate_dates(target: Any, until: dt.date, index: Any) -> list[dt.date]:
    """The candidate dates as the old code read them: one DISTINCT query per column."""
    from shuniu.divisions.selectors import division_ids_within
    from shuniu.procurement.models import Contract, Evaluation, Post
    from shuniu.registry.models import OrganizationPeriod
    from shuniu.workforce.models import Certificate, Placement

    ids = sorted(division_ids_within(region=target.region, on=until, index=index))
    metric = target.metric
    dates = {
        day
        for pk in ids
        for day in (index.by_id[pk].valid_from, index.by_id[pk].valid_to)
        if day is not None
    }
    if metric in ("organizations", "districts_covered"):
        periods = OrganizationPeriod.objects.filter(division_id__in=ids)
        if target.kind:
            periods = periods.filter(kind=target.kind)
        dates |= _distinct(
            periods.values_list("start", flat=True).distinct(),
            periods.values_list("end", flat=True).distinct(),
        )
    elif metric == "certified_workers":
        certificates = Certificate.objects.filter(registered_division_id__in=ids)
        dates |= _distinct(
            certificates.values_list("issued_on", flat=True).distinct(),
            certificates.values_list("revoked_on", flat=True).distinct(),
        )
    elif metric == "programme_placements":
        dates |= _distinct(
            Placement.objects.filter(division_id__in=ids)
            .values_list("starts_on", flat=True)
            .distinct()
        )
    else:
        contracts = Contract.objects.filter(purchase__region_id__in=ids)
        dates |= _distinct(contracts.values_list("signed_on", flat=True).distinct())
        if metric == "posts_funded":
            dates |= _distinct(
                contracts.values_list("starts_on", flat=True).distinct(),
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
        if metric == "suppliers_good_share":
            dates |= _distinct(
                Evaluation.objects.filter(contract__purchase__region_id__in=ids)
                .values_list("completed_on", flat=True)
                .distinct()
            )
    return sorted(d for d in dates if d <= until)


def _or_zero(target: Any, on: dt.date, index: Any) -> Decimal:
    from shuniu.core.errors import ValidationError
    from shuniu.targets.progress import actual_on

    try:
        return actual_on(target, on, index)
    except ValidationError:
        return Decimal(0)


def old_progress(target: Any, as_of: dt.date, index: Any) -> tuple[Any, ...]:
    """The old ``target_progress``: ``metric_value`` per candidate date."""
    from shuniu.targets.progress import _pace, actual_on, plan_start

    actual = actual_on(target, as_of, index)
    met_on = next(
        (
            day
            for day in old_candidate_dates(target, as_of, index)
            if _or_zero(target, day, index) >= target.value
        ),
        None,
    )
    start = plan_start(target)
    baseline = _or_zero(target, start, index) if start < as_of else actual
    return actual, met_on, _pace(target, start, baseline, as_of)


def old_list(targets: list[Any], as_of: dt.date, index: Any) -> list[tuple[Any, ...]]:
    return [old_progress(t, as_of, index) for t in targets]


def old_page(target: Any, as_of: dt.date, index: Any, points: int = 24) -> list[Any]:
    """What the target's page read before: its progress, then the curve date by date."""
    from shuniu.targets.progress import CurvePoint, _pace, plan_start

    old_progress(target, as_of, index)
    start = plan_start(target)
    end = max(target.due_on, as_of)
    baseline = _or_zero(target, start, index)
    span = (end - start).days
    days = sorted({start + dt.timedelta(days=span * i // points) for i in range(points + 1)})
    return [
        CurvePoint(
            on=day, actual=_or_zero(target, day, index), pace=_pace(target, start, baseline, day)
        )
        for day in days
    ]


# -- the fast path (the subject) ------------------------------------------------------------


def new_list(as_of: dt.date, index: Any) -> list[tuple[Any, ...]]:
    from shuniu.targets.selectors import targets_with_progress

    return [
        (i.progress.actual, i.progress.first_met_on, i.progress.pace_expected)
        for i in targets_with_progress(region_code=REGION, as_of=as_of, index=index)
    ]


def new_one(pk: int, as_of: dt.date, index: Any) -> tuple[Any, ...]:
    from shuniu.targets.selectors import target_with_progress

    p = target_with_progress(pk=pk, as_of=as_of, index=index).progress
    return p.actual, p.first_met_on, p.pace_expected


def new_page(pk: int, as_of: dt.date, index: Any) -> list[Any]:
    """What the target's page reads: its progress, then the curve from the same records."""
    from shuniu.targets.progress import target_curve
    from shuniu.targets.selectors import target_with_progress

    item = target_with_progress(pk=pk, as_of=as_of, index=index)
    return target_curve(target=item.target, as_of=as_of, index=index, series=item.series)


def queries(fn: Callable[[], Any]) -> int:
    """Statements ``fn`` runs (counted as they go: the query log keeps only 9,000)."""
    count = 0

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        fn()
    return count


def run(ctx: Context) -> Report:
    from shuniu.divisions.selectors import DivisionIndex
    from shuniu.targets.models import Target

    synthetic.dataset(ctx)
    made = ctx.shared.get(NAME) or ctx.shared.setdefault(NAME, _targets())
    index = DivisionIndex.load()
    ordered = list(
        Target.objects.filter(pk__in=[t.pk for t in made.values()])
        .select_related("region", "document")
        .prefetch_related("scope")
        .order_by("due_on", "id")
    )
    unmet = next(t for t in ordered if t.pk == made["unmet"].pk)
    report = Report(
        name=NAME,
        title=f"Targets' progress: one read per kind of record vs metric_value per date "
        f"({len(ordered)} Beijing targets)",
        subject="series",
        baseline="per-date walk",
        target=f"series/walk ≤ {RATIO_LIMIT:g} on every case",
        notes=[
            "rows: candidate dates up to the date, all targets (the walk reads them up to the "
            "first met; the page's case adds the curve's 25 dates)",
            "queries: series / walk, for one call",
            f"scale {ctx.scale:g} (--scale 0.1 for a quick run)",
        ],
    )
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], list[Any]]] = [
        (
            f"list {REGION} {on.isoformat()}",
            partial(new_list, on, index),
            partial(old_list, ordered, on, index),
            [(t, on) for t in ordered],
        )
        for on in LIST_DATES
    ]
    cases.append(
        (
            f"unmet target {UNMET_ON.isoformat()}",
            partial(new_one, unmet.pk, UNMET_ON, index),
            partial(old_progress, unmet, UNMET_ON, index),
            [(unmet, UNMET_ON)],
        )
    )
    cases.append(
        (
            f"unmet target's page {UNMET_ON.isoformat()}",
            partial(new_page, unmet.pk, UNMET_ON, index),
            partial(old_page, unmet, UNMET_ON, index),
            [(unmet, UNMET_ON)],
        )
    )
    for case, subject, baseline, walked in cases:
        pair = compare(subject, baseline, repeat=ctx.repeat)
        if pair.subject != pair.baseline:
            raise BenchmarkError(
                f"{NAME} {case}: the series and the walk disagree\n"
                f"  series: {pair.subject}\n  walk: {pair.baseline}"
            )
        dates = sum(len(old_candidate_dates(t, on, index)) for t, on in walked)
        report.rows.append(
            Row(
                case=case,
                rows=dates,
                subject_s=pair.subject_s,
                baseline_s=pair.baseline_s,
                queries=queries(subject),
                baseline_queries=queries(baseline),
                limit=RATIO_LIMIT,
            )
        )
    return report
