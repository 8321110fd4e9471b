"""The public purchasing pages: the dashboard of a city or district as of a date (figures,
charts, tables and downloads), the list of purchases and a purchase's public page. Public
data only: no service report's text, no score, no person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
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
from shuniu.procurement.figures import (
    PurchasingStats,
    public_purchase,
    purchasing_stats,
)
from shuniu.procurement.models import EvaluationGrade, Kind, Method, Status
from shuniu.procurement.permissions import is_buyer_side
from shuniu.procurement.selectors import PurchaseFilter, purchase_list
from shuniu.web.forms import (
    DOWNLOAD_FORMATS,
    DashboardQuery,
    FlaggedForm,
    _DownloadFields,
    attach_service_errors,
    page_field,
    query_errors,
)
from shuniu.web.names import place_name
from shuniu.web.paging import pager
from shuniu.web.views.charts import ChartTable
from shuniu.web.views.downloads import bad_request, table_file
from shuniu.web.views.stats import NOTABLE_DATES, city_of

PURCHASING_CHARTS = ("years", "methods", "districts", "grades", "suppliers", "buyers")
PER_PAGE = 25


def yuan(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, force_grouping=True)


# ---------------------------------------------------------------------------------------
# Query forms


class PurchasingQuery(DashboardQuery):
    """A city or one of its districts and a date (the dashboard's picker without the kind of
    organization)."""

    field_order = ["region", "as_of"]

    def __init__(self, query: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(query, **kwargs)
        del self.fields["kind"]


class PurchasingDownloadQuery(_DownloadFields, PurchasingQuery):
    charts = PURCHASING_CHARTS


# ---------------------------------------------------------------------------------------
# The numbers behind each chart: one table per chart, for the page and the files


def years_table(stats: PurchasingStats, region: Division) -> ChartTable:
    return ChartTable(
        chart="years",
        headers=[_("Year"), _("Contracts signed"), _("Contracted amount (yuan)")],
        rows=[[y.year, y.purchases, float(y.contracted_amount)] for y in stats.by_year],
    )


def methods_table(stats: PurchasingStats, region: Division) -> ChartTable:
    return ChartTable(
        chart="methods",
        headers=[_("Method"), _("Label"), _("Purchases"), _("Contracted amount (yuan)")],
        rows=[
            [
                m.method,
                capfirst(str(Method(m.method).label)),
                m.purchases,
                float(m.contracted_amount),
            ]
            for m in stats.by_method
        ],
    )


def districts_table(stats: PurchasingStats, region: Division) -> ChartTable:
    """The county-level divisions of the date; purchases for the city as a whole make a last
    row, so the amounts add up to the total."""
    rows: list[list[Any]] = [
        [
            d.code,
            place_name(d),
            d.purchases,
            float(d.contracted_amount),
            d.posts_funded,
            d.posts_filled,
        ]
        for d in stats.by_district
    ]
    if stats.city_level_amount:
        rows.append(
            [
                region.code,
                _("%(city)s (the city as a whole)") % {"city": place_name(region)},
                stats.purchases_total - sum(d.purchases for d in stats.by_district),
                float(stats.city_level_amount),
                stats.posts_funded - sum(d.posts_funded for d in stats.by_district),
                stats.posts_filled - sum(d.posts_filled for d in stats.by_district),
            ]
        )
    return ChartTable(
        chart="districts",
        headers=[
            _("Code"),
            _("District"),
            _("Purchases"),
            _("Contracted amount (yuan)"),
            _("Posts funded"),
            _("Posts filled"),
        ],
        rows=rows,
    )


def grades_table(stats: PurchasingStats, region: Division) -> ChartTable:
    return ChartTable(
        chart="grades",
        headers=[_("Grade"), _("Label"), _("Final evaluations")],
        rows=[
            [g, capfirst(str(EvaluationGrade(g).label)), stats.by_grade.get(g, 0)]
            for g in EvaluationGrade.values
        ],
    )


def _organizations_table(chart: str, heading: str, rows: Any) -> ChartTable:
    return ChartTable(
        chart=chart,
        headers=[
            _("Id"),
            heading,
            _("Purchases"),
            _("Contracted amount (yuan)"),
            _("Share (%)"),
        ],
        rows=[
            [r.id, r.name, r.purchases, float(r.contracted_amount), float(r.share * 100)]
            for r in rows
        ],
    )


def suppliers_table(stats: PurchasingStats, region: Division) -> ChartTable:
    return _organizations_table("suppliers", _("Supplier"), stats.top_suppliers)


def buyers_table(stats: PurchasingStats, region: Division) -> ChartTable:
    return _organizations_table("buyers", _("Buyer"), stats.by_buyer)


TABLES: dict[str, Callable[[PurchasingStats, Division], ChartTable]] = {
    "years": years_table,
    "methods": methods_table,
    "districts": districts_table,
    "grades": grades_table,
    "suppliers": suppliers_table,
    "buyers": buyers_table,
}


# ---------------------------------------------------------------------------------------
# The dashboard


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Purchases of a city or district contracted by a date: figures, charts and tables."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = PurchasingQuery(request.GET, index=index, today=today, place_name=place_name)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    if form.is_valid():
        region = index.by_code[form.cleaned_data["region"]]
        try:
            stats = purchasing_stats(
                region_code=region.code, as_of=form.cleaned_data["as_of"], index=index
            )
        except NotFound:
            form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            context.update(_dashboard(stats, region, index))
    status = 200
    if form.errors:
        status = 400
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    return render(request, "web/purchasing/dashboard.html", context, status=status)


def _dashboard(stats: PurchasingStats, region: Division, index: DivisionIndex) -> dict[str, Any]:
    tables = {chart: build(stats, region) for chart, build in TABLES.items()}
    query = {"region": region.code, "as_of": stats.as_of.isoformat()}
    base = reverse("web:purchasing-download")
    city = city_of(region, index)

    def bars(table: ChartTable, label_at: int, value_at: int) -> list[dict[str, Any]]:
        return [{"name": str(row[label_at]), "value": row[value_at]} for row in table.rows]

    return {
        "stats": stats,
        "region_name": place_name(region),
        "is_district": city.pk != region.pk,
        "figures": {
            "service": stats.purchases.get(Kind.SERVICE, 0),
            "post": stats.purchases.get(Kind.POST, 0),
            "contracted": yuan(stats.contracted_amount),
            "paid": yuan(stats.paid_amount),
        },
        "tables": tables,
        "downloads": {
            chart: {
                fmt: f"{base}?{urlencode({**query, 'chart': chart, 'format': fmt})}"
                for fmt in DOWNLOAD_FORMATS
            }
            for chart in PURCHASING_CHARTS
        },
        "list_url": reverse("web:purchasing-purchases") + "?" + urlencode({"region": region.code}),
        "api_url": "/api/v1/stats/purchasing?" + urlencode(query),
        "ocds_url": "/api/v1/ocds/releases?" + urlencode({"region": region.code}),
        "purchasing_data": {
            "language": translation.get_language(),
            "years": bars(tables["years"], 0, 2),
            "methods": bars(tables["methods"], 1, 3),
            "districts": bars(tables["districts"], 1, 3),
            "grades": bars(tables["grades"], 1, 2),
            "suppliers": bars(tables["suppliers"], 1, 3),
            "labels": {"amount": _("Contracted amount (yuan)"), "count": _("count")},
        },
    }


@require_safe
def dashboard_download(request: HttpRequest) -> HttpResponse:
    """One chart's numbers as CSV (UTF-8 with a BOM) or XLSX, for the same query as the
    page. Bad parameters are a plain-text 400 naming each parameter."""
    index = DivisionIndex.load()
    form = PurchasingDownloadQuery(
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
        stats = purchasing_stats(region_code=region.code, as_of=as_of, index=index)
    except NotFound:
        form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        return bad_request(form)
    except ValidationError as exc:
        attach_service_errors(form, exc)
        return bad_request(form)
    table = TABLES[chart](stats, region)
    return table_file(
        table, f"shuniu-purchasing-{region.code}-{as_of.isoformat()}-{table.chart}.{fmt}"
    )


# ---------------------------------------------------------------------------------------
# The public list of purchases and a purchase's page


class PurchaseListQuery(FlaggedForm):
    region = forms.RegexField(
        label=gettext_lazy("Region code"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={
            "invalid": gettext_lazy("A region code is six digits, for example 110102.")
        },
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    method = forms.ChoiceField(label=gettext_lazy("Method"), required=False)
    page = page_field()

    def __init__(self, query: Mapping[str, str]) -> None:
        super().__init__(data={k: (query.get(k) or "").strip() for k in self.base_fields})
        everything = [("", _("all"))]
        for name, choices in (
            ("kind", Kind.choices),
            ("status", Status.choices),
            ("method", Method.choices),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = everything + [(v, capfirst(str(label))) for v, label in choices]
            field.error_messages["invalid_choice"] = _(
                "Unknown value “%(value)s”: choose one from the list."
            )
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select" if isinstance(widget, forms.Select) else "form-control"
            )


@require_safe
def purchases(request: HttpRequest) -> HttpResponse:
    """Every purchase (public), newest first, with filters."""
    form = PurchaseListQuery(request.GET)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        number = data["page"] or 1
        try:
            rows, count = purchase_list(
                actor=request.user,
                filters=PurchaseFilter(
                    region=data["region"] or None,
                    kind=data["kind"] or None,
                    status=data["status"] or None,
                    method=data["method"] or None,
                ),
                offset=(number - 1) * PER_PAGE,
                limit=PER_PAGE,
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            query = {k: str(v) for k, v in data.items() if v and k != "page"}
            context.update(
                {
                    "rows": rows,
                    "pager": pager(
                        path="",
                        query=query,
                        number=number,
                        count=count,
                        per_page=PER_PAGE,
                        shown=len(rows),
                    ),
                }
            )
    if form.errors:
        status = 400
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    return render(request, "web/purchasing/purchases.html", context, status=status)


@require_safe
def purchase(request: HttpRequest, pk: int) -> HttpResponse:
    """A purchase's public page: its timeline, award, contract, deliverables, payments, posts
    and final grades. Blocks are named so the officer's actions can be added around them."""
    try:
        record = public_purchase(pk=pk, on=timezone.localdate())
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "web/purchasing/purchase.html",
        {
            "record": record,
            "purchase": record.purchase,
            "ocds_url": f"/api/v1/purchases/{record.purchase.pk}/ocds",
            "region_name": place_name(record.purchase.region),
            # the buyer's officers get a link to the page with their actions
            "workspace_url": (
                reverse("web:workspace_purchase", args=[record.purchase.pk])
                if is_buyer_side(request.user, record.purchase)
                else None
            ),
        },
    )


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
