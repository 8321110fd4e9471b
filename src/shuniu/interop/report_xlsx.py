"""The sector report as XLSX: one sheet per section (``report_tables``), numbers written as
numbers (shares as percentages, amounts with two decimals, dates as dates), headers in the
active language, every text cell neutralised against formulas. Streamed (write_only)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shuniu.interop.cells import neutralise
from shuniu.interop.report_tables import ReportSection, Share

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters a sheet title may not hold, and its length limit.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TITLE_MAX = 31


def _title(section: ReportSection, used: set[str]) -> str:
    title = _TITLE_FORBIDDEN.sub(" ", section.title)[:_TITLE_MAX].strip() or section.key
    base, n = title, 2
    while title.lower() in used:
        suffix = f" {n}"
        title, n = base[: _TITLE_MAX - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, Share):
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = "0.0%"
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0.00"
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
    else:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
    if bold:
        cell.font = Font(bold=True)
    return cell


def report_xlsx(sections: list[ReportSection]) -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for section in sections:
        sheet = workbook.create_sheet(title=_title(section, used))
        sheet.append([_cell(sheet, section.title, bold=True)])
        for paragraph in section.paragraphs:
            sheet.append([_cell(sheet, paragraph)])
        for table in section.tables:
            sheet.append([])
            sheet.append([_cell(sheet, table.caption, bold=True)])
            sheet.append([_cell(sheet, header, bold=True) for header in table.headers])
            for row in table.rows:
                sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
