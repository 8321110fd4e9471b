"""Bulk writes to the workforce: the people import.

One row is one person with at most one certificate and one employment; a person with
several certificates or jobs appears on several rows. The import is all-or-nothing and
streams: rows are consumed once, a chunk at a time, and never held all at once, so a file
of a million people is checked and written in bounded memory.

One pass, in one transaction. For each chunk of rows:

1. every row is checked on its own (ID number, dates, codes, employer, university,
   division, jurisdiction);
2. the people, certificates and employments the chunk names are looked up in the store
   (one ``IN`` query each): people by the keyed hash of their ID number, certificates by
   number, employments by (person, employer, start date);
3. each row is matched against them and against the earlier rows of the file, whose
   records are already written, and what is new or changed is written with plain
   ``executemany`` (``COPY`` on PostgreSQL) and ids the import assigns itself.

Rows with problems are not written; the others still are, so that later rows are checked
against them. At the end, if any row had a problem (or for a dry run), the transaction is
rolled back and nothing is left; otherwise one audit record per created person,
certificate and employment is written with ``INSERT … SELECT`` over the new ids (masked ID
number only), and updates of stored records are audited with their before and after.

What stays in memory is small and fixed per record: the first row of each record the file
created (an array of integers), a byte of flags per stored record, and the stored records
the file changed. The clear ID number is never written anywhere, not even to a temporary
table: rows are matched by its keyed hash.

Re-importing a file changes nothing and audits nothing. A dry run does the whole import
and rolls it back: it takes as long as the import and reports the same counts.
"""

from __future__ import annotations

from shuniu.workforce.bulk.importer import CHUNK, people_import
from shuniu.workforce.bulk.rows import (
    FIELDS,
    MAX_PROBLEMS,
    ImportProgress,
    ImportResult,
    PersonRow,
    RowError,
)

__all__ = [
    "CHUNK",
    "FIELDS",
    "MAX_PROBLEMS",
    "ImportProgress",
    "ImportResult",
    "PersonRow",
    "RowError",
    "people_import",
]
