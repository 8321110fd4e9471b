"""The people import: one pass over the rows, in one transaction (see the package's
description)."""

from __future__ import annotations

import gc
import sys
import uuid
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin, jurisdictions
from shuniu.core.actors import Actor
from shuniu.core.dataversion import bumps_deferred
from shuniu.core.errors import PermissionDenied
from shuniu.workforce.bulk.checks import RowChecks, _References
from shuniu.workforce.bulk.matching import _Matching
from shuniu.workforce.bulk.rows import (
    _CHANGED,
    _SEEN,
    ImportProgress,
    ImportResult,
    PersonRow,
    _Problems,
    _Valid,
)
from shuniu.workforce.bulk.store import _TABLES, SQLITE_CACHE_KIB, _Store
from shuniu.workforce.identity import Protector, current_prefix

# Rows per round of lookups and inserts, and between progress reports.
CHUNK = 2000


def people_import(
    *,
    actor: Actor,
    rows: Iterable[PersonRow],
    dry_run: bool,
    progress: ImportProgress | None = None,
    synthetic: bool = False,
    summary_action: str = "",
    background_writes: bool = False,
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

    ``summary_action`` (e.g. ``"demo_load"``) audits what was created with one record per
    table (``person.demo_load``: count and id range) instead of one per record.

    ``background_writes``: the caller vouches that neither ``rows`` nor ``progress`` uses
    the database. Each chunk's inserts then run in a thread while the next rows are read
    and checked (``store._Store``: multi-row INSERTs on SQLite, COPY on PostgreSQL);
    otherwise they run before the next row is taken.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to import people."))
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may import people."))
    job = _Import(
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        synthetic=synthetic,
        summary_action=summary_action,
        background_writes=background_writes,
    )
    with (
        _collector_paused(),
        _switching_often(background_writes),
        transaction.atomic(),
        bumps_deferred(),
    ):
        job.run(rows)
    return job.result()


# The interpreter's switch interval while the inserts run in their thread (seconds).
SWITCH_INTERVAL = 0.0001


@contextmanager
def _switching_often(enabled: bool) -> Iterator[None]:
    """With the inserts in a thread, a shorter switch interval: the thread needs the
    interpreter lock for a moment before each statement, and by default waits up to 5 ms
    for the reading thread to let it go, which left the two threads taking turns instead
    of overlapping (measured at 100,000 rows, load ~1: 1.71x the floor at 5 ms, 1.57x at
    0.5 ms, 1.45x at 0.1 ms). Process-wide for the import's duration, then restored."""
    if not enabled:
        yield
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


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


class _Import(_Matching):
    def __init__(
        self,
        *,
        actor: Actor,
        dry_run: bool,
        progress: ImportProgress | None,
        synthetic: bool,
        summary_action: str = "",
        background_writes: bool = False,
    ) -> None:
        self.actor = actor
        self.background_writes = background_writes
        self.summary_action = summary_action
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
        self.checks = RowChecks(
            refs=self.refs, problems=self.problems, protector=self.protector, today=self.today
        )
        self.chunks = 0
        # Names the import in its batches' audit records.
        self.import_key = uuid.uuid4().hex

    def run(self, rows: Iterable[PersonRow]) -> None:
        """The pass over ``rows``, inside the caller's transaction."""
        self.db = _Store(background=self.background_writes)
        # The rows' lookups of organizations read the connection the inserts may be using.
        self.refs.before_read = self.db.before_outside_read
        try:
            self._start()
            self._pass(rows)
            if not self.problems.count and not self.dry_run:
                if self.summary_action:
                    self._audit_summary(self.summary_action)
                else:
                    self._audit_finish()
                self.written = True
        finally:
            try:
                if self._cache_size and not connection.needs_rollback:
                    self.db.execute(f"PRAGMA cache_size = {self._cache_size}")
            finally:
                # Waits for the background inserts, if any, before the transaction ends.
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
                f"SELECT 1 FROM {_TABLES['person']} WHERE id_cipher NOT LIKE %s LIMIT 1",  # noqa: S608 model table name; the prefix is a parameter
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
        self.person_rows = array("I")
        self.certificate_rows = array("I")
        self.job_rows = array("I")
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
        self.recent_people = {}
        self.recent_certificates = {}
        self.recent_jobs = {}

    def _pass(self, rows: Iterable[PersonRow]) -> None:
        chunk: list[_Valid] = []
        check = self.checks.check_row
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
        # The last chunk's rows are in the database before anything reads it again.
        self.db.wait()
        self._report("check", self.rows, self.rows)

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
