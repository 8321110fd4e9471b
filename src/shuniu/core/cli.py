"""Shared plumbing for the ``shuniu`` management commands: dates, JSON, one-line failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import unicodedata
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from shuniu.core.errors import NotFound, PermissionDenied, Undecryptable, ValidationError


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("%(option)s: %(value)r is not a date (YYYY-MM-DD)")
            % {"option": option, "value": value}
        ) from exc


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def domain_errors_as_command_errors(exc: Exception) -> CommandError:
    """One line naming the field, for a domain error raised by a service or selector."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            parts = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            return CommandError("; ".join(parts))
        return CommandError("; ".join(exc.messages))
    if isinstance(exc, NotFound):
        return CommandError(_("not found: %(what)s") % {"what": exc})
    if isinstance(exc, PermissionDenied):
        return CommandError(str(exc))
    if isinstance(exc, Undecryptable):
        return CommandError(
            _(
                "person %(id)s: the stored ID number cannot be opened with the configured "
                "keys; an administrator must configure the key that sealed it (docs/keys.md)."
            )
            % {"id": exc.pk}
        )
    return CommandError(str(exc))


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class TextTable:
    """A table of plain text with box lines, for the statistics command: the same look as the
    rich tables elsewhere without importing rich, which was a tenth of ``shuniu stats``'s
    start (issue 10). Numbers (cells that are digits, commas, signs, dots, a per cent or a
    "/") are right-aligned, text left-aligned."""

    _NUMBER = frozenset("0123456789,.-+%/ ≠")

    def __init__(self, *headers: str, show_header: bool = True) -> None:
        self.headers = [str(h) for h in headers]
        self.show_header = show_header and bool(headers)
        self.rows: list[list[str]] = []

    def add_row(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def _numeric(self, column: int) -> bool:
        cells = [row[column] for row in self.rows if column < len(row) and row[column]]
        return bool(cells) and all(set(c) <= self._NUMBER for c in cells)

    def render(self) -> str:
        columns = max([len(self.headers), *(len(r) for r in self.rows)], default=0)
        if not columns:
            return ""
        rows = [r + [""] * (columns - len(r)) for r in self.rows]
        head = self.headers + [""] * (columns - len(self.headers))
        widths = [
            max(display_width(r[i]) for r in [*rows, *([head] if self.show_header else [])])
            for i in range(columns)
        ]
        right = [self._numeric(i) for i in range(columns)]

        def line(cells: list[str]) -> str:
            parts = []
            for i, cell in enumerate(cells):
                pad = " " * (widths[i] - display_width(cell))
                parts.append(pad + cell if right[i] else cell + pad)
            return "│ " + " │ ".join(parts) + " │"

        def rule(left: str, mid: str, end: str) -> str:
            return left + mid.join("─" * (w + 2) for w in widths) + end

        out = [rule("┌", "┬", "┐")]
        if self.show_header:
            out += [line(head), rule("├", "┼", "┤")]
        out += [line(r) for r in rows]
        out.append(rule("└", "┴", "┘"))
        return "\n".join(out)


def print_text(*blocks: TextTable | str) -> None:
    """Write titles and tables to standard output, each on its own lines."""
    for block in blocks:
        sys.stdout.write((block.render() if isinstance(block, TextTable) else block) + "\n")
