"""The state one people import holds while it runs, shared by its stages."""

from __future__ import annotations

import datetime as dt
from array import array
from typing import Any

from shuniu.core.actors import Actor
from shuniu.workforce.bulk.checks import _References
from shuniu.workforce.bulk.rows import ImportProgress, RowError, _Problems
from shuniu.workforce.bulk.store import _Store
from shuniu.workforce.identity import Protector


class _ImportState:
    """What one import holds while it runs, shared by its stages (set up by ``_Import``)."""

    actor: Actor
    dry_run: bool
    progress: ImportProgress | None
    synthetic: bool
    background_writes: bool
    summary_action: str
    problems: _Problems
    refs: _References
    today: dt.date
    rows: int
    written: bool
    chunks: int
    import_key: str
    protector: Protector
    db: _Store
    now: Any
    older_keys: bool
    first_person: int
    first_certificate: int
    first_job: int
    next_person: int
    next_certificate: int
    next_job: int
    person_rows: array[int]
    certificate_rows: array[int]
    job_rows: array[int]
    job_given: bytearray
    people_flags: bytearray
    certificate_flags: bytearray
    job_flags: bytearray
    changed_people: dict[int, tuple[int, int]]
    changed_jobs: dict[int, int]
    in_scope: set[int] | None
    # Changes to records stored before the current chunk: id -> state (people), or
    # employment id -> [role, ends_on]; with the state before, for the audit.
    person_updates: dict[int, list[Any]]
    person_before: dict[int, list[Any]]
    job_updates: dict[int, list[Any]]
    job_before: dict[int, list[Any]]
    update_codes: dict[tuple[str, int], str]
    new_people: list[list[Any]]
    new_certificates: list[tuple[Any, ...]]
    new_jobs: list[list[Any]]
    # The last chunk's new records, by ID hash, certificate number and employment key (as
    # the lookups give them): its inserts may still be running when the next chunk is matched.
    recent_people: dict[str, list[Any]]
    recent_certificates: dict[str, tuple[Any, ...]]
    recent_jobs: dict[tuple[int, int, dt.date | None], tuple[Any, ...]]

    def _add(self, row: int, column: str, reason: str) -> None:
        self.problems.add(RowError(row, column, reason))

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)
