"""The public targets pages: the targets of a region as of a date, and one target with its
progress curve against the pace line (a chart, the table beside it and its download).
Targets restate published plans: anyone may read them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from shuniu.core.errors import NotFound
from shuniu.divisions.selectors import DivisionIndex
from shuniu.targets.models import Metric
from shuniu.targets.progress import CurvePoint, target_curve
from shuniu.targets.selectors import (
    TargetWithProgress,
    figures_beside_target,
    target_with_progress,
    targets_with_progress,
)
from shuniu.web.forms import (
    DOWNLOAD_FORMATS,
    DashboardQuery,
    _QueryForm,
    attach_service_errors,
    query_errors,
)
from shuniu.web.names import place_name
from shuniu.web.views.charts import ChartTable
from shuniu.web.views.downloads import bad_request, table_file
from shuniu.web.views.stats import NOTABLE_DATES


class TargetsQuery(DashboardQuery):
    """A city or one of its districts and a date."""

    field_order = ["region", "as_of"]

    def __init__(self, query: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(query, **kwargs)
        del self.fields["kind"]


class TargetQuery(_QueryForm):
    """A date, and the format of a download (none: the page)."""

    def __init__(self, query: Mapping[str, str], *, today: Any) -> None:
        super().__init__(query, today=today, defaults={})
        del self.fields["kind"]


def state_label(state: str) -> str:
    return {
        "met": _("met"),
        "on_track": _("on track"),
        "behind": _("behind"),
        "missed": _("missed"),
    }[state]


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _row(item: TargetWithProgress, as_of: str) -> dict[str, Any]:
    target, progress = item.target, item.progress
    return {
        "id": target.pk,
        "url": reverse("web:target", args=[target.pk]) + "?" + urlencode({"as_of": as_of}),
        "metric": str(dict(Metric.choices).get(target.metric, target.metric)),
        "description": target.description,
        "document": target.document,
        "scope": "、".join(place_name(d) for d in item.scope) or place_name(target.region),
        "value": _number(target.value),
        "due_on": target.due_on,
        "actual": _number(progress.actual),
        "percent": f"{progress.percent:.2f}",
        "state": progress.state,
        "state_label": state_label(progress.state),
        "first_met_on": progress.first_met_on,
        "pace_expected": _number(progress.pace_expected),
    }


@require_safe
def targets(request: HttpRequest) -> HttpResponse:
    """The targets of a region (and of the divisions within it) with their progress."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = TargetsQuery(request.GET, index=index, today=today, place_name=place_name)
    context: dict[str, Any] = {
        "form": form,
        "notable_dates": [(d.isoformat(), label) for d, label in NOTABLE_DATES],
        "today": today,
    }
    if form.is_valid():
        region = index.by_code[form.cleaned_data["region"]]
        as_of = form.cleaned_data["as_of"]
        try:
            items = targets_with_progress(region_code=region.code, as_of=as_of, index=index)
        except NotFound:
            form.add_error("region", _("Unknown region code “%(value)s”.") % {"value": region.code})
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            context.update(
                {
                    "region_name": place_name(region),
                    "as_of": as_of,
                    "rows": [_row(i, as_of.isoformat()) for i in items],
                    "api_url": "/api/v1/targets?"
                    + urlencode({"region": region.code, "as_of": as_of.isoformat()}),
                }
            )
    status = 200
    if form.errors:
        status = 400
        form.flag_invalid_fields()
        context["query_errors"] = query_errors(form)
    return render(request, "web/targets/list.html", context, status=status)


def curve_table(points: list[CurvePoint]) -> ChartTable:
    return ChartTable(
        chart="progress",
        headers=[_("Date"), _("Actual"), _("Pace")],
        rows=[[p.on, float(p.actual), float(p.pace)] for p in points],
    )


@require_safe
def target(request: HttpRequest, pk: int) -> HttpResponse:
    """One target: its progress on the date, the curve against the pace line and the table
    of the curve's points (``format=csv|xlsx``: that table as a file)."""
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = TargetQuery(request.GET, today=today)
    fmt = request.GET.get("format", "")
    if fmt and fmt not in DOWNLOAD_FORMATS:
        form.add_error(
            None,
            _("Unknown format “%(value)s”: one of %(choices)s.")
            % {"value": fmt, "choices": ", ".join(DOWNLOAD_FORMATS)},
        )
    item = None
    if form.is_valid():
        try:
            item = target_with_progress(pk=pk, as_of=form.cleaned_data["as_of"], index=index)
        except NotFound as exc:
            raise Http404(_("No such target.")) from exc
        except ValidationError as exc:
            attach_service_errors(form, exc)
    if fmt and item is None:
        return bad_request(form)
    if item is None:
        form.flag_invalid_fields()
        context = {"form": form, "query_errors": query_errors(form), "today": today}
        return render(request, "web/targets/target.html", context, status=400)
    points = target_curve(
        target=item.target, as_of=item.progress.as_of, index=index, series=item.series
    )
    table = curve_table(points)
    as_of = item.progress.as_of.isoformat()
    if fmt:
        return table_file(table, f"shuniu-target-{pk}-{as_of}-progress.{fmt}")
    base = reverse("web:target", args=[pk])
    context = {
        "form": form,
        "today": today,
        "row": _row(item, as_of),
        "item": item,
        "table": table,
        "downloads": {
            f: f"{base}?{urlencode({'as_of': as_of, 'format': f})}" for f in DOWNLOAD_FORMATS
        },
        "figures": figures_beside_target(target=item.target, index=index),
        "api_url": f"/api/v1/targets/{pk}?" + urlencode({"as_of": as_of}),
        "list_url": reverse("web:targets")
        + "?"
        + urlencode({"region": item.target.region.code, "as_of": as_of}),
        "chart_data": {
            "language": translation.get_language(),
            "dates": [p.on.isoformat() for p in points],
            "actual": [float(p.actual) for p in points],
            "pace": [float(p.pace) for p in points],
            "value": float(item.target.value),
            "labels": {"actual": _("Actual"), "pace": _("Pace"), "value": _("Target")},
        },
    }
    return render(request, "web/targets/target.html", context)
