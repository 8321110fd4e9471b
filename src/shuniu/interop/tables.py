"""Reading a spreadsheet (CSV or XLSX) into a header row and data rows.

Rows keep their spreadsheet numbers (the header is row 1) so that every message can point
at the row a person sees in Excel or WPS.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# Excel in mainland China saves "CSV" in the ANSI code page (GBK), which GB18030 contains.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class FileRefused(Exception):
    """The file cannot be read at all; the message says why, in the active language."""


@dataclass
class Table:
    """The header cells as written and the data rows, by spreadsheet row number."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def read_table(path: str | Path) -> Table:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRefused(
            _("cannot read %(file)s: unsupported file type %(suffix)s; use .csv or .xlsx")
            % {"file": path.name, "suffix": path.suffix or "-"}
        )
    if not path.is_file():
        raise FileRefused(_("cannot read %(file)s: no such file") % {"file": path})
    lines = _csv_lines(path) if suffix == ".csv" else _xlsx_lines(path)
    return _table(path.name, lines)


def decode_csv(data: bytes, name: str) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM) or GB18030/GBK."""
    # NUL never occurs in text in these encodings; UTF-16 (what "Unicode text" in Excel
    # writes) is full of them, and GB18030 would otherwise accept much of it.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise FileRefused(_("cannot read %(file)s: not UTF-8 or GB18030 text") % {"file": name})
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("cannot read %(file)s: not UTF-8 or GB18030 text") % {"file": name})


def _csv_lines(path: Path) -> Iterator[list[Any]]:
    text = decode_csv(path.read_bytes(), path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise FileRefused(
            _("cannot read %(file)s: not a valid CSV file (%(reason)s)")
            % {"file": path.name, "reason": exc}
        ) from exc


def _xlsx_lines(path: Path) -> Iterator[list[Any]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise FileRefused(
            _("cannot read %(file)s: not an Excel workbook (.xlsx)") % {"file": path.name}
        ) from exc
    try:
        # The data are on the first sheet; the template puts its help on later ones.
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(name: str, lines: Iterator[list[Any]]) -> Table:
    header_line = next(lines, None)
    headers = ["" if _is_blank(v) else str(v).strip() for v in header_line or []]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(name=name, headers=headers)
    # Spreadsheet numbering: blank lines count as rows but are not data.
    for number, values in enumerate(lines, start=2):
        if all(_is_blank(v) for v in values):
            continue
        table.rows.append((number, list(values)))
    return table
