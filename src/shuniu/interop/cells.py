"""What the platform writes into a CSV or XLSX cell: never something a spreadsheet runs.

Excel, WPS and LibreOffice read a cell starting with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)`` sends data to a server, ``=cmd|...`` ran programs in older
versions), and a leading tab or carriage return can hide such a start from a check of the
first character. Every text cell the platform writes goes through :func:`neutralise`, which
puts a ``'`` before such text, as Excel itself does for text typed to look like a formula.
Numbers, dates and booleans stay what they are, so a -3 is still a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` as a cell that no spreadsheet reads as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in values]
