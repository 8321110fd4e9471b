"""The people import's row types: a row as read, a row as checked, a problem, the result;
and the person columns the later stages share."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shuniu.core.rows import RowError as RowError  # re-exported for the bulk package
from shuniu.divisions.models import Division

# (stage, done, total); total is 0 while unknown (rows are streamed). Stages: "check"
# (rows checked and written), then "write" (the audit trail, steps).
ImportProgress = Callable[[str, int, int], None]


# Problems kept for the report (the smallest rows first); the rest are only counted.
MAX_PROBLEMS = 1000


# The columns of a row, in the order problems in one row are reported.
FIELDS = (
    "name",
    "id_number",
    "sex",
    "education_level",
    "university",
    "major",
    "graduation_year",
    "phone",
    "certificate_level",
    "certificate_number",
    "exam_year",
    "issued_on",
    "registered_division",
    "employer",
    "role",
    "employment_starts_on",
    "employment_ends_on",
    "source",
)


_FIELD_ORDER = {name: position for position, name in enumerate(FIELDS)}


# Person columns a file may give, as stored (blank cells leave stored values alone), and
# the file column each is reported under.
_PERSON_FIELDS = ("education_level", "university_id", "major", "graduation_year", "phone", "source")


_PERSON_COLUMN = {"university_id": "university"}


# Flags of a stored record the import touched.
_SEEN, _CHANGED = 1, 2


@dataclass(slots=True)
class PersonRow:
    """One row of a people import, its cells already read (text, dates, codes, years).

    ``university`` and ``employer`` are credit codes or exact names of organizations;
    ``registered_division`` a six-digit code or a name (东城区, 北京市东城区); codes are
    those of the models (``sex`` M/F, ``education_level``, ``role``, ``certificate_level``
    1-3). Blank values leave stored data alone. ``errors`` holds what went wrong reading
    the row's cells: such a row is reported, not checked further.
    """

    row: int
    name: str = ""
    id_number: str = ""
    sex: str = ""
    education_level: str = ""
    university: str = ""
    major: str = ""
    graduation_year: int | None = None
    phone: str = ""
    certificate_level: int | None = None
    certificate_number: str = ""
    exam_year: int | None = None
    issued_on: dt.date | None = None
    registered_division: str = ""
    employer: str = ""
    role: str = ""
    employment_starts_on: dt.date | None = None
    employment_ends_on: dt.date | None = None
    source: str = ""
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    # The first MAX_PROBLEMS problems by row; ``error_count`` counts them all.
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    certificates_created: int = 0
    certificates_unchanged: int = 0
    employments_created: int = 0
    employments_updated: int = 0
    employments_unchanged: int = 0

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.error_count

    # The counts an import reports are people's: a person on several rows counts once.
    @property
    def created(self) -> int:
        return self.people_created

    @property
    def updated(self) -> int:
        return self.people_updated

    @property
    def unchanged(self) -> int:
        return self.people_unchanged


class _Problems:
    """Every problem counted, the first MAX_PROBLEMS (by row, then column) kept."""

    def __init__(self) -> None:
        self.count = 0
        # A max-heap by (row, column) through negated keys: the largest is dropped first.
        self._heap: list[tuple[int, int, int, RowError]] = []

    def add(self, error: RowError) -> None:
        self.count += 1
        item = (-error.row, -_FIELD_ORDER.get(error.field, -1), -self.count, error)
        if len(self._heap) < MAX_PROBLEMS:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def sorted(self) -> list[RowError]:
        return [item[3] for item in sorted(self._heap, reverse=True)]


class _Valid:
    """A row that passed the checks of its own, with everything resolved to ids."""

    __slots__ = (
        "cert_division",
        "cert_division_given",
        "cert_number",
        "employer_id",
        "ends_on",
        "exam_year",
        "id_hash",
        "ident",
        "issued_given",
        "issued_on",
        "level",
        "masked",
        "name",
        "person",
        "role",
        "row",
        "starts_on",
    )

    def __init__(self, row: int, name: str, ident: Any, protected: tuple[str, str]) -> None:
        self.row = row
        self.name = name
        self.ident = ident
        # The cipher is made once the person has an id, which it is bound to (_person).
        self.id_hash, self.masked = protected
        # education_level, university_id, major, graduation_year, phone, source ("" or
        # None when not given)
        self.person: tuple[Any, ...] = ()
        self.cert_number = ""
        self.level = 0
        self.exam_year = 0
        self.issued_on: dt.date | None = None
        self.issued_given = False
        self.cert_division: Division | None = None
        self.cert_division_given = False
        self.employer_id: int | None = None
        self.role = ""
        self.starts_on: dt.date | None = None
        self.ends_on: dt.date | None = None


def _blank(name: str) -> Any:
    return None if name in ("university_id", "graduation_year") else ""
