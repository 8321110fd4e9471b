"""Reading a spreadsheet (CSV or XLSX) into a header row and data rows.

Rows keep their spreadsheet numbers (the header is row 1) so that every message can point
at the row a person sees in Excel or WPS.

``open_table`` streams: its rows are read from the file each time they are iterated, so a
file of a million rows is never in memory. ``read_table`` reads them all into a list, for
small files (the web upload, tests).

An .xlsx file is a zip archive of XML, and its sizes are checked against the limits below
before anything parses it (see ``check_workbook_archive``): a workbook of 1 MB can hold a
gigabyte of XML, and openpyxl loads some of its parts whole.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# Excel in mainland China saves "CSV" in the ANSI code page (GBK), which GB18030 contains.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_SCAN_BYTES = 1 << 20
# A CSV line (a record, or a piece of a multi-line quoted cell) longer than this is not a
# table a person made; reading it would take its whole length into memory.
MAX_CSV_LINE_CHARS = 1 << 20

# Limits of an .xlsx archive, from its central directory (docs/decisions.md, "Files").
# Python's zipfile never inflates an entry beyond the size its directory declares (the data
# past it are dropped and the CRC check fails), so these declared sizes bound what is read.
MiB = 1 << 20
MAX_XLSX_ENTRIES = 1000
# Everything inflated, the worksheets (streamed by the reader) included.
MAX_XLSX_UNCOMPRESSED = 512 * MiB
# The parts openpyxl loads whole (shared strings, styles, workbook, ...: all but the
# worksheets), together. At 10 MB the worst cases (the shortest distinct shared strings,
# distinct cell styles) peak at about 150 and 220 MB.
MAX_XLSX_LOADED_PART = 10 * MiB
# An entry above MIN_RATIO_CHECKED bytes may not inflate more than this: spreadsheet XML
# compresses 5 to 50 times; a zip bomb, a thousand.
MAX_XLSX_RATIO = 200
MIN_RATIO_CHECKED = 1 * MiB
_STREAMED_PART = "xl/worksheets/"


class FileRefused(Exception):
    """The file cannot be read at all; the message says why, in the active language."""


class FormulaWithoutValue:
    """A cell holding a formula but no value computed for it.

    Files written by programs (openpyxl, pandas, scripts) carry formulas without the result
    Excel would store on saving; reading the cell as blank would silently lose data. The
    cell readers (``values.text``) turn this into a row and column error.
    """

    _instance: FormulaWithoutValue | None = None

    def __new__(cls) -> FormulaWithoutValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"

    def __str__(self) -> str:
        return ""


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


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
        check_workbook_archive(path)

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


def _bounded_lines(stream: Any, name: str) -> Iterator[str]:
    """The lines of a text stream, refusing one longer than ``MAX_CSV_LINE_CHARS``."""
    while line := stream.readline(MAX_CSV_LINE_CHARS + 1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise FileRefused(
                _("cannot read %(file)s: a line is longer than %(limit)s characters")
                % {"file": name, "limit": f"{MAX_CSV_LINE_CHARS:,}"}
            )
        yield line


def _csv_lines(path: Path, encoding: str) -> Lines:
    # A megabyte per read: each read of the file lets other threads take the interpreter
    # lock, and an import's inserts run in one (workforce.bulk.store); with the default
    # 8 KiB the reading thread waited for it every few dozen rows.
    with path.open(encoding=encoding, newline="", buffering=_SCAN_BYTES) as stream:
        reader = csv.reader(_bounded_lines(stream, path.name))
        try:
            yield from reader
        except csv.Error as exc:
            raise FileRefused(
                _("cannot read %(file)s: not a valid CSV file (%(reason)s)")
                % {"file": path.name, "reason": exc}
            ) from exc


def _not_a_workbook(path: Path) -> FileRefused:
    return FileRefused(
        _("cannot read %(file)s: not an Excel workbook (.xlsx)") % {"file": path.name}
    )


def _too_large(path: Path, reason: str) -> FileRefused:
    return FileRefused(
        _(
            "cannot read %(file)s: %(reason)s; this is beyond what an import reads. Split "
            "the workbook or save it as CSV (UTF-8)."
        )
        % {"file": path.name, "reason": reason}
    )


def check_workbook_archive(path: str | Path) -> None:
    """Refuse an .xlsx whose zip directory declares more than the limits above.

    Reads only the central directory: nothing is inflated or parsed.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_workbook(path) from exc
    if len(entries) > MAX_XLSX_ENTRIES:
        raise _too_large(
            path,
            _("%(count)s parts in the archive (at most %(limit)s)")
            % {"count": f"{len(entries):,}", "limit": f"{MAX_XLSX_ENTRIES:,}"},
        )
    total = loaded = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if not entry.filename.startswith(_STREAMED_PART):
            loaded += size
        if size > MIN_RATIO_CHECKED and size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
            raise _too_large(
                path,
                _("%(part)s inflates %(ratio)s times (at most %(limit)s)")
                % {
                    "part": entry.filename,
                    "ratio": f"{size // max(entry.compress_size, 1):,}",
                    "limit": MAX_XLSX_RATIO,
                },
            )
        if not entry.filename.startswith(_STREAMED_PART) and size > MAX_XLSX_LOADED_PART:
            raise _too_large(
                path,
                _("%(part)s holds %(size)s MB (at most %(limit)s MB)")
                % {
                    "part": entry.filename,
                    "size": f"{size / MiB:,.0f}",
                    "limit": MAX_XLSX_LOADED_PART // MiB,
                },
            )
    if loaded > MAX_XLSX_LOADED_PART:
        raise _too_large(
            path,
            _("the parts read whole hold %(size)s MB (at most %(limit)s MB)")
            % {"size": f"{loaded / MiB:,.0f}", "limit": MAX_XLSX_LOADED_PART // MiB},
        )
    if total > MAX_XLSX_UNCOMPRESSED:
        raise _too_large(
            path,
            _("%(size)s MB of data once unzipped (at most %(limit)s MB)")
            % {"size": f"{total / MiB:,.0f}", "limit": MAX_XLSX_UNCOMPRESSED // MiB},
        )


def _open_workbook(path: Path) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise _not_a_workbook(path) from exc
    except _DAMAGED as exc:
        raise _damaged(path, exc) from exc


def _xlsx_rows_hint(path: Path) -> int | None:
    workbook = _open_workbook(path)
    try:
        # From the sheet's dimension record: absent or wrong in files some tools write.
        rows = workbook.worksheets[0].max_row
    except _DAMAGED as exc:
        raise _damaged(path, exc) from exc
    finally:
        workbook.close()
    return max(rows - 1, 0) if isinstance(rows, int) else None


def _cell_parser() -> type:
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):
        """openpyxl's parser (computed values), telling a formula without one from a
        blank cell: openpyxl gives None for both.

        Excel stores an empty text result as ``t="str"`` with an empty ``<v>``; a program
        that computed nothing writes no ``<v>`` or (openpyxl) an empty one on a number.
        """

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                value = element.find(VALUE_TAG)
                if value is None or (not value.text and element.get("t") != "str"):
                    cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    return CellParser


# What openpyxl raises on a damaged part (XML that does not parse, a shared string or a
# style that is not there, a number that is not one, a truncated stream). ParseError of
# ElementTree and lxml's XMLSyntaxError are both SyntaxErrors.
_DAMAGED = (
    SyntaxError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
)


def _damaged(path: Path, exc: Exception) -> FileRefused:
    return FileRefused(
        _("cannot read %(file)s: the workbook is damaged (%(reason)s)")
        % {"file": path.name, "reason": type(exc).__name__}
    )


def _xlsx_lines(path: Path) -> Lines:
    try:
        yield from _xlsx_cells(path)
    except FileRefused:
        raise
    except _DAMAGED as exc:
        raise _damaged(path, exc) from exc


def _xlsx_cells(path: Path) -> Lines:
    workbook = _open_workbook(path)
    try:
        # The data are on the first sheet; the template puts its help on later ones.
        sheet = workbook.worksheets[0]
        # The read-only sheet's own parsing, with the parser above (openpyxl 3.1: the
        # version is locked in uv.lock; tests/interop/test_xlsx_limits.py covers it).
        with sheet._get_source() as source:
            parser = _cell_parser()(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            expected = 1
            for number, cells in parser.parse():
                # Rows absent from the XML are blank rows: they keep the numbering.
                while expected < number:
                    expected += 1
                    yield []
                values: list[Any] = [None] * max((c["column"] for c in cells), default=0)
                for cell in cells:
                    values[cell["column"] - 1] = cell["value"]
                expected += 1
                yield values
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
