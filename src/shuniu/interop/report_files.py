"""The sector report as a file, in any of its formats: what the command writes and what the
page's download buttons send (one function, so the two cannot differ)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.report_html import render_report_html
from shuniu.interop.report_pdf import html_to_pdf
from shuniu.interop.report_tables import report_sections
from shuniu.interop.report_xlsx import XLSX_TYPE, report_xlsx
from shuniu.stats.report import SectorReport

FORMATS = ("html", "xlsx", "pdf")
LANGUAGES = ("zh-hans", "en")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": XLSX_TYPE,
    "pdf": "application/pdf",
}


def report_filename(region_code: str, as_of: dt.date, fmt: str) -> str:
    return f"sector-{region_code}-{as_of.isoformat()}.{fmt}"


def report_file(report: SectorReport, *, fmt: str, language: str, index: DivisionIndex) -> bytes:
    """The report in ``fmt`` (html, xlsx or pdf) and ``language``. PDF: ``PdfUnavailable``
    when Chromium is missing, busy past the time limit, or fails."""
    if fmt == "xlsx":
        with translation.override(language):
            return report_xlsx(report_sections(report))
    html = render_report_html(report, language=language, index=index)
    if fmt == "pdf":
        return html_to_pdf(html)
    return html.encode("utf-8")
