"""What every file import shares, and the registry of importers by entity name.

An importer knows its columns, turns a table into its domain service's rows, and describes
its allowed values for the template. ``shuniu import ENTITY FILE`` and ``shuniu import
template ENTITY FILE.xlsx`` find importers here; a new one (people, …) is one more entry
in :func:`importers`.
"""

from __future__ import annotations

from shuniu.core.actors import Actor
from shuniu.interop.columns import map_headers
from shuniu.interop.contract import Change, HelpSection, Importer, ImportReport, Progress
from shuniu.interop.organizations import OrganizationImporter
from shuniu.interop.people import PeopleImporter
from shuniu.interop.tables import Table

# The shared types live in ``contract`` (below the importers); importable from here as before.
__all__ = [
    "Change",
    "HelpSection",
    "ImportReport",
    "Importer",
    "Progress",
    "importers",
    "run_import",
]


def importers() -> dict[str, Importer]:
    found: list[Importer] = [OrganizationImporter(), PeopleImporter()]
    return {importer.entity: importer for importer in found}


def run_import(
    importer: Importer,
    table: Table,
    *,
    actor: Actor,
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
