"""Downloads of the numbers behind each chart, as CSV or XLSX.

They answer the same query as the page (same forms, same selectors, same tables), so a file
holds exactly what the chart drew. Bad parameters are a 400 in plain text naming each
parameter, so a script or a person reading the browser tab sees what to fix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from shuniu.core.errors import NotFound
from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.cells import neutralise_row
from shuniu.stats.operating import operating_profiles
from shuniu.web.forms import (
    DEFAULT_KIND,
    CompareDownloadQuery,
    DashboardDownloadQuery,
    attach_service_errors,
)
from shuniu.web.names import place_name
from shuniu.web.views.charts import (
    ChartTable,
    compare_formations_table,
    compare_kinds_table,
    compare_summary_table,
    districts_table,
    formations_table,
    kinds_table,
    series_table,
)
from shuniu.web.views.operating import operating_file
from shuniu.web.views.stats import (
    compare_cities,
    dashboard_map,
    dashboard_series,
    dashboard_stats,
)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel (the Chinese editions included) reads a CSV as the local code page unless the
# file starts with a byte-order mark.
BOM = "\ufeff"


@require_safe
def dashboard_download(request: HttpRequest) -> HttpResponse:
    index = DivisionIndex.load()
    form = DashboardDownloadQuery(
        request.GET, index=index, today=timezone.localdate(), place_name=place_name
    )
    if not form.is_valid():
        return bad_request(form)
    region = index.by_code[form.cleaned_data["region"]]
    as_of, kind, chart = (
        form.cleaned_data["as_of"],
        form.selected_kind(),
        form.cleaned_data["chart"],
    )

    def build() -> ChartTable:
        if chart == "series":
            return series_table(dashboard_series(region=region, kind=kind, index=index))
        stats = dashboard_stats(region=region, as_of=as_of, kind=kind, index=index)
        if chart == "districts":
            return districts_table(stats, dashboard_map(stats=stats, region=region, index=index))
        return kinds_table(stats) if chart == "kinds" else formations_table(stats)

    parts = [region.code, as_of.isoformat()]
    return _file(form, build, parts)


@require_safe
def compare_download(request: HttpRequest) -> HttpResponse:
    index = DivisionIndex.load()
    form = CompareDownloadQuery(request.GET, today=timezone.localdate(), index=index)
    if not form.is_valid():
        return bad_request(form)
    as_of, kind, chart = (
        form.cleaned_data["as_of"],
        form.selected_kind(),
        form.cleaned_data["chart"],
    )

    def build() -> ChartTable:
        if chart == "operating":  # agencies only, whatever the kind asked for
            return operating_file(operating_profiles(as_of=as_of))
        cities = compare_cities(
            as_of=as_of, kind=kind, index=index, codes=form.cleaned_data["regions"]
        )
        tables = {
            "summary": compare_summary_table,
            "kinds": compare_kinds_table,
            "formations": compare_formations_table,
        }
        return tables[chart](cities)

    return _file(form, build, ["compare", as_of.isoformat()])


def _file(form: Any, build: Callable[[], ChartTable], parts: list[str]) -> HttpResponse:
    try:
        table = build()
    except NotFound as exc:
        form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": str(exc)})
        return bad_request(form)
    except ValidationError as exc:
        attach_service_errors(form, exc)
        return bad_request(form)
    # The default kind is left out of the name, so the usual file is simply
    # shuniu-110000-2010-12-31-districts.csv; any other kind ("all" included) is named.
    kind = form.cleaned_data["kind"]
    fmt = form.cleaned_data["format"]
    name = "-".join(["shuniu", *parts, *([kind] if kind != DEFAULT_KIND else []), table.chart])
    return table_file(table, f"{name}.{fmt}")


def table_file(table: ChartTable, filename: str) -> HttpResponse:
    """A table as a download: CSV (UTF-8 with a BOM, for Excel) or XLSX, by the name's end."""
    if filename.endswith(".csv"):
        response = HttpResponse(_csv(table), content_type=CSV_TYPE)
    else:
        response = HttpResponse(_xlsx(table), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv(table: ChartTable) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(neutralise_row(table.headers))
    for row in table.rows:
        writer.writerow(
            neutralise_row(c.isoformat() if hasattr(c, "isoformat") else c for c in row)
        )
    return out.getvalue().encode("utf-8")


def _xlsx(table: ChartTable) -> bytes:
    # write_only streams rows out instead of building a cell grid in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.chart)
    sheet.append(neutralise_row(table.headers))
    for row in table.rows:
        sheet.append(neutralise_row(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bad_request(form: Any) -> HttpResponse:
    lines = [
        f"{name} ({label}): {message}" if label else f"{name}: {message}"
        for name, label, message in form.error_list()
        if name != "__all__"
    ] + [message for name, _label, message in form.error_list() if name == "__all__"]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )
