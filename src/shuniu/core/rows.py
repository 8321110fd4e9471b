"""What an import reports about one row: shared by every domain's bulk import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row, the column (by field key) and the reason."""

    row: int
    field: str
    reason: str
