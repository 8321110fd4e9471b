"""The two passes of the organization import over the chunks of rows: check (then the checks
across rows), and plan again to write."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from shuniu.registry.bulk.across_rows import _AcrossRows
from shuniu.registry.bulk.rows import (
    _KIND_CODES,
    CREATE,
    UNCHANGED,
    UPDATE,
    OrganizationRow,
    RowError,
    _chunks,
    _digest,
    _Planned,
)
from shuniu.registry.models import Organization


class _Planner(_AcrossRows):
    def check_chunk(self, rows: Sequence[OrganizationRow]) -> None:
        self._reset_chunk()
        self._load_existing(rows)
        planned_rows: list[_Planned] = []
        for row in rows:
            planned = self._check_row(row)
            planned.index = len(self.row_numbers)
            self.row_numbers.append(row.row)
            self.kinds.append(_KIND_CODES.get(row.kind, 0))
            self.matched_pk.append(planned.existing.org.pk if planned.existing else 0)
            self.code_keys.append(_digest(planned.uscc) if planned.uscc else 0)
            self.name_keys.append(_digest(planned.name))
            division = planned.division
            self.name_division_keys.append(
                _digest(planned.name, str(division.pk)) if division and planned.name else 0
            )
            planned_rows.append(planned)
        self._load_details(planned_rows)
        for planned in planned_rows:
            self._compare(planned)
            reference = planned.source.hub.strip()
            if reference and "hub" not in {e.field for e in planned.source.errors}:
                self.hub_refs.append(self._hub_ref(planned, reference))
            else:
                self._record(planned.plan())
        self.rows_checked += len(rows)
        self._report("check", self.rows_checked)

    def start_writing(self) -> None:
        self.writing = True
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        self.plan = []

    def replan_chunk(self, rows: Sequence[OrganizationRow]) -> list[_Planned]:
        """The chunk's rows planned as the first pass planned them, with their hubs.

        The stored organizations are those the first pass matched (locked since): the
        organizations this pass creates are not matched again.
        """
        self._reset_chunk()
        start = self.rows_replanned
        self.rows_replanned += len(rows)
        positions = range(start, min(start + len(rows), len(self.matched_pk)))
        ids = sorted({self.matched_pk[i] for i in positions if self.matched_pk[i]})
        for chunk in _chunks(ids):
            for org in Organization.objects.filter(pk__in=chunk):
                self.orgs[org.pk] = org
        self._index_orgs()
        errors_before = self.error_count
        planned_rows: list[_Planned] = []
        for offset, row in enumerate(rows):
            index = start + offset
            planned = self._check_row(row)
            planned.index = index
            same = (
                index < len(self.row_numbers)
                and self.row_numbers[index] == row.row
                and self.name_keys[index] == _digest(planned.name)
                and self.code_keys[index] == (_digest(planned.uscc) if planned.uscc else 0)
                and self.kinds[index] == _KIND_CODES.get(row.kind, 0)
            )
            pk = planned.existing.org.pk if planned.existing else 0
            if not same or pk != self.matched_pk[index]:
                self.file_changed(row.row)
                return []
            planned.hub_org_id, planned.hub_row = self.hubs.get(index, (None, None))
            planned_rows.append(planned)
        self._load_details(planned_rows)
        for planned in planned_rows:
            self._compare(planned)
        if self.error_count != errors_before:
            self.file_changed(rows[0].row)
            return []
        return planned_rows

    def file_changed(self, row: int | None = None) -> None:
        if row is None and self.error_count:
            return
        self._add(
            RowError(
                row=row if row is not None else self.rows_replanned + 1,
                field="name",
                reason=_(
                    "The file changed while it was being imported; nothing was written. "
                    "Import it again."
                ),
            )
        )

    def written(self, planned_rows: Sequence[_Planned]) -> None:
        """Count the rows the second pass wrote, with their organizations' ids."""
        for planned in planned_rows:
            self._record(planned.plan())
        self._report("write", self.rows_replanned)
