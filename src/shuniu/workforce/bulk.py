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

import datetime as dt
import gc
import heapq
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import covered_division_ids, is_admin, jurisdictions
from shuniu.core.audit import audit_build, audit_write_many
from shuniu.core.context import current_request_id
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.rows import RowError
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry import codes
from shuniu.registry.models import Kind, Organization
from shuniu.workforce.identity import (
    IdNumber,
    InvalidIdNumber,
    Protector,
    current_prefix,
    parse_id_number,
)
from shuniu.workforce.models import (
    Certificate,
    EducationLevel,
    Employment,
    EmploymentRole,
    Level,
    Person,
    Sex,
)
from shuniu.workforce.selectors import manageable_person_ids
from shuniu.workforce.services import FIRST_EXAM_YEAR, MIN_AGE, certificate_number_clean

# (stage, done, total); total is 0 while unknown (rows are streamed). Stages: "check"
# (rows checked and written), then "write" (the audit trail, steps).
ImportProgress = Callable[[str, int, int], None]

# Rows per round of lookups and inserts, and between progress reports.
CHUNK = 2000
# Problems kept for the report (the smallest rows first); the rest are only counted.
MAX_PROBLEMS = 1000
# A certificate whose issue date is not given counts from the end of June of its exam
# year: the national exam is held in June (docs/decisions.md).
DEFAULT_ISSUE_MONTH_DAY = (6, 30)
# SQLite page cache (KiB) while importing: the indexes on ID hashes and certificate
# numbers take random inserts, and the default 2 MiB cache makes each one a read.
SQLITE_CACHE_KIB = 65536

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
_PHONE = re.compile(r"[0-9+\-() ]{3,32}")
_SEXES = frozenset(Sex.values)
_EDUCATION = frozenset(EducationLevel.values)
_ROLES = frozenset(EmploymentRole.values)
_LEVELS = frozenset(Level.values)

# Person columns a file may give, as stored (blank cells leave stored values alone), and
# the file column each is reported under.
_PERSON_FIELDS = ("education_level", "university_id", "major", "graduation_year", "phone", "source")
_PERSON_COLUMN = {"university_id": "university"}
_NOTHING: frozenset[str] = frozenset()
_CERTIFICATE_DIVISION_LEVELS = (DivisionLevel.PROVINCE, DivisionLevel.CITY, *COUNTY_LEVELS)
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


def people_import(
    *,
    actor: Any,
    rows: Iterable[PersonRow],
    dry_run: bool,
    progress: ImportProgress | None = None,
    synthetic: bool = False,
) -> ImportResult:
    """Check every row and, unless ``dry_run`` or any row has a problem, keep what they
    write (see the module's description).

    ``rows`` is consumed once, lazily. ``synthetic`` marks the people created (demo and
    benchmark data). Raises PermissionDenied when the actor may not change the workforce
    register at all; an employer or division outside an officer's jurisdiction is a row
    problem. An officer may link a stored person kept by another jurisdiction (a job or a
    certificate in their own, the whole ID number being the proof) but not change that
    person's fields: each person column that would change is a row problem. Scope is that
    of ``selectors.can_manage_person`` as stored when the import began, one query a chunk.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to import people."))
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may import people."))
    job = _Import(actor=actor, dry_run=dry_run, progress=progress, synthetic=synthetic)
    with _collector_paused(), transaction.atomic():
        job.run(rows)
    return job.result()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The import makes millions of short-lived tuples and no reference cycles; the cyclic
    garbage collector would scan the whole heap over and over for nothing (an eighth of
    the time of a large import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Reference data: organizations and divisions, by code or name
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    id: int
    kind: str
    division_id: int
    division: Division


class _References:
    def __init__(self, actor: Any) -> None:
        self.index = DivisionIndex.load()
        self.covered = covered_division_ids(actor, self.index)
        self.by_uscc: dict[str, _Org] = {}
        self.by_name: dict[str, list[_Org]] = {}
        self.by_id: dict[int, _Org] = {}
        for pk, uscc, name, kind, division_id in Organization.objects.values_list(
            "id", "uscc", "name", "kind", "registrar_division_id"
        ):
            org = _Org(pk, kind, division_id, self.index.by_id[division_id])
            self.by_id[pk] = org
            if uscc:
                self.by_uscc[uscc] = org
            self.by_name.setdefault(name, []).append(org)
        self.divisions_by_name: dict[str, list[Division]] = {}
        for division in self.index.by_id.values():
            keys = {_token(division.name)}
            parent = self.index.by_id.get(division.parent_id) if division.parent_id else None
            if parent is not None:
                keys.add(_token(parent.name + division.name))
            for key in keys:
                self.divisions_by_name.setdefault(key, []).append(division)
        # Files repeat the same few hundred employers and divisions on every row.
        self._orgs: dict[str, _Org | str] = {}
        self._divisions: dict[str, Division | str] = {}

    def organization(self, text: str) -> _Org | str:
        """The organization a credit code or exact name designates, or why there is none."""
        found = self._orgs.get(text)
        if found is None:
            found = self._find_organization(text)
            self._orgs[text] = found
        return found

    def _find_organization(self, text: str) -> _Org | str:
        code = codes.normalize_uscc(text)
        if code in self.by_uscc:
            return self.by_uscc[code]
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0]
        if named:
            return _("Several organizations are named %(name)s; give the credit code.") % {
                "name": text
            }
        return _("No organization has the credit code or name %(value)s.") % {"value": text}

    def division(self, text: str) -> Division | str:
        found = self._divisions.get(text)
        if found is None:
            found = self._find_division(text)
            self._divisions[text] = found
        return found

    def _find_division(self, text: str) -> Division | str:
        if text.isdigit():
            division = self.index.by_code.get(text)
            if division is None:
                return _("No division has the code %(code)s.") % {"code": text}
            return division
        named = self.divisions_by_name.get(_token(text), [])
        if len(named) == 1:
            return named[0]
        if named:
            return _("Several divisions are named %(name)s; give the code or the city too.") % {
                "name": text
            }
        return _("No division is named %(name)s.") % {"name": text}

    def division_code_of(self, organization_id: int) -> str:
        org = self.by_id.get(organization_id)
        return org.division.code if org is not None else ""

    def covers(self, division_id: int) -> bool:
        return self.covered is None or division_id in self.covered


def _token(value: str) -> str:
    return "".join(value.split()).lower()


# ---------------------------------------------------------------------------------------
# One checked row
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# The database: ids, lookups, inserts
# ---------------------------------------------------------------------------------------

_PERSON_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "name",
    "id_cipher",
    "id_hash",
    "id_masked",
    "sex",
    "birth_date",
    "education_level",
    "university_id",
    "major",
    "graduation_year",
    "phone",
    "source",
    "synthetic",
)
_CERTIFICATE_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "person_id",
    "level",
    "number",
    "exam_year",
    "issued_on",
    "registered_division_id",
)
_EMPLOYMENT_INSERT = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "person_id",
    "organization_id",
    "role",
    "starts_on",
    "ends_on",
    "full_time",
)
_TABLES = {
    "person": Person._meta.db_table,
    "certificate": Certificate._meta.db_table,
    "employment": Employment._meta.db_table,
}


class _Store:
    """The SQL of the import, on SQLite or PostgreSQL."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.cursor = connection.cursor()

    def close(self) -> None:
        self.cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def lookup(
        self, key: str, columns: str, column: str, values: Sequence[Any], sql_type: str
    ) -> list[tuple[Any, ...]]:
        """``SELECT columns FROM table t WHERE t.column IN (values)``.

        On PostgreSQL as a join with the values unnested: given ``= ANY(array)`` of a
        chunk's keys, the planner scans the whole table (three times slower at 300,000
        people, and worse as the table grows) instead of probing its index.
        """
        table = _TABLES[key]
        if self.postgres:
            return self.rows(
                f"SELECT {columns} FROM unnest(%s::{sql_type}[]) AS k(v) "
                f"JOIN {table} t ON t.{column} = k.v",
                [list(values)],
            )
        marks = ", ".join(["%s"] * len(values))
        return self.rows(f"SELECT {columns} FROM {table} t WHERE t.{column} IN ({marks})", values)

    def first_ids(self) -> dict[str, int]:
        """The first id the import may give in each table, with the tables locked."""
        if self.postgres:
            # No other writer may take ids until the import commits; readers go on.
            self.execute(
                "LOCK TABLE " + ", ".join(_TABLES.values()) + " IN SHARE ROW EXCLUSIVE MODE"
            )
            return {
                key: int(
                    self.rows(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")[0][0]
                )
                for key, table in _TABLES.items()
            }
        # The transaction holds SQLite's write lock (BEGIN IMMEDIATE). AUTOINCREMENT never
        # gives an id twice: start above both the largest id and the sequence.
        first = {}
        for key, table in _TABLES.items():
            largest = self.rows(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0]
            sequence = self.rows("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            first[key] = max(int(largest), int(sequence[0][0]) if sequence else 0) + 1
        return first

    def advance(self, key: str, last: int) -> None:
        """Make the table's id sequence continue after ``last`` (PostgreSQL)."""
        if self.postgres:
            table = _TABLES[key]
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [last])

    def insert(self, key: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table = _TABLES[key]
        names = ", ".join(columns)
        if self.postgres:
            with self.cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def json(self, pairs: Iterable[tuple[str, str]]) -> str:
        function = "jsonb_build_object" if self.postgres else "json_object"
        return f"{function}(" + ", ".join(f"'{key}', {expr}" for key, expr in pairs) + ")"

    def json_bool(self, expr: str) -> str:
        if self.postgres:
            return expr
        return f"CASE WHEN {expr} THEN json('true') ELSE json('false') END"


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------


class _Import:
    def __init__(
        self,
        *,
        actor: Any,
        dry_run: bool,
        progress: ImportProgress | None,
        synthetic: bool,
    ) -> None:
        self.actor = actor
        self.dry_run = dry_run
        self.progress = progress
        self.synthetic = synthetic
        self.problems = _Problems()
        self.refs = _References(actor)
        self.today = timezone.localdate()
        self.rows = 0
        self.written = False
        self._cache_size = 0
        self.protector = Protector()
        self.chunks = 0
        self._issue_dates: dict[int, dt.date] = {}

    # -- the pass over the rows -------------------------------------------------------

    def run(self, rows: Iterable[PersonRow]) -> None:
        """The pass over ``rows``, inside the caller's transaction."""
        self.db = _Store()
        try:
            self._start()
            self._pass(rows)
            if not self.problems.count and not self.dry_run:
                self._audit_created()
                self.written = True
        finally:
            if self._cache_size and not connection.needs_rollback:
                self.db.execute(f"PRAGMA cache_size = {self._cache_size}")
            self.db.close()
        if not self.written:
            # Rows without problems were written so that later rows could be checked
            # against them; all of it goes.
            transaction.set_rollback(True)

    def _start(self) -> None:
        db = self.db
        if not db.postgres:
            self._cache_size = db.rows("PRAGMA cache_size")[0][0]
            db.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        first = db.first_ids()
        # People not yet moved to the current key (a rotation under way) still carry a hash
        # made with an older key: only then are the older hashes looked up too.
        self.older_keys = self.protector.has_others() and bool(
            db.rows(
                f"SELECT 1 FROM {_TABLES['person']} WHERE id_cipher NOT LIKE %s LIMIT 1",
                [current_prefix() + "%"],
            )
        )
        self.first_person, self.first_certificate, self.first_job = (
            first["person"],
            first["certificate"],
            first["employment"],
        )
        self.next_person, self.next_certificate, self.next_job = (
            self.first_person,
            self.first_certificate,
            self.first_job,
        )
        # The row that created each new record, by id - first id.
        self.person_rows = array("L")
        self.certificate_rows = array("L")
        self.job_rows = array("L")
        # Whether a new employment's role and end date were given (bits 1 and 2): a later
        # row may fill in what was left blank, but not contradict what was given.
        self.job_given = bytearray()
        # Flags (_SEEN, _CHANGED) of the stored records the file names, by id.
        self.people_flags = bytearray(self.first_person)
        self.certificate_flags = bytearray(self.first_certificate)
        self.job_flags = bytearray(self.first_job)
        # Stored people and employments the file changed: the row that did, and for
        # people the fields changed, so that a later row cannot change them back.
        self.changed_people: dict[int, tuple[int, int]] = {}
        self.changed_jobs: dict[int, int] = {}

    def _default_issue(self, exam_year: int) -> dt.date:
        issued = self._issue_dates.get(exam_year)
        if issued is None:
            issued = min(dt.date(exam_year, *DEFAULT_ISSUE_MONTH_DAY), self.today)
            self._issue_dates[exam_year] = issued
        return issued

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _pass(self, rows: Iterable[PersonRow]) -> None:
        chunk: list[_Valid] = []
        check = self._check_row
        for row in rows:
            self.rows += 1
            valid = check(row)
            if valid is not None:
                chunk.append(valid)
            if len(chunk) >= CHUNK:
                self._chunk(chunk)
                chunk = []
                self._report("check", self.rows, 0)
        if chunk:
            self._chunk(chunk)
        self._report("check", self.rows, self.rows)

    # -- 1. each row on its own ---------------------------------------------------------

    def _check_row(self, row: PersonRow) -> _Valid | None:
        """The row resolved, or None when it has a problem (reported).

        The rules are those of ``workforce.services`` for one record at a time.
        """
        number = row.row
        # Columns whose cells could not be read are not checked again.
        problems: list[RowError] = list(row.errors) if row.errors else []
        faulty = {e.field for e in problems} if problems else _NOTHING

        def add(column: str, reason: str) -> None:
            problems.append(RowError(number, column, reason))

        name = row.name.strip()
        if not name:
            if "name" not in faulty:
                add("name", _("A name is required."))
        elif len(name) > 100:
            add("name", _("At most 100 characters."))
        ident = None
        if "id_number" not in faulty:
            if not row.id_number.strip():
                add("id_number", _("An ID number is required."))
            else:
                try:
                    ident = parse_id_number(row.id_number, today=self.today)
                except InvalidIdNumber as exc:
                    add("id_number", str(exc))
        university_id = self._check_person(row, ident, faulty, add)
        employer = self._check_job(row, ident, faulty, add)
        certificate = self._check_certificate(row, ident, employer, faulty, add)
        if (
            self.refs.covered is not None
            and employer is None
            and certificate is None
            and not problems
        ):
            add(
                "employer",
                _(
                    "Officers import people with a certificate or an employment in their "
                    "jurisdiction; only administrators may enter a person alone."
                ),
            )
        if problems:
            for error in problems:
                self.problems.add(error)
            return None
        assert ident is not None
        valid = _Valid(number, name, ident, self.protector.match(ident.number))
        valid.person = (
            row.education_level,
            university_id,
            row.major,
            row.graduation_year,
            row.phone,
            row.source,
        )
        if certificate is not None:
            (
                valid.cert_number,
                valid.level,
                valid.exam_year,
                valid.issued_on,
                valid.cert_division,
            ) = certificate
            valid.issued_given = row.issued_on is not None
            valid.cert_division_given = bool(row.registered_division)
        if employer is not None:
            valid.employer_id = employer.id
            valid.role = row.role
            valid.starts_on = row.employment_starts_on
            valid.ends_on = row.employment_ends_on
        return valid

    def _check_person(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> int | None:
        """Checks of the person's own columns; the university's id."""
        if row.sex and "sex" not in faulty:
            if row.sex not in _SEXES:
                add("sex", _("Unknown sex %(value)s.") % {"value": row.sex})
            elif ident is not None and ident.sex != row.sex:
                add("sex", _("The ID number says %(sex)s.") % {"sex": Sex(ident.sex).label})
        if row.education_level and row.education_level not in _EDUCATION:
            add(
                "education_level",
                _("Unknown education %(value)s.") % {"value": row.education_level},
            )
        university_id = None
        if row.university and "university" not in faulty:
            found = self.refs.organization(row.university)
            if isinstance(found, str):
                add("university", found)
            elif found.kind != Kind.UNIVERSITY:
                add(
                    "university",
                    _("%(value)s is not a university (its kind is %(kind)s).")
                    % {"value": row.university, "kind": Kind(found.kind).label},
                )
            else:
                university_id = found.id
        if len(row.major) > 100:
            add("major", _("At most 100 characters."))
        if row.phone and not _PHONE.fullmatch(row.phone):
            add("phone", _("A phone number has digits, spaces and + - ( ) only."))
        if len(row.source) > 255:
            add("source", _("At most 255 characters."))
        year = row.graduation_year
        if (
            year is not None
            and ident is not None
            and not ident.birth_date.year + MIN_AGE <= year <= self.today.year + 1
        ):
            add(
                "graduation_year",
                _("%(year)s is not a plausible graduation year for someone born in %(born)s.")
                % {"year": year, "born": ident.birth_date.year},
            )
        return university_id

    def _check_job(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> _Org | None:
        """Checks of the employment's columns; the employer, if the row has a job."""
        if not (row.employer or row.role or row.employment_starts_on or row.employment_ends_on):
            return None
        employer = None
        if not row.employer:
            if "employer" not in faulty:
                add("employer", _("An employment needs the employer."))
        elif "employer" not in faulty:
            found = self.refs.organization(row.employer)
            if isinstance(found, str):
                add("employer", found)
            elif not self.refs.covers(found.division_id):
                add("employer", _("This employer is outside your jurisdiction."))
            else:
                employer = found
        if row.role and row.role not in _ROLES:
            add("role", _("Unknown role %(value)s.") % {"value": row.role})
        starts, ends = row.employment_starts_on, row.employment_ends_on
        if starts is None:
            if "employment_starts_on" not in faulty:
                add("employment_starts_on", _("An employment needs its start date."))
        elif ident is not None and starts < self._sixteenth(ident.birth_date):
            add("employment_starts_on", self._too_young(starts, ident.birth_date))
        if starts is not None and ends is not None and ends <= starts:
            add("employment_ends_on", _("An employment ends after it starts."))
        return employer

    def _check_certificate(
        self,
        row: PersonRow,
        ident: IdNumber | None,
        employer: _Org | None,
        faulty: frozenset[str] | set[str],
        add: Callable[[str, str], None],
    ) -> tuple[str, int, int, dt.date, Division] | None:
        """Checks of the certificate's columns; (number, level, exam year, issue date,
        registered division) if the row has a sound certificate."""
        if not (
            row.certificate_level
            or row.certificate_number
            or row.exam_year
            or row.issued_on
            or row.registered_division
        ):
            return None
        sound = True
        level = row.certificate_level
        if level is None or level not in _LEVELS:
            sound = False
            if "certificate_level" not in faulty:
                add(
                    "certificate_level",
                    _("A certificate needs its level.")
                    if level is None
                    else _("Unknown level %(value)s.") % {"value": level},
                )
        cert_number = ""
        if "certificate_number" in faulty:
            sound = False
        elif not row.certificate_number:
            sound = False
            add("certificate_number", _("A certificate needs its number."))
        else:
            try:
                cert_number = certificate_number_clean(row.certificate_number)
            except ValidationError as exc:
                sound = False
                add("certificate_number", " ".join(exc.messages))
        exam_year = row.exam_year
        issued_on = row.issued_on
        if exam_year is None:
            sound = False
            if "exam_year" not in faulty:
                add("exam_year", _("A certificate needs the year of its exam."))
        elif not FIRST_EXAM_YEAR <= exam_year <= self.today.year:
            sound = False
            add(
                "exam_year",
                _("%(year)s is not an exam year (%(first)s to %(last)s).")
                % {"year": exam_year, "first": FIRST_EXAM_YEAR, "last": self.today.year},
            )
        elif issued_on is None:
            issued_on = self._default_issue(exam_year)
        elif not exam_year <= issued_on.year or issued_on > self.today:
            sound = False
            add("issued_on", _("The issue date lies between the exam year and today."))
        if issued_on is None or "issued_on" in faulty:
            sound = False
        elif ident is not None and issued_on < self._sixteenth(ident.birth_date):
            sound = False
            add("issued_on", self._too_young(issued_on, ident.birth_date))
        division: Division | None = None
        if row.registered_division:
            if "registered_division" in faulty:
                sound = False
            else:
                found = self.refs.division(row.registered_division)
                if isinstance(found, str):
                    add("registered_division", found)
                else:
                    division = found
        elif employer is not None:
            division = employer.division
            parent_id = division.parent_id
            if issued_on is not None and not division.is_valid_on(issued_on) and parent_id:
                # The employer's district did not exist yet when the certificate was
                # issued (密云区 was 密云县 until 2015): it counts in the city.
                division = self.refs.index.by_id[parent_id]
        elif not row.employer:
            add(
                "registered_division",
                _("A certificate needs the division it is registered in (or an employer)."),
            )
        if division is not None:
            reason = self._registration_problem(division, issued_on)
            if reason:
                if not row.registered_division:
                    reason = _("The employer's division: %(reason)s") % {"reason": reason}
                add("registered_division", reason)
                division = None
        if not sound or division is None or issued_on is None or level is None:
            return None
        return cert_number, level, exam_year or 0, issued_on, division

    def _registration_problem(self, division: Division, issued_on: dt.date | None) -> str:
        """Why a certificate cannot be registered in ``division`` (services' rules)."""
        if division.level not in _CERTIFICATE_DIVISION_LEVELS:
            return _("A certificate is registered with a city or a district, not a %(level)s.") % {
                "level": division.get_level_display()
            }
        if not self.refs.covers(division.pk):
            return _("%(division)s is outside your jurisdiction.") % {"division": division.name}
        if issued_on is not None and not division.is_valid_on(issued_on):
            holder = self.refs.index.holder(division.pk, issued_on)
            hint = (
                _("; use %(code)s %(name)s") % {"code": holder.code, "name": holder.name}
                if holder.pk != division.pk
                else ""
            )
            return (
                _("%(name)s (%(code)s) did not exist on %(date)s")
                % {"name": division.name, "code": division.code, "date": issued_on.isoformat()}
                + hint
            )
        return ""

    def _sixteenth(self, birth: dt.date) -> dt.date:
        try:
            return birth.replace(year=birth.year + MIN_AGE)
        except ValueError:  # born on 29 February
            return dt.date(birth.year + MIN_AGE, 3, 1)

    def _too_young(self, day: dt.date, birth: dt.date) -> str:
        return _("%(date)s is before the person's 16th birthday (%(birthday)s).") % {
            "date": day.isoformat(),
            "birthday": self._sixteenth(birth).isoformat(),
        }

    # -- 2. and 3. a chunk against the store and the earlier rows ------------------------

    def _chunk(self, chunk: list[_Valid]) -> None:
        db = self.db
        hashes = list({v.id_hash for v in chunk})
        # Person state: [id, name, id_masked, *_PERSON_FIELDS, version, sex, birth, synthetic]
        columns = ", ".join(f"t.{name}" for name in _PERSON_FIELDS)
        people: dict[str, list[Any]] = {
            row[0]: list(row[1:])
            for row in db.lookup(
                "person",
                f"t.id_hash, t.id, t.name, t.id_masked, {columns}, t.version, t.sex, "
                "t.birth_date, t.synthetic",
                "id_hash",
                hashes,
                "varchar",
            )
        }
        if self.older_keys:
            alias = {
                older: v.id_hash
                for v in chunk
                if v.id_hash not in people
                for older in self.protector.other_hashes(v.ident.number)
            }
            for row in (
                db.lookup(
                    "person",
                    f"t.id_hash, t.id, t.name, t.id_masked, {columns}, t.version, t.sex, "
                    "t.birth_date, t.synthetic",
                    "id_hash",
                    list(alias),
                    "varchar",
                )
                if alias
                else ()
            ):
                people[alias[row[0]]] = list(row[1:])
        self.in_scope = self._in_scope(people)
        numbers = list({v.cert_number for v in chunk if v.cert_number})
        certificates: dict[str, tuple[Any, ...]] = {}
        if numbers:
            for number, *rest in db.lookup(
                "certificate",
                "t.number, t.id, t.person_id, t.level, t.exam_year, t.issued_on, "
                "t.registered_division_id",
                "number",
                numbers,
                "varchar",
            ):
                rest[4] = _as_date(rest[4])
                certificates[number] = tuple(rest)
        jobs: dict[tuple[int, int, dt.date | None], list[Any]] = {}
        if people:
            for pk, person_id, org_id, starts_on, role, ends_on in db.lookup(
                "employment",
                "t.id, t.person_id, t.organization_id, t.starts_on, t.role, t.ends_on",
                "person_id",
                [state[0] for state in people.values()],
                "bigint",
            ):
                jobs[(person_id, org_id, _as_date(starts_on))] = [pk, role, _as_date(ends_on)]
        self.new_people: list[list[Any]] = []
        # Ids of the people created in this chunk (inserted at its end, not updated).
        self.chunk_people: set[int] = set()
        self.new_certificates: list[tuple[Any, ...]] = []
        self.new_jobs: list[list[Any]] = []
        # Changes to records stored before this chunk: id -> state (people), or
        # employment id -> [role, ends_on]; with the state before, for the audit.
        self.person_updates: dict[int, list[Any]] = {}
        self.person_before: dict[int, list[Any]] = {}
        self.job_updates: dict[int, list[Any]] = {}
        self.job_before: dict[int, list[Any]] = {}
        for valid in chunk:
            person_id = self._person(valid, people)
            if person_id is None:
                continue
            if valid.cert_number:
                self._certificate(valid, person_id, certificates)
            if valid.employer_id is not None:
                self._job(valid, person_id, jobs)
        self._write_chunk()
        self.chunks += 1
        if self.db.postgres and self.chunks & (self.chunks - 1) == 0:
            # After chunks 1, 2, 4, 8, …: the planner must know the tables have grown, or
            # it keeps scanning them whole for each chunk's lookups.
            for table in _TABLES.values():
                self.db.execute(f"ANALYZE {table}")

    def _in_scope(self, people: dict[str, list[Any]]) -> set[int] | None:
        """The stored people of the chunk whose fields the actor may change (None: all).

        Those of ``workforce.selectors.manageable_person_ids``, in one query for the chunk,
        counting only the links stored before the import began: a row linking someone
        (a job or certificate in the officer's jurisdiction) does not let another row, or
        the same, change what another jurisdiction keeps.
        """
        if self.refs.covered is None:
            return None
        stored = [state[0] for state in people.values() if state[0] < self.first_person]
        return manageable_person_ids(
            actor=self.actor,
            person_ids=stored,
            certificates_before=self.first_certificate,
            employments_before=self.first_job,
            division_ids=self.refs.covered,
        )

    def _add(self, row: int, column: str, reason: str) -> None:
        self.problems.add(RowError(row, column, reason))

    def _person(self, valid: _Valid, people: dict[str, list[Any]]) -> int | None:
        state = people.get(valid.id_hash)
        if state is None:
            person_id = self.next_person
            self.next_person += 1
            self.person_rows.append(valid.row)
            ident = valid.ident
            education, university, major, graduation, phone, source = valid.person
            state = [
                person_id,
                valid.name,
                valid.masked,
                education,
                university,
                major,
                graduation,
                phone,
                source,
                self.protector.seal(ident.number, row=person_id),
                valid.id_hash,
                ident.sex,
                ident.birth_date,
            ]
            people[valid.id_hash] = state
            self.new_people.append(state)
            self.chunk_people.add(person_id)
            return person_id
        person_id = state[0]
        created = person_id >= self.first_person
        if valid.name != state[1]:
            if created:
                first = self.person_rows[person_id - self.first_person]
                reason = _("Row %(row)s has the same ID number with another name (%(name)s).") % {
                    "row": first,
                    "name": state[1],
                }
            else:
                reason = _(
                    "The person stored with this ID number has another name; correct the "
                    "name or the ID number."
                )
            self._add(valid.row, "name", reason)
            return None
        changed = 0
        problem = False
        for position, given in enumerate(valid.person):
            if given is None or given == "":
                continue
            current = state[3 + position]
            if given == current:
                continue
            bit = 1 << position
            if current is not None and current != "":
                if created:
                    first = self.person_rows[person_id - self.first_person]
                elif person_id in self.changed_people and self.changed_people[person_id][1] & bit:
                    first = self.changed_people[person_id][0]
                else:
                    first = 0
                if first:
                    self._add(
                        valid.row,
                        _PERSON_COLUMN.get(_PERSON_FIELDS[position], _PERSON_FIELDS[position]),
                        _("Row %(row)s gives this person another value.") % {"row": first},
                    )
                    problem = True
                    continue
            changed |= bit
        if problem:
            return None
        if changed and not created and self.in_scope is not None and person_id not in self.in_scope:
            # Knowing the whole number links the person (a job or certificate in the
            # actor's jurisdiction); what another jurisdiction keeps is not changed.
            for position, name in enumerate(_PERSON_FIELDS):
                if changed & (1 << position):
                    self._add(
                        valid.row,
                        _PERSON_COLUMN.get(name, name),
                        _(
                            "This person's record is kept by another jurisdiction: leave "
                            "this column blank, or ask an administrator to change it."
                        ),
                    )
            return None
        if not created:
            self.people_flags[person_id] |= _SEEN
        if changed:
            if not created:
                if person_id not in self.person_before:
                    self.person_before[person_id] = list(state)
                row, bits = self.changed_people.get(person_id, (valid.row, 0))
                self.changed_people[person_id] = (row, bits | changed)
                self.people_flags[person_id] |= _CHANGED
            for position in range(len(_PERSON_FIELDS)):
                if changed & (1 << position):
                    state[3 + position] = valid.person[position]
            # New people of this chunk are inserted with their final state.
            if person_id not in self.chunk_people:
                self.person_updates[person_id] = state
        return person_id

    def _certificate(
        self, valid: _Valid, person_id: int, certificates: dict[str, tuple[Any, ...]]
    ) -> None:
        number = valid.cert_number
        stored = certificates.get(number)
        division = valid.cert_division
        assert division is not None
        if stored is None:
            certificate_id = self.next_certificate
            self.next_certificate += 1
            self.certificate_rows.append(valid.row)
            values = (
                certificate_id,
                person_id,
                valid.level,
                valid.exam_year,
                valid.issued_on,
                division.pk,
            )
            certificates[number] = values
            self.new_certificates.append(
                (certificate_id, person_id, valid.level, number, valid.exam_year, valid.issued_on,
                 division.pk)
            )  # fmt: skip
            self._touch_person(person_id)
            return
        certificate_id, holder, level, exam_year, issued_on, division_id = stored
        created = certificate_id >= self.first_certificate
        first = self.certificate_rows[certificate_id - self.first_certificate] if created else 0
        if holder != person_id:
            self._add(
                valid.row,
                "certificate_number",
                _("Row %(row)s gives this certificate number to another person.") % {"row": first}
                if created
                else _("This certificate number is stored for another person."),
            )
            return
        if not created:
            self.certificate_flags[certificate_id] |= _SEEN
        for differs, column in (
            (level != valid.level, "certificate_level"),
            (exam_year != valid.exam_year, "exam_year"),
            (valid.issued_given and issued_on != valid.issued_on, "issued_on"),
            (valid.cert_division_given and division_id != division.pk, "registered_division"),
        ):
            if differs:
                self._add(
                    valid.row,
                    column,
                    _("Row %(row)s gives this certificate another value.") % {"row": first}
                    if created
                    else _(
                        "The stored certificate with this number says otherwise; certificates "
                        "are corrected in the register, not by import."
                    ),
                )

    def _job(
        self, valid: _Valid, person_id: int, jobs: dict[tuple[int, int, dt.date | None], list[Any]]
    ) -> None:
        assert valid.employer_id is not None
        assert valid.starts_on is not None
        key = (person_id, valid.employer_id, valid.starts_on)
        stored = jobs.get(key)
        given = (1 if valid.role else 0) | (2 if valid.ends_on else 0)
        if stored is None:
            job_id = self.next_job
            self.next_job += 1
            self.job_rows.append(valid.row)
            self.job_given.append(given)
            state = [job_id, valid.role or EmploymentRole.SOCIAL_WORKER.value, valid.ends_on, key]
            jobs[key] = state
            self.new_jobs.append(state)
            self._touch_person(person_id)
            return
        job_id, role, ends_on = stored[0], stored[1], stored[2]
        created = job_id >= self.first_job
        if created:
            first = self.job_rows[job_id - self.first_job]
            previously = self.job_given[job_id - self.first_job]
        else:
            self.job_flags[job_id] |= _SEEN
            first = self.changed_jobs.get(job_id, 0)
            # A stored employment's role and end date are values given before.
            previously = 3 if first else 0
        changes: dict[int, Any] = {}
        for bit, position, value, column in (
            (1, 1, valid.role, "role"),
            (2, 2, valid.ends_on, "employment_ends_on"),
        ):
            if not value or value == stored[position]:
                continue
            if (previously & bit) and stored[position] is not None:
                self._add(
                    valid.row,
                    column,
                    _("Row %(row)s gives this employment another value.") % {"row": first},
                )
                return
            changes[position] = value
        if not changes:
            return
        if created:
            self.job_given[job_id - self.first_job] |= given
        else:
            self.changed_jobs.setdefault(job_id, valid.row)
            self.job_flags[job_id] |= _CHANGED
            self._touch_person(person_id)
            if job_id not in self.job_before:
                self.job_before[job_id] = [job_id, role, ends_on, key]
        for position, value in changes.items():
            stored[position] = value
        # Employments created in this chunk are inserted with their final state.
        if len(stored) == 3:
            self.job_updates[job_id] = stored

    def _touch_person(self, person_id: int) -> None:
        """A stored person gets a new certificate or employment: they count as updated."""
        if person_id < self.first_person:
            self.people_flags[person_id] |= _SEEN | _CHANGED

    def _write_chunk(self) -> None:
        db = self.db
        now = self.now
        synthetic = self.synthetic
        db.insert(
            "person",
            _PERSON_INSERT,
            [
                (s[0], now, now, 1, s[1], s[9], s[10], s[2], s[11], s[12], s[3] or "", s[4],
                 s[5] or "", s[6], s[7] or "", s[8] or "", synthetic)
                for s in self.new_people
            ],
        )  # fmt: skip
        db.insert(
            "certificate",
            _CERTIFICATE_INSERT,
            [(c[0], now, now, 1, *c[1:]) for c in self.new_certificates],
        )
        db.insert(
            "employment",
            _EMPLOYMENT_INSERT,
            [
                (j[0], now, now, 1, j[3][0], j[3][1], j[1], j[3][2], j[2], True)
                for j in self.new_jobs
            ],
        )
        if self.person_updates:
            sets = ", ".join(f"{name} = %s" for name in _PERSON_FIELDS)
            self.db.cursor.executemany(
                f"UPDATE {_TABLES['person']} SET {sets}, "
                "version = version + %s, updated_at = %s WHERE id = %s",
                [
                    (
                        *(value if value is not None else _blank(name) for name, value in
                          zip(_PERSON_FIELDS, state[3:9], strict=True)),
                        0 if pk >= self.first_person else 1,
                        now,
                        pk,
                    )
                    for pk, state in self.person_updates.items()
                ],
            )  # fmt: skip
        if self.job_updates:
            self.db.cursor.executemany(
                f"UPDATE {_TABLES['employment']} SET role = %s, ends_on = %s, "
                "version = version + %s, updated_at = %s WHERE id = %s",
                [
                    (state[1], state[2], 0 if pk >= self.first_job else 1, now, pk)
                    for pk, state in self.job_updates.items()
                ],
            )
        self._audit_updates()

    # -- the audit trail --------------------------------------------------------------

    def _actor(self) -> tuple[int | None, str]:
        actor = self.actor
        is_user = getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None)
        label = getattr(actor, "username", "") or (str(actor) if actor else "")
        return (actor.pk if is_user else None), (label or "system")[:150]

    def _audit_updates(self) -> None:
        """Stored people and employments this chunk changed: before and after, in full."""
        records = []
        for pk, before in self.person_before.items():
            after = self.person_updates[pk]
            records.append(
                audit_build(
                    actor=self.actor,
                    action="person.update",
                    instance=Person(pk=pk, name=after[1], id_masked=after[2]),
                    before=_person_snapshot(before),
                    after=_person_snapshot(after, version_step=1),
                )
            )
        for pk, before in self.job_before.items():
            after = self.job_updates[pk]
            person_id, org_id, starts_on = before[3]
            records.append(
                audit_build(
                    actor=self.actor,
                    action="employment.update",
                    instance=Employment(
                        pk=pk, person_id=person_id, organization_id=org_id, starts_on=starts_on
                    ),
                    before=_job_snapshot(before),
                    after=_job_snapshot(after, key=before[3]),
                    division_code=self.refs.division_code_of(org_id),
                )
            )
        if records:
            audit_write_many(records)

    def _audit_created(self) -> None:
        """One record per created person, certificate and employment, from the stored rows
        (so they show the final state), with ``INSERT … SELECT`` over the new ids."""
        db = self.db
        steps = 3
        self._report("write", 0, steps)
        actor_id, label = self._actor()
        common = [self.now, actor_id, label]
        request_id = current_request_id()
        person = self.db.json(
            [
                ("id", "p.id"),
                ("version", "p.version"),
                ("name", "p.name"),
                ("id_masked", "p.id_masked"),
                ("sex", "p.sex"),
                ("birth_date", "p.birth_date"),
                *((name, f"p.{name}") for name in _PERSON_FIELDS),
                ("synthetic", db.json_bool("p.synthetic")),
            ]
        )
        certificate = db.json(
            [
                ("id", "c.id"),
                ("version", "c.version"),
                ("person_id", "c.person_id"),
                ("level", "c.level"),
                ("number", "c.number"),
                ("exam_year", "c.exam_year"),
                ("issued_on", "c.issued_on"),
                ("registered_division_id", "c.registered_division_id"),
                ("revoked_on", "c.revoked_on"),
            ]
        )
        job = db.json(
            [
                ("id", "e.id"),
                ("version", "e.version"),
                ("person_id", "e.person_id"),
                ("organization_id", "e.organization_id"),
                ("role", "e.role"),
                ("starts_on", "e.starts_on"),
                ("ends_on", "e.ends_on"),
                ("full_time", db.json_bool("e.full_time")),
            ]
        )
        insert = (
            "INSERT INTO core_auditrecord (at, actor_id, actor_label, action, object_type, "
            "object_id, object_repr, division_code, before, after, request_id) "
        )
        if db.postgres:
            # The planner has not seen the new rows yet: without statistics it would join
            # them row by row.
            for table in _TABLES.values():
                db.execute(f"ANALYZE {table}")
        if self.next_person > self.first_person:
            # A person's division, for officers reading the trail of their jurisdiction:
            # that of their first new certificate, else of their first new employer.
            db.execute(
                insert
                + f"""SELECT %s, %s, %s, 'person.register', 'workforce.person',
                       CAST(p.id AS VARCHAR(20)), p.name || ' (' || p.id_masked || ')',
                       COALESCE(dc.code, dj.code, ''), NULL, {person}, %s
                FROM {_TABLES["person"]} p
                LEFT JOIN (
                    SELECT person_id, MIN(id) AS id FROM {_TABLES["certificate"]}
                    WHERE id >= %s GROUP BY person_id
                ) fc ON fc.person_id = p.id
                LEFT JOIN {_TABLES["certificate"]} c ON c.id = fc.id
                LEFT JOIN divisions_division dc ON dc.id = c.registered_division_id
                LEFT JOIN (
                    SELECT person_id, MIN(id) AS id FROM {_TABLES["employment"]}
                    WHERE id >= %s GROUP BY person_id
                ) fj ON fj.person_id = p.id
                LEFT JOIN {_TABLES["employment"]} e ON e.id = fj.id
                LEFT JOIN registry_organization o ON o.id = e.organization_id
                LEFT JOIN divisions_division dj ON dj.id = o.registrar_division_id
                WHERE p.id >= %s AND p.id < %s ORDER BY p.id""",
                [
                    *common,
                    request_id,
                    self.first_certificate,
                    self.first_job,
                    self.first_person,
                    self.next_person,
                ],
            )
            db.advance("person", self.next_person - 1)
        self._report("write", 1, steps)
        if self.next_certificate > self.first_certificate:
            db.execute(
                insert
                + f"""SELECT %s, %s, %s, 'certificate.add', 'workforce.certificate',
                       CAST(c.id AS VARCHAR(20)), c.number, d.code, NULL, {certificate}, %s
                FROM {_TABLES["certificate"]} c
                JOIN divisions_division d ON d.id = c.registered_division_id
                WHERE c.id >= %s AND c.id < %s ORDER BY c.id""",
                [*common, request_id, self.first_certificate, self.next_certificate],
            )
            db.advance("certificate", self.next_certificate - 1)
        self._report("write", 2, steps)
        if self.next_job > self.first_job:
            db.execute(
                insert
                + f"""SELECT %s, %s, %s, 'employment.start', 'workforce.employment',
                       CAST(e.id AS VARCHAR(20)),
                       CAST(e.person_id AS VARCHAR(20)) || ' @ '
                           || CAST(e.organization_id AS VARCHAR(20)) || ' '
                           || CAST(e.starts_on AS VARCHAR(10)),
                       d.code, NULL, {job}, %s
                FROM {_TABLES["employment"]} e
                JOIN registry_organization o ON o.id = e.organization_id
                JOIN divisions_division d ON d.id = o.registrar_division_id
                WHERE e.id >= %s AND e.id < %s ORDER BY e.id""",
                [*common, request_id, self.first_job, self.next_job],
            )
            db.advance("employment", self.next_job - 1)
        self._report("write", steps, steps)

    # -- the result -------------------------------------------------------------------

    def result(self) -> ImportResult:
        result = ImportResult(
            dry_run=self.dry_run,
            rows=self.rows,
            errors=self.problems.sorted(),
            error_count=self.problems.count,
        )
        if self.problems.count:
            return result
        people_changed = self.people_flags.count(_SEEN | _CHANGED)
        jobs_changed = self.job_flags.count(_SEEN | _CHANGED)
        result.people_created = self.next_person - self.first_person
        result.people_updated = people_changed
        result.people_unchanged = self.people_flags.count(_SEEN)
        result.certificates_created = self.next_certificate - self.first_certificate
        result.certificates_unchanged = self.certificate_flags.count(_SEEN)
        result.employments_created = self.next_job - self.first_job
        result.employments_updated = jobs_changed
        result.employments_unchanged = self.job_flags.count(_SEEN)
        return result


def _blank(name: str) -> Any:
    return None if name in ("university_id", "graduation_year") else ""


def _person_snapshot(state: list[Any], *, version_step: int = 0) -> dict[str, Any]:
    """What ``services.person_snapshot`` records, from a stored person's state."""
    version, sex, birth_date, synthetic = state[9:13]
    data: dict[str, Any] = {
        "id": state[0],
        "version": version + version_step,
        "name": state[1],
        "id_masked": state[2],
        "sex": sex,
        "birth_date": str(birth_date)[:10] if birth_date else None,
    }
    for name, value in zip(_PERSON_FIELDS, state[3:9], strict=True):
        data[name] = value if value is not None else _blank(name)
    data["synthetic"] = bool(synthetic)
    return data


def _job_snapshot(
    state: list[Any], *, key: tuple[int, int, dt.date] | None = None
) -> dict[str, Any]:
    person_id, org_id, starts_on = key or state[3]
    ends_on = state[2]
    return {
        "id": state[0],
        "person_id": person_id,
        "organization_id": org_id,
        "role": state[1],
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else None,
    }
