"""Bulk writes to the registry: the organization import.

The import is all-or-nothing. Every row is checked first and every problem is reported;
only a file without problems is written, in one transaction, through bulk statements (a
fixed number of queries per chunk of rows). New organizations get the same events,
periods and audit records as ``organization_register`` gives them; changed ones follow the
rules of ``organization_update``.

It streams, like the people import: the rows are read twice, a chunk at a time, and never
held all at once. The first pass checks each chunk against the store and records, per row,
a few integers (its row number, kind, the stored organization it matched, 64-bit digests of
its credit code, name and name with division); the checks across rows (the same code, the
same organization or the same name twice, hubs given by another row) run on those after
the pass. The second pass, only for a file without problems, checks each chunk again (the
store holds what the first pass saw, as matched rows stay locked) and writes it. A hub
that is a row of a later chunk is linked, and its row audited, once that row exists.

Rows arrive already read from the file (see ``shuniu.interop``): values are text, dates or
codes. What only the database knows is resolved here: divisions and service fields given by
code or by name, hubs given by credit code or name, existing organizations to match.
"""

from __future__ import annotations

from shuniu.registry.bulk.importer import CHUNK, organizations_import
from shuniu.registry.bulk.rows import (
    CREATE,
    MAX_PLANNED,
    MAX_PROBLEMS,
    UNCHANGED,
    UPDATE,
    ImportProgress,
    ImportResult,
    OrganizationRow,
    RowError,
    RowPlan,
)

__all__ = [
    "CHUNK",
    "CREATE",
    "MAX_PLANNED",
    "MAX_PROBLEMS",
    "UNCHANGED",
    "UPDATE",
    "ImportProgress",
    "ImportResult",
    "OrganizationRow",
    "RowError",
    "RowPlan",
    "organizations_import",
]
