"""What an importer is and what it answers: the types ``importing`` (which finds and runs
the importers) and each importer (``organizations``, ``people``) share, below both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.functional import Promise

from shuniu.core.actors import Actor
from shuniu.interop.columns import Column, HeaderMap, Problem
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
        actor: Actor,
        dry_run: bool,
        progress: Progress | None,
    ) -> ImportReport: ...

    def help_sections(self) -> list[HelpSection]: ...
