"""The public statistics pages: the dashboard of a city or district as of a date, and the
three cities side by side. Views only turn the query into selector calls; the numbers each
chart draws come from views.charts, which the downloads use too."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind, Organization, Status
from shuniu.registry.selectors import OrganizationFilter, organization_chunks
from shuniu.stats.cache import (
    cached,
    organization_series_cached,
    organization_stats_cached,
    records_end_cached,
)
from shuniu.stats.operating import operating_profiles
from shuniu.stats.selectors import OrganizationStats, SeriesPoint
from shuniu.targets.models import Metric, PublishedFigure
from shuniu.targets.published import published_figures_for
from shuniu.web.forms import (
    COMPARE_CHARTS,
    DASHBOARD_CHARTS,
    DOWNLOAD_FORMATS,
    REGION_CODES,
    CompareQuery,
    DashboardQuery,
    query_errors,
)
from shuniu.web.names import place_name
from shuniu.web.views.charts import (
    ChartTable,
    CityColumn,
    MapLayout,
    colour_bands,
    compare_formations_table,
    compare_kinds_table,
    compare_summary_table,
    formation_label,
    map_areas,
    shape_codes,
)
from shuniu.web.views.operating import operating_chart, operating_sentence, operating_table

# The years the 2012 survey describes; the demo data is richest there.
SERIES_START = dt.date(2009, 1, 1)
SERIES_END = dt.date(2012, 12, 31)
# Dates worth a one-click link: the survey's "end of 2010" and "late 2012" figures.
NOTABLE_DATES = (
    (dt.date(2010, 12, 31), gettext_lazy("end of 2010")),
    (dt.date(2012, 11, 30), gettext_lazy("late 2012")),
)
# The listing cached with the statistics is made of this module's dataclasses: an upgrade
# that changes them must not read entries the old code stored.
_VIEW_CODE = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=4).hexdigest()
# Per status; the whole list is one API call away (the link under the table).
LISTED_ORGANIZATIONS = 20
QUALIFIERS = {
    "about": gettext_lazy("about %(value)s"),
    "over": gettext_lazy("over %(value)s"),
    "nearly": gettext_lazy("nearly %(value)s"),
}
ORGANIZATION_METRICS = (Metric.ORGANIZATIONS.value, Metric.DISTRICTS_COVERED.value)
# Published figures the comparison shows without a computed counterpart (workforce and
# universities: not counted from the registry yet).
OTHER_METRICS = tuple(m for m in Metric.values if m not in ORGANIZATION_METRICS)


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    code: str = ""


@dataclass(frozen=True)
class SeriesRow:
    year_end: dt.date
    total: int
    registered: int
    registering: int
    districts_covered: int
    districts_total: int


@dataclass(frozen=True)
class OrganizationRow:
    name: str
    district: str
    status: str
    formation: str
    registered_on: dt.date | None


@dataclass(frozen=True)
class OrganizationListing:
    rows: list[OrganizationRow]
    shown: int
    total: int
    api_url: str


@dataclass(frozen=True)
class Comparison:
    metric: str
    label: str
    published: str
    computed: int
    matches: bool
    source: str
    note: str


# ---------------------------------------------------------------------------------------
# What the dashboard and its downloads compute


def city_of(region: Division, index: DivisionIndex) -> Division:
    """The city whose map a region is drawn on: the region itself, or the city of a
    county-level division."""
    if region.is_county_level and region.parent_id is not None:
        return index.by_id[region.parent_id]
    return region


def dashboard_stats(
    *, region: Division, as_of: dt.date, kind: str | None, index: DivisionIndex
) -> OrganizationStats:
    return organization_stats_cached(region_code=region.code, as_of=as_of, kind=kind, index=index)


def dashboard_series(
    *, region: Division, kind: str | None, index: DivisionIndex | None = None
) -> list[SeriesPoint]:
    """Year ends of the survey years on which the region existed (a district merged in
    2010 has no figures of its own after that)."""
    start = max(SERIES_START, region.valid_from or SERIES_START)
    end = SERIES_END
    if region.valid_to is not None:
        end = min(end, region.valid_to - dt.timedelta(days=1))
    if end < start:
        return []
    return organization_series_cached(
        region_code=region.code, start=start, end=end, kind=kind, index=index
    ).points


def dashboard_map(*, stats: OrganizationStats, region: Division, index: DivisionIndex) -> MapLayout:
    return map_areas(
        stats.by_district, index=index, shapes=shape_codes(city_of(region, index).code)
    )


# ---------------------------------------------------------------------------------------
# Published figures


def _figure_value(figure: PublishedFigure) -> str:
    value: Decimal = figure.value
    shown = number_format(
        value if value != value.to_integral_value() else int(value), force_grouping=True
    )
    template = QUALIFIERS.get(figure.qualifier.strip().lower())
    if template is not None:
        return str(template) % {"value": shown}
    return f"{figure.qualifier} {shown}".strip()


def _comparisons(figures: list[PublishedFigure], stats: OrganizationStats) -> list[Comparison]:
    computed_by_metric = {
        Metric.ORGANIZATIONS.value: stats.total,
        Metric.DISTRICTS_COVERED.value: stats.districts_covered,
    }
    comparisons = []
    for figure in figures:
        computed = computed_by_metric[figure.metric]
        comparisons.append(
            Comparison(
                metric=figure.metric,
                label=str(Metric(figure.metric).label),
                published=_figure_value(figure),
                computed=computed,
                # A qualified figure ("over 5,000") is a bound, not a value to equal.
                matches=not figure.qualifier and figure.value == computed,
                source=figure.source,
                note=figure.note,
            )
        )
    return comparisons


# ---------------------------------------------------------------------------------------
# The dashboard


def _query_errors(form: Any, exc: ValidationError | None = None) -> list[tuple[str, str]]:
    if exc is not None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for name, messages in errors.items():
            form.add_error(name if name in form.fields else None, messages)
    form.flag_invalid_fields()
    return query_errors(form)


def _download_links(
    url_name: str, query: dict[str, str], charts: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    base = reverse(url_name)
    return {
        chart: {
            fmt: f"{base}?{urlencode({**query, 'chart': chart, 'format': fmt})}"
            for fmt in DOWNLOAD_FORMATS
        }
        for chart in charts
    }


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The dashboard of a city or one of its districts as of a date."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = DashboardQuery(request.GET, index=index, today=today, place_name=place_name)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    status = 200
    if form.is_valid():
        region = index.by_code[form.cleaned_data["region"]]
        as_of = form.cleaned_data["as_of"]
        kind = form.selected_kind()
        try:
            stats = dashboard_stats(region=region, as_of=as_of, kind=kind, index=index)
            points = dashboard_series(region=region, kind=kind, index=index)
        except NotFound:
            form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        except ValidationError as exc:
            context["query_errors"] = _query_errors(form, exc)
        else:
            context.update(_dashboard(stats, points, region, index, form))
            context["organizations"] = _organizations(request, stats, index)
    if form.errors:
        status = 400
        context["query_errors"] = _query_errors(form)
    return render(request, "web/stats/dashboard.html", context, status=status)


@dataclass(frozen=True)
class RecordsEndNotice:
    """The region's records end before the date asked for: the last date with records and
    the same page on that date."""

    last: dt.date
    url: str


def records_end_notice(
    last: dt.date | None, as_of: dt.date, query: dict[str, str]
) -> RecordsEndNotice | None:
    if last is None or as_of <= last:
        return None
    return RecordsEndNotice(last=last, url="?" + urlencode({**query, "as_of": last.isoformat()}))


def _dashboard(
    stats: OrganizationStats,
    points: list[SeriesPoint],
    region: Division,
    index: DivisionIndex,
    form: DashboardQuery,
) -> dict[str, Any]:
    as_of, kind = stats.as_of, stats.kind
    city = city_of(region, index)
    is_district = city.pk != region.pk
    series_rows = [
        SeriesRow(
            year_end=p.as_of,
            total=p.total,
            registered=p.by_status.get(Status.REGISTERED, 0),
            registering=p.by_status.get(Status.REGISTERING, 0),
            districts_covered=p.districts_covered,
            districts_total=p.districts_total,
        )
        for p in points
    ]
    layout = dashboard_map(stats=stats, region=region, index=index)
    figures = published_figures_for(region_code=region.code, as_of=as_of, kind=kind)
    comparisons = _comparisons(figures, stats)
    by_formation = [
        Row(code=f.formation, label=formation_label(f.formation), count=f.count)
        for f in stats.by_formation
    ]
    by_kind = [Row(code=k, label=str(Kind(k).label), count=n) for k, n in stats.by_kind.items()]
    query = {
        "region": region.code,
        "as_of": as_of.isoformat(),
        "kind": form.cleaned_data["kind"],
    }
    drawn = {area.shape for area in layout.areas}
    districts = [Row(code=d.code, label=place_name(d), count=d.count) for d in stats.by_district]
    return {
        "records_end": records_end_notice(
            records_end_cached(
                region=region, today=timezone.localdate(), index=index
            ).organizations,
            as_of,
            query,
        ),
        "stats": stats,
        "is_district": is_district,
        "kind_label": Kind(kind).label if kind else _("all kinds"),
        "region_name": place_name(region),
        "city_name": place_name(city),
        "registered": stats.by_status.get(Status.REGISTERED, 0),
        "registering": stats.by_status.get(Status.REGISTERING, 0),
        "districts": districts,
        # Boundaries exist for the three cities only: elsewhere a bar chart of the table.
        "has_map": bool(shape_codes(city.code)),
        "map_layout": layout,
        "map_folded": [(part, area) for area in layout.areas for part in area.folded],
        "map_undrawn": [
            f"{place_name(index.by_code[code])} ({code})" if code in index.by_code else code
            for code in sorted(shape_codes(city.code) - drawn)
        ]
        if not is_district
        else [],
        "by_formation": by_formation,
        "by_kind": by_kind,
        "series_rows": series_rows,
        "downloads": _download_links("web:dashboard-download", query, DASHBOARD_CHARTS),
        "dashboard_data": _dashboard_data(
            series_rows,
            layout,
            city,
            region if is_district else None,
            by_formation,
            by_kind,
            index,
            districts,
        ),
        "comparisons": {
            metric: [c for c in comparisons if c.metric == metric]
            for metric in ORGANIZATION_METRICS
        },
    }


def _dashboard_data(
    rows: list[SeriesRow],
    layout: MapLayout,
    city: Division,
    highlight: Division | None,
    by_formation: list[Row],
    by_kind: list[Row],
    index: DivisionIndex,
    districts: list[Row],
) -> dict[str, Any]:
    """What the chart script needs, labels already in the reader's language."""
    highlighted_shape = ""
    if highlight is not None:
        highlighted_shape = next(
            (a.shape for a in layout.areas if any(p.code == highlight.code for p in a.parts)), ""
        )
    return {
        "language": translation.get_language(),
        "series": {
            "years": [
                str(r.year_end.year) if r.year_end.month == 12 else str(r.year_end) for r in rows
            ],
            "registered": [r.registered for r in rows],
            "registering": [r.registering for r in rows],
            "covered": [r.districts_covered for r in rows],
            "districtsTotal": [r.districts_total for r in rows],
            # A district covers itself or not: the coverage line says nothing there.
            "showCovered": highlight is None,
        },
        "map": {
            "name": city.code,
            "url": static(f"geo/{city.code}.geojson"),
            "areas": [
                {
                    "name": a.shape,
                    "value": a.count,
                    "text": a.label,
                    "highlight": a.shape == highlighted_shape,
                }
                for a in layout.areas
            ],
            # Today's names of every shape, to name the areas that carry no count.
            "shapeNames": {
                code: place_name(index.by_code[code])
                for code in sorted(shape_codes(city.code))
                if code in index.by_code
            },
            "bands": [
                {"low": b.low, "high": b.high, "colour": b.colour, "label": b.label}
                for b in colour_bands([a.count for a in layout.areas])
            ],
        },
        "formations": [{"name": capfirst(r.label), "value": r.count} for r in by_formation],
        "kinds": [{"name": capfirst(r.label), "value": r.count} for r in by_kind],
        "districts": [{"name": r.label, "value": r.count} for r in districts],
        "labels": {
            "registered": _("registered"),
            "registering": _("registering"),
            "covered": _("districts covered"),
            "organizations": _("organizations"),
            "districts": _("districts"),
            "count": _("count"),
            "mapLoadFailed": _("The map could not be loaded; the table holds the same numbers."),
        },
    }


def _organizations(
    request: HttpRequest, stats: OrganizationStats, index: DivisionIndex | None = None
) -> OrganizationListing:
    """The organizations behind the total: the registered, then those still registering.
    Cached like the statistics, per reader, since the selector takes the reader."""
    user = request.user
    region_code, as_of, kind = stats.region.code, stats.as_of, stats.kind
    return cached(
        f"dashboard_organizations.{_VIEW_CODE}",
        (region_code, as_of, kind, user.pk if user.is_authenticated else None),
        lambda: _organization_listing(user, stats, index),
    )


def _organization_listing(
    user: Any, stats: OrganizationStats, index: DivisionIndex | None
) -> OrganizationListing:
    """The first organizations of each status, read without counting them: how many there
    are is the statistics' own count per status (the same periods in force on the date in
    the same divisions of the region, of the same kind). Counting them again in the listing
    was two of the page's slowest queries at national scale."""
    region_code, as_of, kind = stats.region.code, stats.as_of, stats.kind
    rows: list[OrganizationRow] = []
    total = 0
    for status in (Status.REGISTERED, Status.REGISTERING):
        first = organization_chunks(
            actor=user,
            filters=OrganizationFilter(
                region=region_code, kind=kind, status=status.value, as_of=as_of
            ),
            index=index,
            chunk=LISTED_ORGANIZATIONS,
        )
        total += stats.by_status.get(status, 0)
        rows.extend(_organization_row(org, status) for org in islice(first, LISTED_ORGANIZATIONS))
    query = urlencode(
        {"region": region_code, "as_of": as_of.isoformat(), **({"kind": kind} if kind else {})}
    )
    return OrganizationListing(
        rows=rows, shown=len(rows), total=total, api_url=f"/api/v1/organizations?{query}"
    )


def _organization_row(org: Organization, status: Status) -> OrganizationRow:
    district = org.district
    return OrganizationRow(
        name=place_name(org),
        district=place_name(district),
        status=str(status.label),
        formation=formation_label(org.formation) if org.formation else "",
        registered_on=org.registered_on,
    )


# ---------------------------------------------------------------------------------------
# The comparison of the three cities


@dataclass(frozen=True)
class PublishedCell:
    value: str
    note: int  # the footnote holding its source


@dataclass(frozen=True)
class PublishedRow:
    """One metric's published figures, a list of cells per city (a city may have none or
    several sources)."""

    label: str
    cells: list[list[PublishedCell]]


@dataclass(frozen=True)
class DisplayTable:
    headers: list[str]
    rows: list[list[Any]]


def _display(table: ChartTable, cities: list[CityColumn]) -> DisplayTable:
    """A comparison table as a reader sees it: the label, not the code, heads each row, and
    the cities are named as in the other tables (the file adds their codes)."""
    return DisplayTable(
        headers=[table.headers[0], *(c.name for c in cities)],
        rows=[row[1:] for row in table.rows],
    )


def compare_cities(
    *,
    as_of: dt.date,
    kind: str | None,
    index: DivisionIndex,
    codes: Sequence[str] = REGION_CODES,
) -> list[CityColumn]:
    """The columns of the comparison: the three cities, or the regions asked for."""
    columns = []
    for code in codes:
        region = index.code_on(code, as_of)
        if region is None:
            continue
        columns.append(
            CityColumn(
                code=code,
                name=place_name(region),
                stats=organization_stats_cached(
                    region_code=code, as_of=as_of, kind=kind, index=index
                ),
            )
        )
    return columns


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    """Beijing, Shanghai and Shenzhen side by side as of a date."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = CompareQuery(request.GET, today=today, index=index)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    if not form.is_valid():
        context["query_errors"] = _query_errors(form)
        return render(request, "web/stats/compare.html", context, status=400)
    as_of, kind = form.cleaned_data["as_of"], form.selected_kind()
    codes = form.cleaned_data["regions"]
    # The operating models are those of the three cities (their survey): shown for them only.
    three_cities = tuple(codes) == REGION_CODES
    cities = compare_cities(as_of=as_of, kind=kind, index=index, codes=codes)
    profiles = operating_profiles(as_of=as_of, index=index) if three_cities else []
    sources: list[str] = []
    published, other_published = _published_rows(cities, as_of, kind, sources)
    summary = compare_summary_table(cities)
    kinds = compare_kinds_table(cities)
    formations = compare_formations_table(cities)
    query = {"as_of": as_of.isoformat(), "kind": form.cleaned_data["kind"]}
    # The latest end among the cities: before it at least one city still has records.
    ends = [
        end
        for code in codes
        if code in index.by_code
        and (
            end := records_end_cached(
                region=index.by_code[code], today=today, index=index
            ).organizations
        )
    ]
    context.update(
        {
            "records_end": records_end_notice(max(ends) if ends else None, as_of, query),
            "records_region": ("、" if translation.get_language().startswith("zh") else ", ").join(
                c.name for c in cities
            ),
            "as_of": as_of,
            "kind_label": Kind(kind).label if kind else _("all kinds"),
            "cities": cities,
            "published": published,
            "other_published": other_published,
            "sources": sources,
            "summary": summary,
            "kinds": _display(kinds, cities),
            "formations": _display(formations, cities),
            "operating": operating_table(profiles),
            "operating_sentences": [operating_sentence(p) for p in profiles],
            "three_cities": three_cities,
            "downloads": _download_links(
                "web:compare-download",
                query if three_cities else {**query, "regions": ",".join(codes)},
                COMPARE_CHARTS if three_cities else COMPARE_CHARTS[:-1],
            ),
            "compare_data": {
                "language": translation.get_language(),
                "cities": [c.name for c in cities],
                "kinds": _grouped(kinds.rows, len(cities)),
                "formations": _grouped(formations.rows, len(cities)),
                "operating": operating_chart(profiles),
                "labels": {"count": _("count")},
            },
            "dashboard_links": [
                (
                    c.name,
                    reverse("web:overview") + "?" + urlencode({"region": c.code, **query}),
                )
                for c in cities
            ],
        }
    )
    return render(request, "web/stats/compare.html", context)


def _grouped(rows: list[list[Any]], columns: int) -> dict[str, Any]:
    """Rows of (code, label, count per city) as categories and one series per city."""
    return {
        "categories": [row[1] for row in rows],
        "values": [[row[2 + i] for row in rows] for i in range(columns)]
        if rows
        else [[] for _column in range(columns)],
    }


def _published_rows(
    cities: list[CityColumn], as_of: dt.date, kind: str | None, sources: list[str]
) -> tuple[list[PublishedRow], list[PublishedRow]]:
    """Published figures of each city for the date: those about the organizations counted
    (beside the computed rows), and the others the same sources stated (workforce,
    universities). Sources become numbered notes, each listed once."""

    def cell(figure: PublishedFigure) -> PublishedCell:
        if figure.source not in sources:
            sources.append(figure.source)
        return PublishedCell(value=_figure_value(figure), note=sources.index(figure.source) + 1)

    counted: dict[str, list[list[PublishedCell]]] = {
        m: [[] for _city in cities] for m in ORGANIZATION_METRICS
    }
    other: dict[str, list[list[PublishedCell]]] = {}
    for i, city in enumerate(cities):
        for figure in published_figures_for(region_code=city.code, as_of=as_of, kind=kind):
            counted[figure.metric][i].append(cell(figure))
        for figure in published_figures_for(
            region_code=city.code, as_of=as_of, kind=None, metrics=OTHER_METRICS
        ):
            other.setdefault(figure.metric, [[] for _city in cities])[i].append(cell(figure))
    labels = {
        Metric.ORGANIZATIONS.value: _("Total, published"),
        Metric.DISTRICTS_COVERED.value: _("Districts covered, published"),
    }
    return (
        [PublishedRow(label=labels[m], cells=cells) for m, cells in counted.items()],
        [
            PublishedRow(label=str(Metric(m).label), cells=other[m])
            for m in OTHER_METRICS
            if m in other
        ],
    )
