"""What every file import shares, and the registry of importers by entity name.

An importer knows its columns, turns a table into its domain service's rows, and describes
its allowed values for the template. ``shuniu import ENTITY FILE`` and ``shuniu import
template ENTITY FILE.xlsx`` find importers here; a new one (people, …) is one more entry
in :func:`importers`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.functional import Promise

from shuniu.interop.columns import Column, HeaderMap, Problem, map_headers
from shuniu.interop.tables import Table

# (stage, done, total), stages "check" and "write".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class HelpSection:
    """A table of allowed values on the template's help sheet."""

    title: str
    headings: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class Change:
    """A row that changes a stored record, and the columns it changes."""

    row: int
    name: str
    columns: list[str]


@dataclass
class ImportReport:
    dry_run: bool
    written: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # Problems found beyond those listed (an importer may list only the first ones).
    more_problems: int = 0
    # Further counts worth showing (people: certificates and employments created, ...).
    details: dict[str, int] = field(default_factory=dict)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems


class Importer(Protocol):
    # Read-only, so that an importer may declare narrower types (a lazy string, a tuple).
    @property
    def entity(self) -> str: ...

    @property
    def help(self) -> str: ...

    @property
    def sheet_title(self) -> str | Promise: ...

    @property
    def columns(self) -> Sequence[Column]: ...

    def run(
        self,
        *,
        table: Table,
        headers: HeaderMap,
        actor: Any,
        dry_run: bool,
        progress: Progress | None,
    ) -> ImportReport: ...

    def help_sections(self) -> list[HelpSection]: ...


def importers() -> dict[str, Importer]:
    from shuniu.interop.organizations import OrganizationImporter
    from shuniu.interop.people import PeopleImporter

    found: list[Importer] = [OrganizationImporter(), PeopleImporter()]
    return {importer.entity: importer for importer in found}


def run_import(
    importer: Importer,
    table: Table,
    *,
    actor: Any,
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Check (and unless ``dry_run`` write) a table read by ``tables.open_table`` or
    ``tables.read_table``.

    A file whose header row is not understood gets only its header problems: its rows
    cannot be read against columns that are unknown or missing.
    """
    headers = map_headers(table, importer.columns)
    if headers.problems:
        return ImportReport(dry_run=dry_run, problems=headers.problems)
    return importer.run(
        table=table, headers=headers, actor=actor, dry_run=dry_run, progress=progress
    )
