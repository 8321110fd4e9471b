"""Columns of an import: which headers a file may have, and where each problem lies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from shuniu.interop.tables import Table


@dataclass(frozen=True)
class Column:
    """One column: its key (the English header), its Chinese header, and help for people.

    ``choices`` gives the values of the template's drop-down list, when there is one;
    ``aliases`` other headers files use for the column (身份证号码 for 身份证号).
    """

    key: str
    header: str
    required: bool = False
    help: str | Promise = ""
    choices: Callable[[], list[str]] | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A problem at a row and column of the file, as a person should read it."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


def header_key(text: str) -> str:
    """Headers compare without case, spaces, underscores, hyphens or a required-mark *."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "_-*＊").lower()


@dataclass
class HeaderMap:
    """Where each known column is, and the header each column is shown under."""

    positions: dict[str, int]
    labels: dict[str, str]
    problems: list[Problem]

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        position = self.positions.get(key)
        if position is None or position >= len(cells):
            return None
        return cells[position]


def map_headers(table: Table, columns: Sequence[Column]) -> HeaderMap:
    """Match the file's header row to ``columns``, in Chinese or English.

    Unknown, repeated and missing required columns are problems of row 1: a file whose
    columns are not understood is not read further.
    """
    by_key: dict[str, Column] = {}
    for column in columns:
        for name in (column.key, column.header, *column.aliases):
            by_key[header_key(name)] = column
    positions: dict[str, int] = {}
    labels = {c.key: f"{c.header}/{c.key}" for c in columns}
    problems: list[Problem] = []
    for position, header in enumerate(table.headers):
        if not header:
            if any(_has_value(cells, position) for _number, cells in table.rows):
                problems.append(
                    Problem(1, get_column_letter(position + 1), _("this column has no header"))
                )
            continue
        known = by_key.get(header_key(header))
        if known is None:
            problems.append(
                Problem(1, header, _("unknown column; the template lists the columns allowed"))
            )
            continue
        if known.key in positions:
            problems.append(
                Problem(
                    1,
                    header,
                    _("the same column as %(other)s") % {"other": labels[known.key]},
                )
            )
            continue
        positions[known.key] = position
        labels[known.key] = header
    for column in columns:
        if column.required and column.key not in positions:
            problems.append(Problem(1, labels[column.key], _("this required column is missing")))
    return HeaderMap(positions=positions, labels=labels, problems=problems)


def _has_value(cells: Sequence[Any], position: int) -> bool:
    if position >= len(cells):
        return False
    value = cells[position]
    return value is not None and not (isinstance(value, str) and not value.strip())
