"""The organization import: both passes in one transaction (see the package's description)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin, jurisdictions
from shuniu.core.actors import Actor
from shuniu.core.dataversion import bumps_deferred
from shuniu.core.errors import PermissionDenied
from shuniu.registry.bulk.planner import _Planner
from shuniu.registry.bulk.rows import ImportProgress, ImportResult, OrganizationRow
from shuniu.registry.bulk.store import _Writer

# Rows per chunk of each pass: one round of lookups and of inserts.
CHUNK = 2000


def organizations_import(
    *,
    actor: Actor,
    rows: Iterable[OrganizationRow],
    dry_run: bool,
    progress: ImportProgress | None = None,
    total: int | None = None,
) -> ImportResult:
    """Check every row, then (unless ``dry_run`` or any row has a problem) write them all.

    ``rows`` is iterated twice when the import writes (to check, then to write): a list,
    or an iterable that reads its file again on each iteration. ``total`` is the number of
    rows for progress reports, when known (a list's length otherwise).

    Raises PermissionDenied when the actor may not change the registry at all; a row
    outside the actor's jurisdiction is a row error.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change the registry."))
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may change the registry."))
    if total is None and isinstance(rows, Sized):
        total = len(rows)
    with transaction.atomic(), bumps_deferred():
        planner = _Planner(actor=actor, lock=not dry_run, progress=progress, total=total or 0)
        for chunk in _batches(rows, CHUNK):
            planner.check_chunk(chunk)
        planner.check_across_rows()
        if planner.error_count or dry_run:
            return planner.result(dry_run=dry_run)
        writer = _Writer(actor=actor, planner=planner, progress=progress)
        planner.start_writing()
        for chunk in _batches(rows, CHUNK):
            writer.write(planner.replan_chunk(chunk))
            if planner.error_count:
                break
        if planner.error_count or planner.rows_replanned != planner.rows_checked:
            # The file changed between the two passes: nothing is kept.
            transaction.set_rollback(True)
            planner.file_changed()
            return planner.result(dry_run=dry_run)
        writer.finish()
    return planner.result(dry_run=dry_run)


def _batches(rows: Iterable[OrganizationRow], size: int) -> Iterator[list[OrganizationRow]]:
    batch: list[OrganizationRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
