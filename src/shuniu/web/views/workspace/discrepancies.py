"""The data-quality view: published figures whose computed value differs by more than a
threshold (per cent), sortable, downloadable as CSV or XLSX. Officers see the figures about
their jurisdiction, administrators all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from shuniu.targets.models import Metric
from shuniu.targets.selectors import FigureComparison, published_vs_computed
from shuniu.web.forms import DOWNLOAD_FORMATS, query_errors
from shuniu.web.names import place_name
from shuniu.web.views.charts import ChartTable
from shuniu.web.views.downloads import bad_request, table_file
from shuniu.web.views.workspace.access import officer_required
from shuniu.web.views.workspace.forms import WorkspaceForm

DEFAULT_THRESHOLD = Decimal(5)
SORTS = {
    "difference": lambda c: -abs(c.relative or 0),
    "region": lambda c: (c.figure.region.code, c.figure.metric, c.figure.as_of),
    "metric": lambda c: (c.figure.metric, c.figure.region.code, c.figure.as_of),
    "as_of": lambda c: (c.figure.as_of, c.figure.region.code, c.figure.metric),
}


class DiscrepancyQuery(WorkspaceForm):
    threshold = forms.DecimalField(
        label=gettext_lazy("Threshold (%)"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("difference", gettext_lazy("largest difference first")),
            ("region", gettext_lazy("region")),
            ("metric", gettext_lazy("metric")),
            ("as_of", gettext_lazy("date")),
        ],
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[("", "")] + [(f, f) for f in DOWNLOAD_FORMATS],
    )

    def error_list(self) -> list[tuple[str, str, str]]:
        """(parameter, label, message) for every error, as the downloads' 400 lists them."""
        return [
            (name, str(self.fields[name].label) if name in self.fields else "", str(message))
            for name, messages in self.errors.items()
            for message in messages
        ]


def discrepancy_table(rows: list[FigureComparison]) -> ChartTable:
    metrics = dict(Metric.choices)
    return ChartTable(
        chart="discrepancies",
        headers=[
            _("Region"),
            _("Metric"),
            _("Kind"),
            _("As of"),
            _("Published"),
            _("Computed"),
            _("Difference"),
            _("Difference (%)"),
            _("Source"),
        ],
        rows=[
            [
                place_name(c.figure.region),
                capfirst(str(metrics.get(c.figure.metric, c.figure.metric))),
                c.figure.kind,
                c.figure.as_of,
                f"{c.figure.qualifier} {c.figure.value.normalize():f}".strip(),
                float(c.computed) if c.computed is not None else "",
                float(c.difference) if c.difference is not None else "",
                float(c.relative) if c.relative is not None else "",
                c.figure.source,
            ]
            for c in rows
        ],
    )


@require_safe
@officer_required
def discrepancies(request: HttpRequest) -> HttpResponse:
    form = DiscrepancyQuery(request.GET)
    valid = form.is_valid()
    form.style()
    if not valid:
        if request.GET.get("format"):
            return bad_request(form)
        context: dict[str, Any] = {"form": form, "query_errors": query_errors(form)}
        return render(request, "web/workspace/discrepancies.html", context, status=400)
    threshold = form.cleaned_data["threshold"]
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    sort = form.cleaned_data["sort"] or "difference"
    rows = [c for c in published_vs_computed(actor=request.user, threshold=threshold) if c.outside]
    rows.sort(key=SORTS[sort])
    table = discrepancy_table(rows)
    fmt = form.cleaned_data["format"]
    if fmt:
        return table_file(table, f"shuniu-discrepancies.{fmt}")
    base = reverse("web:workspace_discrepancies")
    query = {"threshold": f"{threshold.normalize():f}", "sort": sort}
    return render(
        request,
        "web/workspace/discrepancies.html",
        {
            "form": form,
            "threshold": threshold,
            "table": table,
            "sort": sort,
            "downloads": {
                f: f"{base}?{urlencode({**query, 'format': f})}" for f in DOWNLOAD_FORMATS
            },
        },
    )
