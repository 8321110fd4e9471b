"""The public workforce page and the downloads of its numbers. Aggregates only: no person's
name, number or certificate appears here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.stats.cache import records_end_cached, workforce_stats_cached
from shuniu.stats.selectors import PublishedRef, WorkforceStats
from shuniu.targets.models import Metric
from shuniu.web.forms import (
    DOWNLOAD_FORMATS,
    DashboardQuery,
    _DownloadFields,
    attach_service_errors,
    query_errors,
)
from shuniu.web.names import place_name
from shuniu.web.views.charts import ChartTable
from shuniu.web.views.downloads import bad_request, table_file
from shuniu.web.views.stats import NOTABLE_DATES, QUALIFIERS, city_of, records_end_notice
from shuniu.web.views.workforce.common import (
    grouped,
    level_label,
    may_see_people,
    percent,
)
from shuniu.workforce.models import LEVEL_KEYS

WORKFORCE_CHARTS = (
    "levels",
    "districts",
    "employment",
    "pipeline",
    "graduates",
    "retention",
    "published",
)
# "nearly 14,000" and "about 5,000" are read as within this share of the stated value.
QUALIFIER_TOLERANCE = 0.05
TEMPLATE = "web/workforce/workforce.html"


# ---------------------------------------------------------------------------------------
# Query forms of the public page


class WorkforceQuery(DashboardQuery):
    """A city or one of its districts and a date: the dashboard's picker without the kind
    of organization (certificates are counted whoever employs their holders)."""

    field_order = ["region", "as_of"]

    def __init__(self, query: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(query, **kwargs)
        del self.fields["kind"]

    def query(self) -> dict[str, str]:
        return {
            "region": self.cleaned_data["region"],
            "as_of": self.cleaned_data["as_of"].isoformat(),
        }


class WorkforceDownloadQuery(_DownloadFields, WorkforceQuery):
    charts = WORKFORCE_CHARTS


# ---------------------------------------------------------------------------------------
# The numbers behind each chart: one table per chart, the same for the page and the files


@dataclass(frozen=True)
class Comparison:
    """A published figure beside the number computed from the records."""

    metric: str
    label: str
    published: str
    published_value: int | float
    qualifier: str
    published_on: dt.date
    computed: int
    computed_on: dt.date
    agreement: str  # one of AGREEMENT
    source: str
    note: str

    @property
    def agreement_label(self) -> str:
        return str(AGREEMENT[self.agreement])

    @property
    def computed_text(self) -> str:
        return grouped(self.computed)

    @property
    def same_date(self) -> bool:
        return self.published_on == self.computed_on


AGREEMENT = {
    "matches": gettext_lazy("matches"),
    "consistent": gettext_lazy("consistent with the qualifier"),
    "differs": gettext_lazy("differs"),
    "unknown": gettext_lazy("qualifier not checked"),
}


def _agreement(published: float, qualifier: str, computed: int) -> str:
    """Whether the computed number bears the published one out. A qualified figure
    ("over 5,000", "nearly 14,000") is a bound or an approximation, never an equality."""
    qualifier = qualifier.strip().lower()
    if not qualifier:
        return "matches" if computed == published else "differs"
    if qualifier == "over":
        ok = computed > published
    elif qualifier == "nearly":
        ok = published * (1 - QUALIFIER_TOLERANCE) <= computed < published
    elif qualifier == "about":
        ok = abs(computed - published) <= published * QUALIFIER_TOLERANCE
    else:
        return "unknown"
    return "consistent" if ok else "differs"


def _published_text(figure: PublishedRef) -> str:
    shown = grouped(figure.value)
    template = QUALIFIERS.get(figure.qualifier.strip().lower())
    if template is not None:
        return str(template) % {"value": shown}
    return f"{figure.qualifier} {shown}".strip()


def _computed(stats: WorkforceStats, metric: str) -> int:
    pipeline = stats.pipeline
    if metric == Metric.CERTIFIED_WORKERS:
        return stats.certified_total
    if metric == Metric.UNIVERSITIES:
        return pipeline.universities
    if metric == Metric.GRADUATES_PER_YEAR:
        # "per year": the latest cohort that had graduated by the date.
        return pipeline.graduates_by_year[-1].graduates if pipeline.graduates_by_year else 0
    return pipeline.placed


def comparisons(stats: WorkforceStats) -> list[Comparison]:
    result = []
    for figure in stats.published:
        computed = _computed(stats, figure.metric)
        result.append(
            Comparison(
                metric=figure.metric,
                label=capfirst(str(Metric(figure.metric).label)),
                published=_published_text(figure),
                published_value=figure.value,
                qualifier=figure.qualifier,
                published_on=figure.as_of,
                computed=computed,
                computed_on=stats.as_of,
                agreement=_agreement(float(figure.value), figure.qualifier, computed),
                source=figure.source,
                note=figure.note,
            )
        )
    return result


def levels_table(stats: WorkforceStats) -> ChartTable:
    return ChartTable(
        chart="levels",
        headers=[_("Level"), _("Label"), _("Certified people"), _("Share (%)")],
        rows=[
            [
                key,
                level_label(level),
                stats.by_level.get(key, 0),
                percent(stats.by_level.get(key, 0), stats.certified_total) or 0.0,
            ]
            for level, key in LEVEL_KEYS.items()
        ],
    )


def districts_table(stats: WorkforceStats, region: Division) -> ChartTable:
    """The county-level divisions of the date; certificates registered with the city
    itself make a last row, so the rows add up to the total."""
    rows: list[list[Any]] = [[d.code, place_name(d), d.certified] for d in stats.by_district]
    if stats.city_registered:
        rows.append(
            [
                region.code,
                _("%(city)s (registered with the city, no district)")
                % {"city": place_name(region)},
                stats.city_registered,
            ]
        )
    return ChartTable(
        chart="districts", headers=[_("Code"), _("District"), _("Certified people")], rows=rows
    )


def employment_table(stats: WorkforceStats) -> ChartTable:
    return ChartTable(
        chart="employment",
        headers=[_("Figure"), _("Label"), _("People")],
        rows=[
            ["certified", _("Certified"), stats.certified_total],
            [
                "employed_in_sector",
                _("Certified, employed in the sector"),
                stats.employed_in_sector,
            ],
            [
                "employed_by_agencies",
                _("Certified, employed by agencies"),
                stats.employed_by_agencies,
            ],
            ["agency_staff", _("Agency staff, certified or not"), stats.agency_staff],
        ],
    )


def pipeline_table(stats: WorkforceStats) -> ChartTable:
    pipeline = stats.pipeline
    return ChartTable(
        chart="pipeline",
        headers=[_("Stage"), _("Label"), _("People")],
        rows=[
            [
                "graduates",
                _("Social-work graduates of the region's universities"),
                pipeline.graduates,
            ],
            ["placed", _("Placed by programmes"), pipeline.placed],
            [
                "placed_certified",
                _("Placed by programmes and certified"),
                pipeline.placed_certified,
            ],
            ["certified", _("Certified"), pipeline.certified],
            [
                "employed_in_sector",
                _("Certified, employed in the sector"),
                pipeline.employed_in_sector,
            ],
        ],
    )


def graduates_table(stats: WorkforceStats) -> ChartTable:
    return ChartTable(
        chart="graduates",
        headers=[_("Year"), _("Graduates")],
        rows=[[y.year, y.graduates] for y in stats.pipeline.graduates_by_year],
    )


def retention_table(stats: WorkforceStats) -> ChartTable:
    return ChartTable(
        chart="retention",
        headers=[
            _("Years"),
            _("Base date"),
            _("Employed then"),
            _("Still employed"),
            _("Retention (%)"),
        ],
        rows=[
            [
                r.years,
                r.base_on,
                r.employed_then,
                r.still_employed,
                # Empty when nobody was employed then: no rate to give.
                _or_blank(percent(r.still_employed, r.employed_then)),
            ]
            for r in stats.retention
        ],
    )


def covered_retention(stats: WorkforceStats, last: dt.date | None) -> WorkforceStats:
    """Retention after N years says something only when the records run up to the date:
    past their end nobody is ever recorded leaving, and every rate would read 100 %. Beyond
    it the page and its downloads show no base date at all."""
    if last is not None and stats.as_of <= last:
        return stats
    return replace(stats, retention=[])


def _or_blank(value: float | None) -> float | str:
    return "" if value is None else value


def published_table(stats: WorkforceStats) -> ChartTable:
    return ChartTable(
        chart="published",
        headers=[
            _("Metric"),
            _("Label"),
            _("Published"),
            _("Qualifier"),
            _("Published as of"),
            _("Computed"),
            _("Agreement"),
            _("Source"),
            _("Note"),
        ],
        rows=[
            [
                c.metric,
                c.label,
                c.published_value,
                c.qualifier,
                c.published_on,
                c.computed,
                c.agreement,
                c.source,
                c.note,
            ]
            for c in comparisons(stats)
        ],
    )


TABLES: dict[str, Callable[[WorkforceStats, Division], ChartTable]] = {
    "levels": lambda stats, region: levels_table(stats),
    "districts": districts_table,
    "employment": lambda stats, region: employment_table(stats),
    "pipeline": lambda stats, region: pipeline_table(stats),
    "graduates": lambda stats, region: graduates_table(stats),
    "retention": lambda stats, region: retention_table(stats),
    "published": lambda stats, region: published_table(stats),
}


@dataclass(frozen=True)
class ShownCell:
    text: str
    numeric: bool
    nowrap: bool = False  # dates: "2011-11-30" broken at a hyphen reads as two things


@dataclass(frozen=True)
class ShownTable:
    """A chart's table as the page shows it: labels instead of codes, grouped numbers."""

    table_id: str
    headers: list[ShownCell]
    rows: list[list[ShownCell]]


def _cell(value: Any) -> ShownCell:
    if value is None or value == "":
        return ShownCell("—", True)
    if isinstance(value, int | float):
        return ShownCell(grouped(value), True)
    if isinstance(value, dt.date):
        return ShownCell(value.isoformat(), False, nowrap=True)
    return ShownCell(str(value), False)


def _shown(table: ChartTable, *, skip: int = 1) -> ShownTable:
    """Leave out the first ``skip`` columns (the codes the files carry for scripts). The
    first column left heads its row: a label, even when it is a number such as a year."""
    rows = [
        [ShownCell(str(row[skip]), False), *(_cell(c) for c in row[skip + 1 :])]
        for row in table.rows
    ]
    numeric = [
        all(r[i].numeric for r in rows) if rows else False for i in range(len(table.headers) - skip)
    ]
    return ShownTable(
        table_id=f"{table.chart}-table",
        headers=[ShownCell(h, numeric[i]) for i, h in enumerate(table.headers[skip:])],
        rows=rows,
    )


# ---------------------------------------------------------------------------------------
# The public page


def _download_links(query: dict[str, str]) -> dict[str, dict[str, str]]:
    base = reverse("web:workforce-download")
    return {
        chart: {
            fmt: f"{base}?{urlencode({**query, 'chart': chart, 'format': fmt})}"
            for fmt in DOWNLOAD_FORMATS
        }
        for chart in WORKFORCE_CHARTS
    }


def _bars(table: ChartTable, *, label: int = 1, value: int = -1) -> list[dict[str, Any]]:
    return [{"name": str(row[label]), "value": row[value]} for row in table.rows]


def _chart_data(tables: dict[str, ChartTable], stats: WorkforceStats) -> dict[str, Any]:
    """What the chart script draws, labels already in the reader's language; every number
    comes from the table shown beside the chart."""
    levels = tables["levels"]
    return {
        "language": translation.get_language(),
        "levels": _bars(levels, value=2),
        "districts": _bars(tables["districts"]),
        "employment": _bars(tables["employment"]),
        "pipeline": _bars(tables["pipeline"]),
        "graduates": [{"name": str(row[0]), "value": row[1]} for row in tables["graduates"].rows],
        "retention": [
            {
                "name": ngettext("after %(years)d year", "after %(years)d years", r.years)
                % {"years": r.years},
                "value": percent(r.still_employed, r.employed_then),
            }
            for r in stats.retention
        ],
        "labels": {
            "people": _("people"),
            "graduates": _("graduates"),
            "retention": _("still employed (%)"),
        },
    }


@require_safe
def workforce(request: HttpRequest) -> HttpResponse:
    """Certified social workers of a city or district as of a date (aggregates only)."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = WorkforceQuery(request.GET, index=index, today=today, place_name=place_name)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
        "people_link": may_see_people(request.user),
    }
    if form.is_valid():
        region = index.by_code[form.cleaned_data["region"]]
        try:
            stats = workforce_stats_cached(
                region_code=region.code, as_of=form.cleaned_data["as_of"], index=index
            )
        except NotFound:
            form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            context.update(_public_context(stats, region, index, form))
    status = 200
    if form.errors:
        status = 400
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    return render(request, TEMPLATE, context, status=status)


def _public_context(
    stats: WorkforceStats, region: Division, index: DivisionIndex, form: WorkforceQuery
) -> dict[str, Any]:
    last = records_end_cached(region=region, today=timezone.localdate(), index=index).workforce
    stats = covered_retention(stats, last)
    tables = {chart: build(stats, region) for chart, build in TABLES.items()}
    found = comparisons(stats)
    city = city_of(region, index)
    query = form.query()
    return {
        "stats": stats,
        "records_end": records_end_notice(last, stats.as_of, query),
        "records_last": last,
        "region_name": place_name(region),
        "city_name": place_name(city),
        "is_district": city.pk != region.pk,
        "figures": {
            "certified": grouped(stats.certified_total),
            "agencies": grouped(stats.employed_by_agencies),
            "staff": grouped(stats.agency_staff),
            "placed": grouped(stats.pipeline.placed),
            "universities": grouped(stats.pipeline.universities),
        },
        "card_comparisons": {
            metric: [c for c in found if c.metric == metric]
            for metric in (Metric.CERTIFIED_WORKERS.value, Metric.PROGRAMME_PLACEMENTS.value)
        },
        "comparisons": found,
        "tables": {
            "levels": _shown(tables["levels"]),
            "employment": _shown(tables["employment"]),
            "pipeline": _shown(tables["pipeline"]),
            # These show every column: a district's code, the year, the period.
            "districts": _shown(tables["districts"], skip=0),
            "graduates": _shown(tables["graduates"], skip=0),
            "retention": _shown(tables["retention"], skip=0),
        },
        "downloads": _download_links(query),
        "chart_data": _chart_data(tables, stats),
    }


@require_safe
def workforce_download(request: HttpRequest) -> HttpResponse:
    """One chart's numbers as CSV (UTF-8 with a BOM, for Excel) or XLSX, for the same
    query as the page. Bad parameters are a plain-text 400 naming each parameter."""
    index = DivisionIndex.load()
    form = WorkforceDownloadQuery(
        request.GET, index=index, today=timezone.localdate(), place_name=place_name
    )
    if not form.is_valid():
        return bad_request(form)
    region = index.by_code[form.cleaned_data["region"]]
    as_of, chart, fmt = (
        form.cleaned_data["as_of"],
        form.cleaned_data["chart"],
        form.cleaned_data["format"],
    )
    try:
        stats = workforce_stats_cached(region_code=region.code, as_of=as_of, index=index)
    except NotFound:
        form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        return bad_request(form)
    except ValidationError as exc:
        attach_service_errors(form, exc)
        return bad_request(form)
    last = records_end_cached(region=region, today=timezone.localdate(), index=index).workforce
    table = TABLES[chart](covered_retention(stats, last), region)
    return table_file(
        table, f"shuniu-workforce-{region.code}-{as_of.isoformat()}-{table.chart}.{fmt}"
    )
