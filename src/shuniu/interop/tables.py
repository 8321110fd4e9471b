"""Reading a spreadsheet (CSV or XLSX) into a header row and data rows.

Rows keep their spreadsheet numbers (the header is row 1) so that every message can point
at the row a person sees in Excel or WPS.

``open_table`` streams: its rows are read from the file each time they are iterated, so a
file of a million rows is never in memory. ``read_table`` reads them all into a list, for
importers that check rows against each other in memory (organizations: a few thousand).
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# Excel in mainland China saves "CSV" in the ANSI code page (GBK), which GB18030 contains.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_SCAN_BYTES = 1 << 20


class FileRefused(Exception):
    """The file cannot be read at all; the message says why, in the active language."""


Row = tuple[int, list[Any]]
Lines = Generator[list[Any], None, None]


@dataclass
class Table:
    """The header cells as written and the data rows, by spreadsheet row number.

    ``rows`` is a list, or (from ``open_table``) an iterable that reads the file again each
    time it is iterated. ``size_hint`` estimates the number of data rows, for progress
    bars, when that is known without reading them.
    """

    name: str
    headers: list[str]
    rows: Iterable[Row] = field(default_factory=list)
    size_hint: int | None = None


class StreamedRows:
    """The data rows of a file, read from it anew on each iteration."""

    def __init__(self, lines: Callable[[], Lines]) -> None:
        self._lines = lines

    def __iter__(self) -> Iterator[Row]:
        lines = self._lines()
        next(lines, None)  # the header row
        yield from _data_rows(lines)


def read_table(path: str | Path) -> Table:
    """The table with all its rows in a list."""
    table = open_table(path)
    rows = list(table.rows)
    return Table(name=table.name, headers=table.headers, rows=rows, size_hint=len(rows))


def open_table(path: str | Path) -> Table:
    """The table with rows streamed from the file (see ``StreamedRows``).

    A CSV file's encoding is settled here, by one pass over its bytes, so that a file that
    turns out not to be text is refused before anything is read from it or written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRefused(
            _("cannot read %(file)s: unsupported file type %(suffix)s; use .csv or .xlsx")
            % {"file": path.name, "suffix": path.suffix or "-"}
        )
    if not path.is_file():
        raise FileRefused(_("cannot read %(file)s: no such file") % {"file": path})
    hint: int | None
    if suffix == ".csv":
        encoding, lines_count = _csv_encoding(path)

        def lines() -> Lines:
            return _csv_lines(path, encoding)

        hint = max(lines_count - 1, 0)
    else:

        def lines() -> Lines:
            return _xlsx_lines(path)

        hint = _xlsx_rows_hint(path)
    first = lines()
    try:
        header_line = next(first, None)
    finally:
        first.close()
    headers = ["" if _is_blank(v) else str(v).strip() for v in header_line or []]
    while headers and not headers[-1]:
        headers.pop()
    return Table(name=path.name, headers=headers, rows=StreamedRows(lines), size_hint=hint)


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


def _csv_encoding(path: Path) -> tuple[str, int]:
    """The encoding of a CSV file (as ``decode_csv`` decides it) and its number of lines,
    from its bytes read a chunk at a time."""
    refused = FileRefused(
        _("cannot read %(file)s: not UTF-8 or GB18030 text") % {"file": path.name}
    )
    with path.open("rb") as stream:
        if stream.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise refused
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        newlines = 0
        last = b""
        with path.open("rb") as stream:
            try:
                while chunk := stream.read(_SCAN_BYTES):
                    # See decode_csv: NUL means UTF-16 or binary data.
                    if b"\x00" in chunk:
                        raise refused
                    decoder.decode(chunk)
                    newlines += chunk.count(b"\n")
                    last = chunk[-1:]
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
        return encoding, newlines + (1 if last not in (b"", b"\n") else 0)
    raise refused


def _csv_lines(path: Path, encoding: str) -> Lines:
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream)
        try:
            yield from reader
        except csv.Error as exc:
            raise FileRefused(
                _("cannot read %(file)s: not a valid CSV file (%(reason)s)")
                % {"file": path.name, "reason": exc}
            ) from exc


def _open_workbook(path: Path) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise FileRefused(
            _("cannot read %(file)s: not an Excel workbook (.xlsx)") % {"file": path.name}
        ) from exc


def _xlsx_rows_hint(path: Path) -> int | None:
    workbook = _open_workbook(path)
    try:
        # From the sheet's dimension record: absent or wrong in files some tools write.
        rows = workbook.worksheets[0].max_row
    finally:
        workbook.close()
    return max(rows - 1, 0) if isinstance(rows, int) else None


def _xlsx_lines(path: Path) -> Lines:
    workbook = _open_workbook(path)
    try:
        # The data are on the first sheet; the template puts its help on later ones.
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _data_rows(lines: Iterator[list[Any]]) -> Iterator[Row]:
    # Spreadsheet numbering: blank lines count as rows but are not data.
    for number, values in enumerate(lines, start=2):
        # Usually the first cell already shows the row is not blank.
        for value in values:
            if not _is_blank(value):
                break
        else:
            continue
        yield number, values if isinstance(values, list) else list(values)
