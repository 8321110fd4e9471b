"""The sector report of a region as of a date (issue 9, point 3): every section assembled from
the existing selectors, so the report says exactly what the pages, the API and the CLI say.

The report is about social-work agencies (the survey's subject): the organization figures
count kind ``agency``. Everything here is public statistics: names of organizations, counts
and amounts, never a person. The narrative is made from it in ``stats.narrative``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shuniu.core.errors import NotFound, ValidationError
from shuniu.core.validation import date_problem
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.figures import PurchasingStats, purchasing_stats
from shuniu.registry.models import Kind
from shuniu.registry.selectors import (
    HubMembers,
    SupportFigure,
    hubs_leading,
    organizations_existing_on,
    support_received,
)
from shuniu.stats.operating import OperatingProfile, operating_profile
from shuniu.stats.selectors import (
    FormationCount,
    OrganizationStats,
    PublishedRef,
    RegionRef,
    SeriesPoint,
    WorkforceStats,
    _region,
    organization_published_comparison,
    organization_series,
    organization_stats,
    workforce_stats,
)
from shuniu.targets.models import Metric
from shuniu.targets.progress import State, first_record_on
from shuniu.targets.published import published_figures_for
from shuniu.targets.selectors import (
    AT_LEAST,
    AT_MOST,
    TargetWithProgress,
    check_records_date,
    targets_with_progress,
)

# The organizations the report counts.
REPORT_KIND = Kind.AGENCY.value


@dataclass(frozen=True)
class KeyFigure:
    """A computed figure beside the figure a source published for the same question (when
    one did). ``agrees``: equal, or within the published bound ("over 20"); ``None`` when
    there is nothing to compare or the figure is "about" a number."""

    metric: str
    computed: int | None
    published: Decimal | None = None
    qualifier: str = ""
    published_on: dt.date | None = None
    source: str = ""
    agrees: bool | None = None


@dataclass(frozen=True)
class GrowthPoint:
    as_of: dt.date
    total: int
    registered: int
    registering: int
    districts_covered: int
    districts_total: int
    published: Decimal | None  # the organizations figure published for that date, if any


@dataclass(frozen=True)
class HubSection:
    hubs: list[HubMembers]
    led: int  # agencies led by a hub on the date
    agencies: int


@dataclass(frozen=True)
class SupportSection:
    by_kind: list[SupportFigure]
    receivers: int  # agencies that received any support by the date
    agencies: int

    @property
    def amount_yuan(self) -> Decimal:
        return sum((s.amount_yuan for s in self.by_kind), Decimal(0))

    @property
    def records(self) -> int:
        return sum(s.records for s in self.by_kind)


@dataclass(frozen=True)
class SectorReport:
    region: RegionRef
    as_of: dt.date
    first_record: dt.date
    organizations: OrganizationStats  # agencies on the date: districts, formations, status
    key_figures: list[KeyFigure]
    growth: list[GrowthPoint]
    hubs: HubSection
    support: SupportSection
    workforce: WorkforceStats
    purchasing: PurchasingStats
    targets: list[TargetWithProgress]
    operating: OperatingProfile

    @property
    def formations(self) -> list[FormationCount]:
        return self.organizations.by_formation

    @property
    def targets_met(self) -> int:
        return sum(1 for t in self.targets if t.progress.state == State.MET)


def _agrees(computed: int | None, published: Decimal, qualifier: str) -> bool | None:
    if computed is None:
        return None
    qualifier = qualifier.strip().lower()
    if qualifier in AT_LEAST:
        return computed >= published
    if qualifier in AT_MOST:
        return computed <= published
    if qualifier:  # "about N": no rule says how far is still about
        return None
    return computed == published


def _workforce_computed(ref: PublishedRef, workforce: WorkforceStats) -> int | None:
    """The number computed from the records for a published workforce figure (``None``: the
    records hold no counterpart, e.g. graduates per year of a year without cohorts)."""
    pipeline = workforce.pipeline
    if ref.metric == Metric.CERTIFIED_WORKERS:
        return workforce.certified_total
    if ref.metric == Metric.UNIVERSITIES:
        return pipeline.universities
    if ref.metric == Metric.PROGRAMME_PLACEMENTS:
        return pipeline.placed
    if ref.metric == Metric.GRADUATES_PER_YEAR and pipeline.graduates_by_year:
        return pipeline.graduates_by_year[-1].graduates
    return None


def _key_figures(organizations: OrganizationStats, workforce: WorkforceStats) -> list[KeyFigure]:
    published = {c.metric: c for c in organization_published_comparison(organizations)}
    figures = []
    for metric, computed in (
        (Metric.ORGANIZATIONS.value, organizations.total),
        (Metric.DISTRICTS_COVERED.value, organizations.districts_covered),
    ):
        comparison = published.get(metric)
        if comparison is None:
            figures.append(KeyFigure(metric=metric, computed=computed))
            continue
        figures.append(
            KeyFigure(
                metric=metric,
                computed=computed,
                published=comparison.published,
                qualifier=comparison.qualifier,
                published_on=organizations.as_of,
                source=comparison.source,
                agrees=_agrees(computed, comparison.published, comparison.qualifier),
            )
        )
    refs = {ref.metric: ref for ref in workforce.published}
    if Metric.CERTIFIED_WORKERS not in refs:
        figures.append(
            KeyFigure(metric=Metric.CERTIFIED_WORKERS.value, computed=workforce.certified_total)
        )
    for ref in workforce.published:
        counted = _workforce_computed(ref, workforce)
        value = Decimal(str(ref.value))
        figures.append(
            KeyFigure(
                metric=ref.metric,
                computed=counted,
                published=value,
                qualifier=ref.qualifier,
                published_on=ref.as_of,
                source=ref.source,
                agrees=_agrees(counted, value, ref.qualifier),
            )
        )
    return figures


def _growth(points: list[SeriesPoint], region_code: str) -> list[GrowthPoint]:
    growth = []
    for point in points:
        published = published_figures_for(
            region_code=region_code,
            as_of=point.as_of,
            kind=REPORT_KIND,
            metrics=(Metric.ORGANIZATIONS,),
        )
        growth.append(
            GrowthPoint(
                as_of=point.as_of,
                total=point.total,
                registered=point.by_status.get("registered", 0),
                registering=point.by_status.get("registering", 0),
                districts_covered=point.districts_covered,
                districts_total=point.districts_total,
                published=published[0].value if published and not published[0].qualifier else None,
            )
        )
    return growth


def _from_last_zero(points: list[SeriesPoint]) -> list[SeriesPoint]:
    """The years before the first agency say nothing: keep the last of them, where the
    growth starts from zero."""
    first = next((i for i, p in enumerate(points) if p.total > 0), len(points))
    return points[max(first - 1, 0) :]


def sector_report(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> SectorReport:
    """The report of ``region_code`` as of ``as_of`` (see the module's docstring).

    Unknown region: ``NotFound``; a date outside the platform's range, a region that did not
    exist on the date, or a date before the region's first record: ``ValidationError`` naming
    the field (the validators', the statistics' and the targets' own errors)."""
    problem = date_problem(as_of)
    if problem:
        raise ValidationError({"as_of": problem})
    index = index or DivisionIndex.load()
    region = _region(index, region_code, as_of)
    check_records_date(region, as_of, index)
    first = first_record_on(region, index)
    if first is None:  # check_records_date has refused the date already
        raise NotFound(region_code)
    organizations = organization_stats(
        region_code=region_code, as_of=as_of, kind=REPORT_KIND, index=index
    )
    series = organization_series(
        region_code=region_code,
        start=max(dt.date(first.year, 1, 1), region.valid_from or first),
        end=as_of,
        kind=REPORT_KIND,
    )
    workforce = workforce_stats(region_code=region_code, as_of=as_of, index=index)
    agency_ids = list(
        organizations_existing_on(region=region, as_of=as_of, kind=REPORT_KIND, index=index)
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
    )
    hubs = hubs_leading(organization_ids=agency_ids, as_of=as_of)
    support = support_received(organization_ids=agency_ids, as_of=as_of)
    return SectorReport(
        region=organizations.region,
        as_of=as_of,
        first_record=first,
        organizations=organizations,
        key_figures=_key_figures(organizations, workforce),
        growth=_growth(_from_last_zero(series.points), region_code),
        hubs=HubSection(hubs=hubs, led=sum(len(h.members) for h in hubs), agencies=len(agency_ids)),
        support=SupportSection(
            by_kind=support.by_kind, receivers=support.receivers, agencies=len(agency_ids)
        ),
        workforce=workforce,
        purchasing=purchasing_stats(region_code=region_code, as_of=as_of, index=index),
        targets=targets_with_progress(region_code=region_code, as_of=as_of, index=index),
        operating=operating_profile(region_code=region_code, as_of=as_of, index=index),
    )
