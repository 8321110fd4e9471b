"""What the organization import's planner holds across both passes: reference data, the
compact per-row arrays, the problems and the result."""

from __future__ import annotations

from array import array
from collections import defaultdict

from shuniu.accounts.permissions import covered_division_ids
from shuniu.core.actors import Actor
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.bulk.rows import (
    CREATE,
    MAX_PLANNED,
    MAX_PROBLEMS,
    UNCHANGED,
    UPDATE,
    ImportProgress,
    ImportResult,
    OrganizationRow,
    RowError,
    RowPlan,
    _Existing,
    _HubRef,
    _norm_token,
)
from shuniu.registry.models import Organization, ServiceField


class _PlannerState:
    """The planner's state, reference data and problems (see ``planner._Planner``)."""

    def __init__(
        self,
        *,
        actor: Actor,
        lock: bool,
        progress: ImportProgress | None,
        total: int,
    ) -> None:
        self.actor = actor
        self.lock = lock
        self.progress = progress
        self.total = total
        self.index = DivisionIndex.load()
        self.covered = covered_division_ids(actor, self.index)
        self.divisions_by_name = self._divisions_by_name()
        self.fields_by_token = self._service_fields_by_token()
        # Problems: the first MAX_PROBLEMS by row are kept, all are counted.
        self.errors: list[RowError] = []
        self.error_count = 0
        # The current chunk's stored organizations and rows' problems.
        self.faulty: dict[int, set[str]] = defaultdict(set)
        self.orgs: dict[int, Organization] = {}
        self.by_uscc: dict[str, Organization] = {}
        self.by_name: dict[str, list[Organization]] = defaultdict(list)
        self.existing: dict[int, _Existing] = {}
        # Per data row, by position: compact, so that memory does not grow with the rows'
        # text. Digests are 0 where the row has no such value.
        self.row_numbers = array("q")
        self.kinds = bytearray()
        self.matched_pk = array("q")
        self.code_keys = array("Q")
        self.name_keys = array("Q")
        self.name_division_keys = array("Q")
        self.hub_refs: list[_HubRef] = []
        # Position of a row naming a hub -> (stored hub id, position of the hub's row).
        self.hubs: dict[int, tuple[int | None, int | None]] = {}
        # Positions of rows that are the hub of another row.
        self.hub_targets: set[int] = set()
        self.counts: dict[str, int] = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        self.plan: list[RowPlan] = []
        self.rows_checked = 0
        self.rows_replanned = 0
        self.writing = False

    def _divisions_by_name(self) -> dict[str, list[Division]]:
        return self.index.names(_norm_token)

    def _service_fields_by_token(self) -> dict[str, str]:
        tokens: dict[str, str] = {}
        for service_field in ServiceField.objects.all():
            for token in (service_field.code, service_field.name, service_field.name_en):
                if token:
                    tokens[_norm_token(token)] = service_field.code
        return tokens

    def _reset_chunk(self) -> None:
        self.faulty = defaultdict(set)
        self.orgs = {}
        self.by_uscc = {}
        self.by_name = defaultdict(list)
        self.existing = {}

    def _report(self, stage: str, done: int) -> None:
        if self.progress:
            self.progress(stage, done, max(self.total, done))

    def _record(self, plan: RowPlan) -> None:
        self.counts[plan.action] += 1
        if plan.action == UPDATE or len(self.plan) < MAX_PLANNED:
            self.plan.append(plan)

    def _add(self, error: RowError) -> None:
        self.error_count += 1
        self.errors.append(error)
        if len(self.errors) >= 4 * MAX_PROBLEMS:
            self.errors.sort(key=lambda e: e.row)
            del self.errors[MAX_PROBLEMS:]

    def _error(self, row: OrganizationRow, field_name: str, reason: str) -> None:
        self._add(RowError(row=row.row, field=field_name, reason=reason))
        self.faulty[row.row].add(field_name)

    def result(self, *, dry_run: bool) -> ImportResult:
        errors = sorted(self.errors, key=lambda e: e.row)[:MAX_PROBLEMS]
        if errors:
            # Rows that could not be checked fully have no trustworthy plan.
            return ImportResult(
                dry_run=dry_run, errors=errors, plan=[], error_count=self.error_count
            )
        return ImportResult(
            dry_run=dry_run,
            errors=[],
            plan=sorted(self.plan, key=lambda p: p.row),
            counts=dict(self.counts),
        )
