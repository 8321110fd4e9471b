"""The empty import template: headers, help and drop-down lists, as an .xlsx workbook."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from shuniu.interop.cells import neutralise, neutralise_row
from shuniu.interop.importing import Importer

# Rows of the data sheet that offer the drop-down lists.
TEMPLATE_ROWS = 5000
_LISTS_SHEET = "lists"
_BOLD = Font(bold=True)
_REQUIRED = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_template(importer: Importer, path: str | Path) -> None:
    """Write ``importer``'s template: the data sheet first, so it reads back as a file."""
    workbook = Workbook()
    data = workbook.active
    assert data is not None
    data.title = str(importer.sheet_title)
    for position, column in enumerate(importer.columns, start=1):
        cell = data.cell(row=1, column=position, value=neutralise(column.header))
        cell.font = _REQUIRED if column.required else _BOLD
        cell.fill = _HEADER_FILL
        lines = [column.key, _("required") if column.required else _("optional")]
        if column.help:
            lines.append(str(column.help))
        cell.comment = Comment("\n".join(lines), "Shuniu", width=320, height=140)
        data.column_dimensions[get_column_letter(position)].width = max(
            14, 2 * len(column.header) + 4
        )
    data.freeze_panes = "A2"

    help_sheet = workbook.create_sheet(_("help"))
    help_sheet.append(neutralise_row([_("How to fill in this file")]))
    help_sheet["A1"].font = Font(bold=True, size=13)
    # An importer may say how its rows are filled in and matched; these lines are the
    # organizations'.
    notes = getattr(importer, "template_notes", None)
    lines = (
        notes()
        if notes is not None
        else [
            _("Enter one row per organization on the first sheet; keep the header row as it is."),
            _("Headers may be in Chinese or English (the key shown in each header's comment)."),
            _(
                "The import is all-or-nothing: any problem is reported with its row and column, "
                "and nothing is written until every row is right."
            ),
            _(
                "Existing records are matched by credit code, else by name and registrar division; "
                "blank cells leave stored values unchanged."
            ),
        ]
    )
    for line in lines:
        help_sheet.append(neutralise_row([line]))
    help_sheet.append([])
    help_sheet.append(neutralise_row([_("column"), _("key"), _("required"), _("what to write")]))
    _bold_row(help_sheet)
    for column in importer.columns:
        help_sheet.append(
            neutralise_row(
                [
                    column.header,
                    column.key,
                    _("yes") if column.required else "",
                    str(column.help),
                ]
            )
        )
    for section in importer.help_sections():
        help_sheet.append([])
        help_sheet.append(neutralise_row([section.title]))
        help_sheet.cell(row=help_sheet.max_row, column=1).font = Font(bold=True, size=12)
        help_sheet.append(neutralise_row(section.headings))
        _bold_row(help_sheet)
        for row in section.rows:
            help_sheet.append(neutralise_row(row))
    for letter, width in zip("ABCD", (26, 22, 36, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width

    lists = workbook.create_sheet(_LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_column = 0
    for position, column in enumerate(importer.columns, start=1):
        if column.choices is None:
            continue
        options = column.choices()
        if not options:
            continue
        list_column += 1
        for row_number, option in enumerate(options, start=1):
            lists.cell(row=row_number, column=list_column, value=neutralise(option))
        source = get_column_letter(list_column)
        # A suggestion, not a rule: codes and English labels are accepted too.
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(_LISTS_SHEET)}!${source}$1:${source}${len(options)}",
            allow_blank=True,
            showErrorMessage=False,
        )
        target = get_column_letter(position)
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS}")
        data.add_data_validation(validation)
    workbook.save(path)


def _bold_row(sheet: Worksheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
