"""The sector report as sections of tables, in the active language: what the HTML (page,
file, PDF) prints and what the XLSX writes, one sheet per section, so no format can say
something another does not. Numbers stay numbers (int, Decimal); dates stay dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from shuniu.procurement.models import EvaluationGrade, Method
from shuniu.procurement.models import Kind as PurchaseKind
from shuniu.registry.models import AssociationLevel, SupportKind
from shuniu.stats.narrative import sector_narrative
from shuniu.stats.report import SectorReport
from shuniu.targets.models import Metric
from shuniu.web.names import english, place_name
from shuniu.web.views.charts import formation_label
from shuniu.web.views.stats import QUALIFIERS
from shuniu.web.views.targets import state_label
from shuniu.workforce.models import LEVEL_KEYS

Value = str | int | Decimal | dt.date | None
SHARE = Decimal("0.0001")


class Share(Decimal):
    """A part of a whole, 0..1: printed as a percentage, written to XLSX as one."""


@dataclass(frozen=True)
class ReportTable:
    caption: str
    headers: list[str]
    rows: list[list[Any]]  # Value cells (mypy cannot check mixed rows of literals)


@dataclass(frozen=True)
class ReportSection:
    key: str  # also the anchor of the section in the HTML
    title: str
    tables: list[ReportTable] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def _row(*cells: Value) -> list[Value]:
    return list(cells)


def _share(part: int, whole: int) -> Share | None:
    return Share((Decimal(part) / Decimal(whole)).quantize(SHARE)) if whole else None


def _metric(metric: str) -> str:
    return capfirst(str(Metric(metric).label)) if metric in Metric.values else metric


def _qualified(value: Decimal | None, qualifier: str) -> Value:
    if value is None:
        return None
    number: int | Decimal = int(value) if value == value.to_integral_value() else value
    if not qualifier:
        return number
    template = QUALIFIERS.get(qualifier.strip().lower())
    shown = number_format(number, force_grouping=True)
    return str(template) % {"value": shown} if template else f"{qualifier} {shown}"


def _agreement(agrees: bool | None) -> str:
    if agrees is None:
        return "—"
    return _("agrees") if agrees else _("differs")


def report_sections(report: SectorReport) -> list[ReportSection]:
    """Every section of the report, in order (see the module's docstring)."""
    orgs = report.organizations
    region_name = report.region.name
    return [
        ReportSection(
            key="cover",
            title=_("Cover"),
            tables=[
                ReportTable(
                    caption=_("The report"),
                    headers=[_("Item"), _("Value")],
                    rows=[
                        [_("Region"), f"{region_name} ({report.region.code})"],
                        [_("English name"), report.region.name_en],
                        [_("As of"), report.as_of],
                        [_("First record"), report.first_record],
                        [_("Organizations counted"), _("social-work agencies")],
                    ],
                )
            ],
        ),
        ReportSection(key="narrative", title=_("Summary"), paragraphs=sector_narrative(report)),
        ReportSection(
            key="key-figures",
            title=_("Key figures"),
            tables=[
                ReportTable(
                    caption=_("Computed from the records, beside the published figures"),
                    headers=[
                        _("Figure"),
                        _("Computed"),
                        _("Published"),
                        _("Published as of"),
                        _("Agreement"),
                        _("Source"),
                    ],
                    rows=[
                        [
                            _("Social-work agencies")
                            if f.metric == Metric.ORGANIZATIONS
                            else _metric(f.metric),
                            f.computed,
                            _qualified(f.published, f.qualifier),
                            f.published_on,
                            _agreement(f.agrees),
                            f.source,
                        ]
                        for f in report.key_figures
                    ],
                )
            ],
        ),
        ReportSection(
            key="growth",
            title=_("Growth by year"),
            tables=[
                ReportTable(
                    caption=_("Agencies at each year end (and on the report's date)"),
                    headers=[
                        _("Date"),
                        _("Total"),
                        _("Registered"),
                        _("Registering"),
                        _("Districts covered"),
                        _("Districts total"),
                        _("Published"),
                    ],
                    rows=[
                        [
                            p.as_of,
                            p.total,
                            p.registered,
                            p.registering,
                            p.districts_covered,
                            p.districts_total,
                            None if p.published is None else int(p.published),
                        ]
                        for p in report.growth
                    ],
                )
            ],
        ),
        ReportSection(
            key="districts",
            title=_("Districts and coverage"),
            paragraphs=[
                _("%(covered)s of %(total)s districts have at least one agency.")
                % {"covered": orgs.districts_covered, "total": orgs.districts_total}
            ]
            if orgs.districts_total
            else [],
            tables=[
                ReportTable(
                    caption=_("Agencies per district"),
                    headers=[_("Code"), _("District"), _("Agencies"), _("Share")],
                    rows=[
                        _row(
                            d.code,
                            d.name_en if english() else d.name,
                            d.count,
                            _share(d.count, orgs.total),
                        )
                        for d in orgs.by_district
                    ],
                )
            ],
        ),
        ReportSection(
            key="formations",
            title=_("Formation paths"),
            tables=[
                ReportTable(
                    caption=_("Agencies by the way they were formed"),
                    headers=[_("Formation"), _("Agencies"), _("Share")],
                    rows=[
                        [
                            capfirst(formation_label(f.formation)),
                            f.count,
                            _share(f.count, orgs.total),
                        ]
                        for f in report.formations
                    ],
                )
            ],
        ),
        ReportSection(
            key="hubs",
            title=_("Hubs and the agencies they lead"),
            paragraphs=[
                _("%(led)s of %(agencies)s agencies were led by a hub organization.")
                % {"led": report.hubs.led, "agencies": report.hubs.agencies}
            ],
            tables=[
                ReportTable(
                    caption=_("Hub organizations"),
                    headers=[_("Hub"), _("Level"), _("Agencies led"), _("Agencies")],
                    rows=[
                        [
                            h.name,
                            capfirst(str(AssociationLevel(h.association_level).label))
                            if h.association_level in AssociationLevel.values
                            else "",
                            len(h.members),
                            (", " if english() else "、").join(h.members),
                        ]
                        for h in report.hubs.hubs
                    ],
                )
            ],
        ),
        ReportSection(
            key="support",
            title=_("Support received"),
            paragraphs=[
                _("%(receivers)s of %(agencies)s agencies had received support by the date.")
                % {"receivers": report.support.receivers, "agencies": report.support.agencies}
            ],
            tables=[
                ReportTable(
                    caption=_("Support received by the agencies, by kind"),
                    headers=[
                        _("Kind of support"),
                        _("Records"),
                        _("Agencies"),
                        _("Amount (yuan)"),
                        _("Area (m²)"),
                    ],
                    rows=[
                        [
                            capfirst(str(SupportKind(s.kind).label)),
                            s.records,
                            s.receivers,
                            s.amount_yuan,
                            s.area_m2,
                        ]
                        for s in report.support.by_kind
                    ],
                )
            ],
        ),
        _operating(report),
        _workforce(report),
        _purchasing(report),
        ReportSection(
            key="targets",
            title=_("Targets and their state"),
            tables=[
                ReportTable(
                    caption=_("Targets set for the region, with their progress on the date"),
                    headers=[
                        _("Figure"),
                        _("Region"),
                        _("Target"),
                        _("Due on"),
                        _("Actual"),
                        _("Per cent"),
                        _("State"),
                        _("Plan"),
                    ],
                    rows=[
                        [
                            _metric(t.target.metric),
                            place_name(t.target.region),
                            _plain(t.target.value),
                            t.target.due_on,
                            _plain(t.progress.actual),
                            t.progress.percent,
                            state_label(t.progress.state),
                            t.target.document.title if t.target.document else "",
                        ]
                        for t in report.targets
                    ],
                )
            ],
        ),
    ]


def _plain(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


def _workforce(report: SectorReport) -> ReportSection:
    workforce = report.workforce
    pipeline = workforce.pipeline
    levels = {v: k for k, v in LEVEL_KEYS.items()}
    return ReportSection(
        key="workforce",
        title=_("Workforce and pipeline"),
        tables=[
            ReportTable(
                caption=_("Certified social workers"),
                headers=[_("Figure"), _("People")],
                rows=[
                    [_("Certified, total"), workforce.certified_total],
                    *[
                        [capfirst(str(levels[key].label)), count]
                        for key, count in workforce.by_level.items()
                    ],
                    [_("Certified and employed by an agency"), workforce.employed_by_agencies],
                    [_("Certified and employed in the sector"), workforce.employed_in_sector],
                    [_("Agency staff (certified or not)"), workforce.agency_staff],
                ],
            ),
            ReportTable(
                caption=_("The pipeline"),
                headers=[_("Stage"), _("People")],
                rows=[
                    [_("Universities with graduates"), pipeline.universities],
                    [_("Graduates, all years"), pipeline.graduates],
                    [_("Placed by programmes"), pipeline.placed],
                    [_("Placed and certified"), pipeline.placed_certified],
                    [_("Certified"), pipeline.certified],
                    [_("Employed in the sector"), pipeline.employed_in_sector],
                ],
            ),
            ReportTable(
                caption=_("Graduates by year"),
                headers=[_("Year"), _("Graduates")],
                rows=[[str(y.year), y.graduates] for y in pipeline.graduates_by_year],
            ),
        ],
    )


def _purchasing(report: SectorReport) -> ReportSection:
    p = report.purchasing
    return ReportSection(
        key="purchasing",
        title=_("Purchasing"),
        tables=[
            ReportTable(
                caption=_("Purchases contracted by the date"),
                headers=[_("Figure"), _("Value")],
                rows=[
                    *[[capfirst(str(PurchaseKind(k).label)), n] for k, n in p.purchases.items()],
                    [_("Contracted amount (yuan)"), p.contracted_amount],
                    [_("Paid amount (yuan)"), p.paid_amount],
                    [_("Posts funded"), p.posts_funded],
                    [_("Posts filled"), p.posts_filled],
                    *[
                        [_("Final evaluations: %(grade)s") % {"grade": EvaluationGrade(g).label}, n]
                        for g, n in p.by_grade.items()
                    ],
                ],
            ),
            ReportTable(
                caption=_("By year of signing"),
                headers=[_("Year"), _("Purchases"), _("Contracted amount (yuan)")],
                rows=[[str(y.year), y.purchases, y.contracted_amount] for y in p.by_year],
            ),
            ReportTable(
                caption=_("By method"),
                headers=[_("Method"), _("Purchases"), _("Contracted amount (yuan)")],
                rows=[
                    [capfirst(str(Method(m.method).label)), m.purchases, m.contracted_amount]
                    for m in p.by_method
                    if m.purchases
                ],
            ),
        ],
    )


def _operating(report: SectorReport) -> ReportSection:
    """The operating model (``stats.operating``): ratios and shares that set the region
    beside the other cities (the comparison page shows the three side by side)."""
    o = report.operating

    def share(value: Decimal | None) -> Share | None:
        return None if value is None else Share(value)

    census = (
        _("Residents (census %(year)s)") % {"year": o.population_census}
        if o.population_census
        else _("Residents")
    )
    return ReportSection(
        key="operating",
        title=_("Operating model"),
        tables=[
            ReportTable(
                caption=_("Ratios"),
                headers=[_("Figure"), _("Value")],
                rows=[
                    [_("Agencies"), o.agencies],
                    [_("Agencies per district"), o.agencies_per_district],
                    [census, o.population],
                    [_("Agencies per 10,000 residents"), o.agencies_per_10k],
                    [_("Certified workers per agency"), o.certified_per_agency],
                    [_("Support received per agency (yuan)"), o.support_per_agency],
                    [_("Led by a hub"), share(o.hub_led.share)],
                ],
            ),
            ReportTable(
                caption=_("Shares"),
                headers=[_("Group"), _("Item"), _("Count"), _("Share")],
                rows=[
                    *[
                        [_("Formation path"), capfirst(f.label), f.count, share(f.share)]
                        for f in o.formations
                        if f.count
                    ],
                    *[
                        [_("Hub level"), capfirst(h.label), h.count, share(h.share)]
                        for h in o.hub_levels
                        if h.count
                    ],
                    *[
                        [_("Purchased amount"), capfirst(p.label), None, share(p.share)]
                        for p in o.purchased
                        if p.share is not None
                    ],
                ],
            ),
        ],
    )
