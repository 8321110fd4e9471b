"""The overview page: organizations of a city as of a date, over the years, and beside the
figures that authorities published. It only translates the query into selector calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Formation, Kind, Organization, Status
from shuniu.registry.selectors import OrganizationFilter, organization_list
from shuniu.stats.selectors import OrganizationStats, organization_series, organization_stats
from shuniu.targets.models import Metric, PublishedFigure
from shuniu.targets.selectors import published_figures_for
from shuniu.web.forms import REGION_CODES, OverviewQuery

# The years the 2012 survey describes; the demo data is richest there.
SERIES_START = dt.date(2009, 1, 1)
SERIES_END = dt.date(2012, 12, 31)
# Dates worth a one-click link: the survey's "end of 2010" and "late 2012" figures.
NOTABLE_DATES = (
    (dt.date(2010, 12, 31), gettext_lazy("end of 2010")),
    (dt.date(2012, 11, 30), gettext_lazy("late 2012")),
)
# Per status; the whole list is one API call away (the link under the table).
LISTED_ORGANIZATIONS = 20
QUALIFIERS = {
    "about": gettext_lazy("about %(value)s"),
    "over": gettext_lazy("over %(value)s"),
    "nearly": gettext_lazy("nearly %(value)s"),
}


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


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _place_name(name: str, name_en: str) -> str:
    return name_en if _english() and name_en else name


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


def _series_chart(rows: list[SeriesRow]) -> dict[str, Any]:
    """What the chart script needs, labels already in the user's language."""
    return {
        "language": translation.get_language(),
        "years": [str(r.year_end.year) for r in rows],
        "registered": [r.registered for r in rows],
        "registering": [r.registering for r in rows],
        "covered": [r.districts_covered for r in rows],
        "districtsTotal": [r.districts_total for r in rows],
        "labels": {
            "registered": _("registered"),
            "registering": _("registering"),
            "covered": _("districts covered"),
            "organizations": _("organizations"),
            "districts": _("districts"),
        },
    }


def _selector_errors(form: OverviewQuery, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    index = DivisionIndex.load()
    regions = [
        (code, _place_name(index.by_code[code].name, index.by_code[code].name_en))
        for code in REGION_CODES
        if code in index.by_code
    ]
    form = OverviewQuery(request.GET, regions=regions, today=today)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    if form.is_valid():
        region_code = form.cleaned_data["region"]
        as_of = form.cleaned_data["as_of"]
        kind = form.selected_kind()
        try:
            stats = organization_stats(region_code=region_code, as_of=as_of, kind=kind, index=index)
            series = organization_series(
                region_code=region_code, start=SERIES_START, end=SERIES_END, kind=kind
            )
        except NotFound:
            form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region_code})
        except ValidationError as exc:
            _selector_errors(form, exc)
        else:
            context.update(_page(stats, series.points, region_code, as_of, kind))
            context["organizations"] = _organizations(request, region_code, as_of, kind)
    status = 200
    if form.errors:
        status = 400
        form.flag_invalid_fields()
        context["query_errors"] = [
            (form.fields[name].label if name in form.fields else "", message)
            for name, messages in form.errors.items()
            for message in messages
        ]
    return render(request, "web/stats/overview.html", context, status=status)


def _organizations(
    request: HttpRequest, region_code: str, as_of: dt.date, kind: str | None
) -> OrganizationListing:
    """The organizations behind the total: the registered, then those still registering."""
    rows: list[OrganizationRow] = []
    total = 0
    for status in (Status.REGISTERED, Status.REGISTERING):
        page, count = organization_list(
            actor=request.user,
            filters=OrganizationFilter(
                region=region_code, kind=kind, status=status.value, as_of=as_of
            ),
            limit=LISTED_ORGANIZATIONS,
        )
        total += count
        rows.extend(_organization_row(org, status) for org in page)
    query = urlencode(
        {"region": region_code, "as_of": as_of.isoformat(), **({"kind": kind} if kind else {})}
    )
    return OrganizationListing(
        rows=rows, shown=len(rows), total=total, api_url=f"/api/v1/organizations?{query}"
    )


def _organization_row(org: Organization, status: Status) -> OrganizationRow:
    district = org.district  # type: ignore[attr-defined]
    return OrganizationRow(
        name=_place_name(org.name, org.name_en),
        district=_place_name(district.name, district.name_en),
        status=str(status.label),
        formation=str(Formation(org.formation).label) if org.formation else "",
        registered_on=org.registered_on,
    )


def _page(
    stats: OrganizationStats,
    points: list[Any],
    region_code: str,
    as_of: dt.date,
    kind: str | None,
) -> dict[str, Any]:
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
    figures = published_figures_for(region_code=region_code, as_of=as_of, kind=kind)
    comparisons = _comparisons(figures, stats)
    return {
        "stats": stats,
        "kind_label": Kind(kind).label if kind else _("all kinds"),
        "region_name": _place_name(stats.region.name, stats.region.name_en),
        "registered": stats.by_status.get(Status.REGISTERED, 0),
        "registering": stats.by_status.get(Status.REGISTERING, 0),
        "districts": [
            Row(code=d.code, label=_place_name(d.name, d.name_en), count=d.count)
            for d in stats.by_district
        ],
        "by_formation": [
            Row(
                label=str(Formation(f.formation).label)
                if f.formation in Formation.values
                else _("not recorded"),
                count=f.count,
            )
            for f in stats.by_formation
        ],
        "by_kind": [Row(label=str(Kind(k).label), count=n) for k, n in stats.by_kind.items()],
        "series_rows": series_rows,
        "chart": _series_chart(series_rows),
        "comparisons": {
            metric: [c for c in comparisons if c.metric == metric]
            for metric in (Metric.ORGANIZATIONS.value, Metric.DISTRICTS_COVERED.value)
        },
    }
