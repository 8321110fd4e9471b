"""The sector report as HTML: one template body for the web page and for the standalone
file (which Chromium also prints to PDF). The file inlines its stylesheet (the same static
file the page links), so it opens anywhere, offline, and prints on A4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.report_svg import bar_chart, district_map, line_chart
from shuniu.interop.report_tables import ReportSection, report_sections
from shuniu.registry.models import Formation
from shuniu.stats.report import SectorReport
from shuniu.web.names import place_name
from shuniu.web.views.charts import formation_label, map_areas, shape_codes

STYLESHEET = "web/report.css"


def report_charts(report: SectorReport, index: DivisionIndex) -> dict[str, SafeString]:
    """The SVG chart of each section that has one, by section key."""
    charts: dict[str, SafeString] = {}
    if report.growth:
        charts["growth"] = line_chart(
            [
                str(p.as_of.year) if (p.as_of.month, p.as_of.day) == (12, 31) else str(p.as_of)
                for p in report.growth
            ],
            [p.total for p in report.growth],
            label=_("Agencies by year"),
        )
    orgs = report.organizations
    if orgs.by_district:
        layout = map_areas(
            orgs.by_district,
            index=index,
            shapes=shape_codes(report.region.code),
            name=place_name,
        )
        charts["districts"] = district_map(
            layout, city_code=report.region.code, label=_("Map: agencies per district")
        )
    if report.formations:
        charts["formations"] = bar_chart(
            [
                formation_label(f.formation)
                if f.formation in Formation.values
                else formation_label("unknown")
                for f in report.formations
            ],
            [f.count for f in report.formations],
            label=_("Agencies by formation path"),
        )
    by_year = report.purchasing.by_year
    if by_year:
        charts["purchasing"] = bar_chart(
            [str(y.year) for y in by_year],
            [y.contracted_amount for y in by_year],
            label=_("Contracted amount by year (yuan)"),
        )
    pipeline = report.workforce.pipeline
    charts["workforce"] = bar_chart(
        [
            _("Graduates, all years"),
            _("Placed by programmes"),
            _("Certified"),
            _("Employed in the sector"),
        ],
        [pipeline.graduates, pipeline.placed, pipeline.certified, pipeline.employed_in_sector],
        label=_("The pipeline"),
    )
    return charts


def report_context(report: SectorReport, index: DivisionIndex) -> dict[str, Any]:
    """What the report's template needs, in the active language."""
    sections: list[ReportSection] = report_sections(report)
    charts = report_charts(report, index)
    return {
        "report": report,
        "region_name": place_name(index.by_code[report.region.code]),
        "sections": [(section, charts.get(section.key, "")) for section in sections],
    }


def stylesheet() -> str:
    path = finders.find(STYLESHEET)
    return Path(str(path)).read_text(encoding="utf-8") if path else ""


def render_report_html(report: SectorReport, *, language: str, index: DivisionIndex) -> str:
    """The standalone HTML file of the report in ``language`` (zh-hans or en)."""
    with translation.override(language):
        context = report_context(report, index)
        context["css"] = mark_safe(stylesheet())  # noqa: S308 our own static file
        context["language"] = language
        return render_to_string("web/report/sector_file.html", context)
