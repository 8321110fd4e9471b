"""Bulk writes to the registry: the organization import.

The import is all-or-nothing. Every row is checked first and every problem is reported;
only a file without problems is written, in one transaction, through bulk statements (a
fixed number of queries per chunk of rows). New organizations get the same events,
periods and audit records as ``organization_register`` gives them; changed ones follow the
rules of ``organization_update``.

It streams, like the people import: the rows are read twice, a chunk at a time, and never
held all at once. The first pass checks each chunk against the store and records, per row,
a few integers (its row number, kind, the stored organization it matched, 64-bit digests of
its credit code, name and name with division); the checks across rows (the same code, the
same organization or the same name twice, hubs given by another row) run on those after
the pass. The second pass, only for a file without problems, checks each chunk again (the
store holds what the first pass saw, as matched rows stay locked) and writes it. A hub
that is a row of a later chunk is linked, and its row audited, once that row exists.

Rows arrive already read from the file (see ``shuniu.interop``): values are text, dates or
codes. What only the database knows is resolved here: divisions and service fields given by
code or by name, hubs given by credit code or name, existing organizations to match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import covered_division_ids, is_admin, jurisdictions
from shuniu.core.audit import audit_build, audit_write_many, snapshot
from shuniu.core.errors import PermissionDenied
from shuniu.core.models import AuditRecord
from shuniu.core.rows import RowError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry import codes
from shuniu.registry.models import (
    AssociationLevel,
    DatePrecision,
    EventKind,
    Formation,
    Kind,
    LegalForm,
    Organization,
    OrganizationEvent,
    ServiceField,
)
from shuniu.registry.services import (
    _EVENT_BACKED,
    organization_field_errors,
    organization_periods_rebuild,
    replay_events,
    search_text_for,
)

# (stage, done, total): rows checked (first pass), then rows written (second pass);
# total is 0 when the number of rows is not known.
ImportProgress = Callable[[str, int, int], None]

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"

_CHUNK = 500
# Rows per chunk of each pass: one round of lookups and of inserts.
CHUNK = 2000
# Problems kept for the report (the smallest rows first); the rest are only counted.
MAX_PROBLEMS = 1000
# Rows whose plan is kept for the result besides every update (which a report lists).
MAX_PLANNED = 1000
# Row kinds as one byte each (0: blank or unknown), for hub checks across rows.
_KIND_CODES = {kind: position for position, kind in enumerate(Kind.values, start=1)}
_KIND_OF_CODE = {position: kind for kind, position in _KIND_CODES.items()}

# Hub changes over time are events too: a direct edit would be undone by the next rebuild
# of the organization's state from its events, so it is refused like the fields below.
_EVENT_BACKED_IMPORT: dict[str, tuple[str, ...]] = {
    **{name: (kind,) for name, kind in _EVENT_BACKED.items()},
    "hub": (EventKind.JOINED_HUB, EventKind.LEFT_HUB),
}
_DATE_EVENTS = {"founded_on": EventKind.FOUNDED, "registered_on": EventKind.REGISTERED}
_CHOICES = {
    "kind": Kind.values,
    "association_level": AssociationLevel.values,
    "legal_form": LegalForm.values,
    "formation": Formation.values,
}
_TEXT_FIELDS = ("name_en", "address", "source")
_CHOICE_FIELDS = ("association_level", "legal_form", "formation")


@dataclass
class OrganizationRow:
    """One row of an organization import. Blank values leave existing data alone.

    ``registrar_division`` is a six-digit code or a division name (东城区, 北京市东城区);
    ``hub`` a credit code or the exact name of an organization or of another row;
    ``service_fields`` codes or names. ``errors`` holds what went wrong reading the row:
    the fields named there are not checked again.
    """

    row: int
    name: str = ""
    kind: str = ""
    registrar_division: str = ""
    uscc: str = ""
    name_en: str = ""
    association_level: str = ""
    legal_form: str = ""
    formation: str = ""
    hub: str = ""
    service_fields: list[str] = field(default_factory=list)
    address: str = ""
    source: str = ""
    founded_on: dt.date | None = None
    founded_precision: str = DatePrecision.DAY
    registered_on: dt.date | None = None
    registered_precision: str = DatePrecision.DAY
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class RowPlan:
    """What the import does (or, in a dry run, would do) with one row."""

    row: int
    action: str
    name: str
    fields: tuple[str, ...] = ()
    organization_id: int | None = None


@dataclass
class ImportResult:
    """``errors``: the first MAX_PROBLEMS problems by row (``error_count`` counts all).
    ``plan``: every updated row and the other rows among the first MAX_PLANNED; the counts
    cover every row. Both are empty of plans when any row has a problem."""

    dry_run: bool
    errors: list[RowError]
    plan: list[RowPlan]
    counts: dict[str, int] = field(default_factory=dict)
    error_count: int = 0

    @property
    def created(self) -> int:
        return self.counts.get(CREATE, 0)

    @property
    def updated(self) -> int:
        return self.counts.get(UPDATE, 0)

    @property
    def unchanged(self) -> int:
        return self.counts.get(UNCHANGED, 0)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors


def organizations_import(
    *,
    actor: Any,
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
    with transaction.atomic():
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


def _digest(*parts: str) -> int:
    """A 64-bit key for text compared across rows (0 means none; collisions: one in
    2**64 per pair, about 1e-9 for a file of 200,000 rows)."""
    data = "\x00".join(parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") or 1


@dataclass
class _HubRef:
    """A row naming a hub, kept from the first pass until hubs are resolved across rows."""

    index: int
    row: int
    name: str
    reference: str
    # Stored organizations that the reference names, by code and by name, with kinds.
    stored_by_code: int | None
    stored_by_name: list[int]
    stored_kinds: dict[int, str]
    # The stored organization the row matched: its hub, and whether its history records
    # hub changes.
    existing_pk: int | None
    existing_hub_id: int | None
    hub_events: bool
    # The row's plan without the hub: action, changed fields and event date fields.
    action: str
    changes: tuple[str, ...]
    date_fields: tuple[str, ...]


# ---------------------------------------------------------------------------------------
# Checking and planning
# ---------------------------------------------------------------------------------------


@dataclass
class _Existing:
    """What the import needs to know about a stored organization."""

    org: Organization
    service_fields: set[str] = field(default_factory=set)
    sponsors: list[int] = field(default_factory=list)
    # Event kinds recorded, and the earliest date (with precision) of founded/registered.
    event_kinds: set[str] = field(default_factory=set)
    dates: dict[str, tuple[dt.date, str]] = field(default_factory=dict)
    former_names: list[str] = field(default_factory=list)


@dataclass
class _Planned:
    source: OrganizationRow
    name: str
    # Position among the file's data rows (0 for the first).
    index: int = 0
    division: Division | None = None
    uscc: str | None = None
    existing: _Existing | None = None
    service_fields: list[str] = field(default_factory=list)
    # The hub: an existing organization's id or the index of another planned row.
    hub_org_id: int | None = None
    hub_row: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    new_events: list[tuple[str, dt.date, str]] = field(default_factory=list)
    org: Organization | None = None

    @property
    def action(self) -> str:
        if self.existing is None:
            return CREATE
        return UPDATE if self.changes or self.new_events else UNCHANGED

    @property
    def org_id(self) -> int | None:
        if self.org is not None:
            return self.org.pk
        return self.existing.org.pk if self.existing is not None else None

    def plan(self) -> RowPlan:
        fields = tuple(self.changes) + tuple(
            name
            for name, kind in _DATE_EVENTS.items()
            if any(e[0] == kind for e in self.new_events)
        )
        return RowPlan(
            row=self.source.row,
            action=self.action,
            name=self.name,
            fields=fields if self.action == UPDATE else (),
            organization_id=self.org_id,
        )


def _norm_token(value: str) -> str:
    return "".join(value.split()).lower()


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _precision_contains(outer: tuple[dt.date, str], inner: dt.date) -> bool:
    date, precision = outer
    if precision == DatePrecision.YEAR:
        return date.year == inner.year
    if precision == DatePrecision.MONTH:
        return (date.year, date.month) == (inner.year, inner.month)
    return date == inner


def _dates_agree(recorded: tuple[dt.date, str], given: tuple[dt.date, str]) -> bool:
    """The same date, or the vaguer of the two (a month, a year) contains the other."""
    return _precision_contains(recorded, given[0]) or _precision_contains(given, recorded[0])


class _Planner:
    def __init__(
        self,
        *,
        actor: Any,
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

    # -- reference data -------------------------------------------------------------

    def _divisions_by_name(self) -> dict[str, list[Division]]:
        names: dict[str, list[Division]] = defaultdict(list)
        for division in self.index.by_id.values():
            keys = {_norm_token(division.name)}
            parent = self.index.by_id.get(division.parent_id) if division.parent_id else None
            if parent is not None:
                keys.add(_norm_token(parent.name + division.name))
            for key in keys:
                names[key].append(division)
        return names

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

    def _index_orgs(self) -> None:
        for org in self.orgs.values():
            if org.uscc:
                self.by_uscc[org.uscc] = org
            self.by_name[org.name].append(org)

    def _load_existing(self, rows: Sequence[OrganizationRow]) -> None:
        wanted_codes: set[str] = set()
        wanted_names: set[str] = set()
        for row in rows:
            if row.uscc.strip():
                wanted_codes.add(codes.normalize_uscc(row.uscc))
            if row.name.strip():
                wanted_names.add(row.name.strip())
            if row.hub.strip():
                wanted_codes.add(codes.normalize_uscc(row.hub))
                wanted_names.add(row.hub.strip())
        base = Organization.objects.all()
        if self.lock:
            base = base.select_for_update()
        for chunk in _chunks(sorted(wanted_codes)):
            for org in base.filter(uscc__in=chunk):
                self.orgs[org.pk] = org
        for chunk in _chunks(sorted(wanted_names)):
            for org in base.filter(name__in=chunk):
                self.orgs[org.pk] = org
        self._index_orgs()

    def _load_details(self, planned_rows: Sequence[_Planned]) -> None:
        """Service fields, sponsors and events of the organizations rows matched."""
        for planned in planned_rows:
            if planned.existing is not None:
                pk = planned.existing.org.pk
                planned.existing = self.existing.setdefault(pk, planned.existing)
        ids = sorted(self.existing)
        through_fields = Organization.service_fields.through.objects
        through_sponsors = Organization.sponsors.through.objects
        for chunk in _chunks(ids):
            for org_id, code in through_fields.filter(organization_id__in=chunk).values_list(
                "organization_id", "servicefield_id"
            ):
                self.existing[org_id].service_fields.add(code)
            for org_id, sponsor_id in through_sponsors.filter(
                from_organization_id__in=chunk
            ).values_list("from_organization_id", "to_organization_id"):
                self.existing[org_id].sponsors.append(sponsor_id)
            events = OrganizationEvent.objects.filter(organization_id__in=chunk).values_list(
                "organization_id", "kind", "date", "date_precision", "name_before"
            )
            for org_id, kind, date, precision, name_before in events.order_by("date", "id"):
                info = self.existing[org_id]
                info.event_kinds.add(kind)
                for field_name, event_kind in _DATE_EVENTS.items():
                    if kind == event_kind and field_name not in info.dates:
                        info.dates[field_name] = (date, precision)
                if kind == EventKind.RENAMED and name_before:
                    info.former_names.append(name_before)

    # -- the first pass: each chunk alone and against the store -----------------------

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

    def _report(self, stage: str, done: int) -> None:
        if self.progress:
            self.progress(stage, done, max(self.total, done))

    def _record(self, plan: RowPlan) -> None:
        self.counts[plan.action] += 1
        if plan.action == UPDATE or len(self.plan) < MAX_PLANNED:
            self.plan.append(plan)

    def _hub_ref(self, planned: _Planned, reference: str) -> _HubRef:
        code = codes.normalize_uscc(reference)
        by_code = self.by_uscc.get(code)
        by_name = [org.pk for org in self.by_name.get(reference, [])]
        kinds = {org.pk: org.kind for org in self.by_name.get(reference, [])}
        if by_code is not None:
            kinds[by_code.pk] = by_code.kind
        existing = planned.existing
        plan = planned.plan()
        changes = tuple(planned.changes)
        return _HubRef(
            index=planned.index,
            row=planned.source.row,
            name=planned.name,
            reference=reference,
            stored_by_code=by_code.pk if by_code is not None else None,
            stored_by_name=by_name,
            stored_kinds=kinds,
            existing_pk=existing.org.pk if existing else None,
            existing_hub_id=existing.org.hub_id if existing else None,
            hub_events=bool(
                existing and existing.event_kinds.intersection(_EVENT_BACKED_IMPORT["hub"])
            ),
            action=planned.action,
            changes=changes,
            date_fields=plan.fields[len(changes) :] if plan.action == UPDATE else (),
        )

    # -- across rows, once all are checked ----------------------------------------------

    def check_across_rows(self) -> None:
        self._check_duplicates()
        self._resolve_hubs()

    def _firsts(self, keys: Sequence[int], rows: Iterable[int]) -> Iterator[tuple[int, int]]:
        """(position, first position with the same key) for rows repeating an earlier key."""
        first: dict[int, int] = {}
        # Only keys seen twice need a dictionary entry: find them by sorting.
        ordered = sorted((keys[i], i) for i in rows if keys[i])
        repeated = {key for (key, _i), (after, _j) in itertools.pairwise(ordered) if key == after}
        for key, position in ordered:
            if key in repeated:
                if key in first:
                    yield position, first[key]
                else:
                    first[key] = position

    def _dup(self, index: int, field_name: str, reason: str) -> None:
        self._add(RowError(row=self.row_numbers[index], field=field_name, reason=reason))

    def _check_duplicates(self) -> None:
        """The same credit code, the same stored organization, or the same name and
        registrar division on two rows: the later row is the problem. A row with one of
        these problems is not compared further (as if it were not there)."""
        everyone = range(len(self.row_numbers))
        out: set[int] = set()
        for index, first in self._firsts(self.code_keys, everyone):
            out.add(index)
            self._dup(
                index,
                "uscc",
                _("The same credit code is in row %(row)s.") % {"row": self.row_numbers[first]},
            )
        same_org = list(self._firsts(self.matched_pk, (i for i in everyone if i not in out)))
        names = dict(
            Organization.objects.filter(
                pk__in={self.matched_pk[i] for i, _first in same_org}
            ).values_list("pk", "name")
        )
        for index, first in same_org:
            out.add(index)
            self._dup(
                index,
                "name",
                _("This row and row %(row)s are the same organization (%(name)s).")
                % {"row": self.row_numbers[first], "name": names[self.matched_pk[index]]},
            )
        remaining = [i for i in everyone if i not in out]
        for index, first in self._firsts(self.name_division_keys, remaining):
            if self.code_keys[first] and self.code_keys[index]:
                continue
            self._dup(
                index,
                "name",
                _(
                    "Row %(row)s has the same name and registrar division; give both "
                    "rows their credit codes."
                )
                % {"row": self.row_numbers[first]},
            )

    def _rows_with(self, keys: Sequence[int], wanted: set[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if wanted:
            for position, key in enumerate(keys):
                if key in wanted:
                    found[key].append(position)
        return found

    def _resolve_hubs(self) -> None:
        if not self.hub_refs:
            return
        by_code = self._rows_with(
            self.code_keys, {_digest(codes.normalize_uscc(h.reference)) for h in self.hub_refs}
        )
        by_name = self._rows_with(self.name_keys, {_digest(h.reference) for h in self.hub_refs})
        stored = {pk for h in self.hub_refs for pk in (h.stored_by_code, *h.stored_by_name) if pk}
        matched: dict[int, int] = {}
        if stored:
            for position, pk in enumerate(self.matched_pk):
                if pk in stored:
                    matched[pk] = position
        for ref in sorted(self.hub_refs, key=lambda h: h.index):
            self._resolve_hub(ref, by_code, by_name, matched)
        self.hub_refs = []
        self.plan.sort(key=lambda p: p.row)

    def _resolve_hub(
        self,
        ref: _HubRef,
        rows_by_code: dict[int, list[int]],
        rows_by_name: dict[int, list[int]],
        matched: dict[int, int],
    ) -> None:
        row, reference = ref.row, ref.reference
        # A target is ("org", id) or ("row", position); a row that matched a stored
        # organization is that organization.
        targets: set[tuple[str, int]] = set()

        def row_target(index: int) -> tuple[str, int]:
            pk = self.matched_pk[index]
            return ("org", pk) if pk else ("row", index)

        code = codes.normalize_uscc(reference)
        targets.update(row_target(i) for i in rows_by_code.get(_digest(code), ()))
        if ref.stored_by_code is not None:
            targets.add(("org", ref.stored_by_code))
        if not targets:
            targets.update(row_target(i) for i in rows_by_name.get(_digest(reference), ()))
            targets.update(("org", pk) for pk in ref.stored_by_name)
        if not targets:
            self._add(
                RowError(
                    row,
                    "hub",
                    _(
                        "No organization, stored or in this file, has the credit code or "
                        "name %(value)s."
                    )
                    % {"value": reference},
                )
            )
            return
        if len(targets) > 1:
            self._add(
                RowError(
                    row,
                    "hub",
                    _("Several organizations are called %(value)s; give the hub's credit code.")
                    % {"value": reference},
                )
            )
            return
        kind_of_target, ident = targets.pop()
        if kind_of_target == "org" and ident in matched:
            kind_of_target, ident = "row", matched[ident]
        hub_org_id: int | None
        hub_row: int | None = None
        if kind_of_target == "row":
            if ident == ref.index:
                self._add(RowError(row, "hub", _("An organization cannot lead itself.")))
                return
            target_kind = _KIND_OF_CODE.get(self.kinds[ident], "")
            hub_row = ident
            hub_org_id = self.matched_pk[ident] or None
            self.hub_targets.add(ident)
        else:
            target_kind = ref.stored_kinds.get(ident, "")
            hub_org_id = ident
        if target_kind and target_kind != Kind.ASSOCIATION:
            self._add(RowError(row, "hub", _("The leading hub must be an association.")))
        self.hubs[ref.index] = (hub_org_id, hub_row)
        # The hub changes a stored organization's record (see ``_changes``).
        action, changes = ref.action, ref.changes
        if ref.existing_pk is not None and (
            (hub_row is not None and hub_org_id is None)
            or (hub_org_id is not None and hub_org_id != ref.existing_hub_id)
        ):
            changes = (*changes, "hub")
            action = UPDATE
            if ref.hub_events:
                self._add(
                    RowError(
                        row,
                        "hub",
                        _(
                            "This organization's history records changes of this field; "
                            "add a '%(event)s' event instead."
                        )
                        % {"event": EventKind(EventKind.JOINED_HUB).label},
                    )
                )
        self._record(
            RowPlan(
                row=row,
                action=action,
                name=ref.name,
                fields=(*changes, *ref.date_fields) if action == UPDATE else (),
                organization_id=ref.existing_pk,
            )
        )

    # -- the second pass: each chunk planned again, to be written -------------------------

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

    # -- problems and the result ------------------------------------------------------

    def _add(self, error: RowError) -> None:
        self.error_count += 1
        self.errors.append(error)
        if len(self.errors) >= 4 * MAX_PROBLEMS:
            self.errors.sort(key=lambda e: e.row)
            del self.errors[MAX_PROBLEMS:]

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

    def _error(self, row: OrganizationRow, field_name: str, reason: str) -> None:
        self._add(RowError(row=row.row, field=field_name, reason=reason))
        self.faulty[row.row].add(field_name)

    def _check_row(self, row: OrganizationRow) -> _Planned:
        for error in row.errors:
            self._add(error)
        self.faulty[row.row].update(e.field for e in row.errors)
        unread = {e.field for e in row.errors}
        planned = _Planned(source=row, name=row.name.strip())
        for field_name in ("name", "kind", "registrar_division"):
            if field_name not in unread and not str(getattr(row, field_name)).strip():
                self._error(row, field_name, _("This value is required."))
        for field_name, allowed in _CHOICES.items():
            value = getattr(row, field_name)
            if value and value not in allowed:
                self._error(
                    row,
                    field_name,
                    _("Unknown value %(value)s; one of: %(allowed)s.")
                    % {"value": value, "allowed": ", ".join(allowed)},
                )
        if row.registrar_division.strip() and "registrar_division" not in unread:
            planned.division = self._division(row)
        if row.uscc.strip() and "uscc" not in unread:
            planned.uscc = codes.normalize_uscc(row.uscc)
            planned.existing = self._existing_of(planned.uscc)
            self._check_uscc(row, planned)
        if planned.existing is None and planned.division is not None and planned.name:
            self._match_by_name(row, planned)
        if "service_fields" not in unread:
            planned.service_fields = self._service_fields(row)
        for field_name in ("founded_on", "registered_on"):
            if field_name in unread:
                return planned
        if (
            row.founded_on is not None
            and row.registered_on is not None
            and row.founded_on > row.registered_on
        ):
            self._error(
                row,
                "founded_on",
                _("The founding date %(founded)s is after the registration date %(registered)s.")
                % {
                    "founded": row.founded_on.isoformat(),
                    "registered": row.registered_on.isoformat(),
                },
            )
        return planned

    def _existing_of(self, code: str) -> _Existing | None:
        org = self.by_uscc.get(code)
        return _Existing(org=org) if org is not None else None

    def _division(self, row: OrganizationRow) -> Division | None:
        value = row.registrar_division.strip()
        if value.isdigit() and len(value) == 6:
            division = self.index.by_code.get(value)
            if division is None:
                self._error(
                    row,
                    "registrar_division",
                    _("Unknown division code %(code)s.") % {"code": value},
                )
            return self._in_jurisdiction(row, division)
        matches = self.divisions_by_name.get(_norm_token(value), [])
        if not matches:
            self._error(
                row,
                "registrar_division",
                _(
                    "Unknown division %(value)s: give a six-digit code or a name such as "
                    "东城区 or 北京市东城区."
                )
                % {"value": value},
            )
            return None
        if len(matches) > 1:
            self._error(
                row,
                "registrar_division",
                _(
                    "%(value)s names several divisions (%(codes)s); give the code or the "
                    "name with its city."
                )
                % {"value": value, "codes": ", ".join(sorted(d.code for d in matches))},
            )
            return None
        return self._in_jurisdiction(row, matches[0])

    def _in_jurisdiction(self, row: OrganizationRow, division: Division | None) -> Division | None:
        if division is not None and self.covered is not None and division.pk not in self.covered:
            self._error(
                row,
                "registrar_division",
                _("%(division)s is outside your jurisdiction.") % {"division": division.name},
            )
        return division

    def _check_uscc(self, row: OrganizationRow, planned: _Planned) -> None:
        assert planned.uscc is not None
        existing = planned.existing.org if planned.existing else None
        legal_form = row.legal_form if row.legal_form in LegalForm.values else ""
        legal_form = legal_form or (existing.legal_form if existing else "")
        problems = codes.uscc_problems(planned.uscc, legal_form=legal_form or None)
        # A code already stored with a recorded override is accepted again as it is.
        if existing is not None and existing.uscc_override:
            problems = [p for p in problems if not p.is_check_error]
        if problems:
            self._error(row, "uscc", " ".join(p.message for p in problems))

    def _match_by_name(self, row: OrganizationRow, planned: _Planned) -> None:
        assert planned.division is not None
        candidates = [
            org
            for org in self.by_name.get(planned.name, [])
            if org.registrar_division_id == planned.division.pk
        ]
        if len(candidates) > 1:
            self._error(
                row,
                "name",
                _(
                    "%(count)s organizations are called %(name)s in %(division)s; give the "
                    "credit code."
                )
                % {
                    "count": len(candidates),
                    "name": planned.name,
                    "division": planned.division.name,
                },
            )
        elif candidates:
            org = candidates[0]
            if planned.uscc and org.uscc and org.uscc != planned.uscc:
                self._error(
                    row,
                    "uscc",
                    _("%(name)s in %(division)s is recorded with credit code %(code)s.")
                    % {"name": org.name, "division": planned.division.name, "code": org.uscc},
                )
            else:
                planned.existing = _Existing(org=org)

    def _service_fields(self, row: OrganizationRow) -> list[str]:
        found: list[str] = []
        for token in row.service_fields:
            code = self.fields_by_token.get(_norm_token(token))
            if code is None:
                self._error(
                    row,
                    "service_fields",
                    _("Unknown service field %(value)s.") % {"value": token},
                )
            elif code not in found:
                found.append(code)
        return found

    def _compare(self, planned: _Planned) -> None:
        """Field checks shared with the services, and the changes a matched row makes."""
        row = planned.source
        unread = self.faulty[row.row]
        existing = planned.existing
        if existing is None:
            candidate = self._new_organization(planned)
        else:
            candidate = Organization(
                **{
                    f.attname: getattr(existing.org, f.attname)
                    for f in Organization._meta.concrete_fields
                }
            )
            # Hub rules were checked above for all rows at once (the hub may be a new row).
            candidate.hub_id = None
            self._changes(planned, existing, candidate, unread)
        for field_name, messages in organization_field_errors(candidate, queries=False).items():
            if field_name not in unread:
                self._error(row, field_name, " ".join(messages))

    def _new_organization(self, planned: _Planned) -> Organization:
        row = planned.source
        org = Organization(
            uscc=planned.uscc,
            name=planned.name,
            name_en=row.name_en.strip(),
            kind=row.kind,
            association_level=row.association_level,
            legal_form=row.legal_form,
            address=row.address.strip(),
            formation=row.formation,
            source=row.source.strip(),
        )
        if planned.division is not None:
            org.registrar_division = planned.division
        return org

    def _changes(
        self, planned: _Planned, existing: _Existing, candidate: Organization, unread: set[str]
    ) -> None:
        row = planned.source
        org = existing.org
        wanted: dict[str, Any] = {}
        if planned.uscc and org.uscc != planned.uscc:
            wanted["uscc"] = planned.uscc
        if planned.name and planned.name != org.name:
            wanted["name"] = planned.name
        if row.kind and row.kind != org.kind:
            wanted["kind"] = row.kind
        if planned.division is not None and planned.division.pk != org.registrar_division_id:
            wanted["registrar_division"] = planned.division
            old = self.index.by_id[org.registrar_division_id]
            if self.covered is not None and old.pk not in self.covered:
                self._error(
                    row,
                    "registrar_division",
                    _("%(division)s is outside your jurisdiction.") % {"division": old.name},
                )
        for field_name in _TEXT_FIELDS:
            value = getattr(row, field_name).strip()
            if value and value != getattr(org, field_name):
                wanted[field_name] = value
        for field_name in _CHOICE_FIELDS:
            value = getattr(row, field_name)
            if value and value != getattr(org, field_name):
                wanted[field_name] = value
        if planned.service_fields and set(planned.service_fields) != existing.service_fields:
            wanted["service_fields"] = planned.service_fields
        if (planned.hub_row is not None and planned.hub_org_id is None) or (
            planned.hub_org_id is not None and planned.hub_org_id != org.hub_id
        ):
            wanted["hub"] = True
        for field_name, event_kinds in _EVENT_BACKED_IMPORT.items():
            if field_name in wanted and existing.event_kinds.intersection(event_kinds):
                self._error(
                    row,
                    field_name,
                    _(
                        "This organization's history records changes of this field; "
                        "add a '%(event)s' event instead."
                    )
                    % {"event": EventKind(event_kinds[0]).label},
                )
        if "legal_form" in wanted and not planned.uscc and org.uscc:
            problems = codes.uscc_problems(org.uscc, legal_form=wanted["legal_form"])
            problems = [p for p in problems if not (org.uscc_override and p.is_check_error)]
            if problems:
                self._error(row, "legal_form", " ".join(p.message for p in problems))
        self._event_dates(planned, existing, unread)
        planned.changes = wanted
        for field_name, value in wanted.items():
            if field_name in {"service_fields", "hub"}:
                continue
            setattr(candidate, field_name, value)

    def _event_dates(self, planned: _Planned, existing: _Existing, unread: set[str]) -> None:
        """Dates recorded as events must agree with the file; missing ones are added."""
        row = planned.source
        effective: dict[str, dt.date] = {}
        for field_name, event_kind in _DATE_EVENTS.items():
            date = getattr(row, field_name)
            precision = getattr(row, field_name.replace("_on", "_precision"))
            recorded = existing.dates.get(field_name)
            if recorded is not None:
                effective[field_name] = recorded[0]
            if date is None or field_name in unread:
                continue
            if recorded is None:
                planned.new_events.append((event_kind, date, precision))
                effective[field_name] = date
            elif not _dates_agree(recorded, (date, precision)):
                self._error(
                    row,
                    field_name,
                    _(
                        "History differs: %(date)s is recorded for this event; record a "
                        "correction event instead of importing another date."
                    )
                    % {"date": recorded[0].isoformat()},
                )
        founded, registered = effective.get("founded_on"), effective.get("registered_on")
        if (
            planned.new_events
            and founded is not None
            and registered is not None
            and founded > registered
        ):
            self._error(
                row,
                "founded_on",
                _("The founding date %(founded)s is after the registration date %(registered)s.")
                % {"founded": founded.isoformat(), "registered": registered.isoformat()},
            )


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _org_snapshot(
    org: Organization, service_fields: Iterable[str], sponsors: Iterable[int]
) -> dict[str, Any]:
    # The shape ``services._audit_org`` writes, from values already in memory.
    data = snapshot(org)
    data["service_fields"] = sorted(service_fields)
    data["sponsors"] = sorted(sponsors)
    return data


def _set_state_from_dates(org: Organization, row: OrganizationRow, today: dt.date) -> None:
    """Fill in the state the rebuild derives from the founding and registration events.

    Only saves time: ``organization_periods_rebuild`` still recomputes it and would correct
    any difference, but with nothing to correct it leaves thousands of new rows alone
    instead of updating each one.
    """
    events = [
        OrganizationEvent(kind=kind, date=date)
        for kind, date in (
            (EventKind.FOUNDED, row.founded_on),
            (EventKind.REGISTERED, row.registered_on),
        )
        if date is not None
    ]
    periods, _state, _touched = replay_events(org, events)
    current = [period for period in periods if period.start <= today]
    org.status = current[-1].status if current else ""
    org.founded_on, org.registered_on = row.founded_on, row.registered_on


class _Writer:
    """Writes the chunks the second pass planned; ``finish`` links the hubs that were rows
    of later chunks and audits their rows."""

    def __init__(self, *, actor: Any, planner: _Planner, progress: ImportProgress | None) -> None:
        self.actor = actor
        self.planner = planner
        self.progress = progress
        # Ids of organizations created for rows that are another row's hub, by position.
        self.target_ids: dict[int, int] = {}
        # Rows whose hub is a row not yet written: linked and audited by ``finish``.
        self.pending_new: list[_Planned] = []
        self.pending_changed: list[tuple[_Planned, dict[str, Any]]] = []

    def _division_code(self, org: Organization) -> str:
        return self.planner.index.by_id[org.registrar_division_id].code

    def _hub_id(self, p: _Planned) -> int | None:
        """The hub's id, or None while the hub is a row not yet written."""
        if p.hub_row is not None and p.hub_org_id is None:
            return self.target_ids.get(p.hub_row)
        return p.hub_org_id

    def _pending(self, p: _Planned) -> bool:
        return p.hub_row is not None and p.hub_org_id is None and self._hub_id(p) is None

    def write(self, planned: list[_Planned]) -> None:
        new = [p for p in planned if p.action == CREATE]
        changed = [p for p in planned if p.action == UPDATE]
        self._create(new)
        self._link_hubs(new)
        self._service_fields(new, changed)
        pending = {id(p) for p in self.pending_new}
        registered_audit = self._audit_created([p for p in new if id(p) not in pending])
        before = {
            p.source.row: _org_snapshot(
                p.existing.org, p.existing.service_fields, p.existing.sponsors
            )
            for p in changed
            if p.existing is not None
        }
        self._update(changed)
        events = self._events(new, changed)
        touched = [p.org for p in [*new, *changed] if p.org is not None]
        organization_periods_rebuild(organizations=touched)
        updated_audit = []
        for p in changed:
            if self._pending(p):
                self.pending_changed.append((p, before[p.source.row]))
            else:
                updated_audit.append(self._audit_updated(p, before[p.source.row]))
        audit_write_many([*registered_audit, *events, *updated_audit])
        self.planner.written(planned)

    def finish(self) -> None:
        linked = []
        for p in self.pending_new:
            assert p.org is not None
            p.org.hub_id = self._hub_id(p)
            linked.append(p.org)
        for p, _before in self.pending_changed:
            assert p.org is not None
            p.org.hub_id = self._hub_id(p)
            linked.append(p.org)
        if linked:
            Organization.objects.bulk_update(linked, ["hub"], batch_size=_CHUNK)
        audit_write_many(
            [
                *self._audit_created(self.pending_new),
                *(self._audit_updated(p, before) for p, before in self.pending_changed),
            ]
        )

    def _audit_updated(self, p: _Planned, before: dict[str, Any]) -> AuditRecord:
        assert p.org is not None
        assert p.existing is not None
        fields = p.changes.get("service_fields", sorted(p.existing.service_fields))
        return audit_build(
            actor=self.actor,
            action="organization.update",
            instance=p.org,
            before=before,
            after=_org_snapshot(p.org, fields, p.existing.sponsors),
            division_code=self._division_code(p.org),
        )

    def _create(self, new: list[_Planned]) -> None:
        today = timezone.localdate()
        orgs = []
        for p in new:
            org = self.planner._new_organization(p)
            org.hub_id = p.hub_org_id
            org.search_text = search_text_for(org)
            _set_state_from_dates(org, p.source, today)
            p.org = org
            orgs.append(org)
        Organization.objects.bulk_create(orgs, batch_size=_CHUNK)
        for p in new:
            if p.index in self.planner.hub_targets:
                assert p.org is not None
                self.target_ids[p.index] = p.org.pk

    def _link_hubs(self, new: list[_Planned]) -> None:
        """Hubs that are themselves new rows get their ids once those rows exist."""
        linked = []
        for p in new:
            if p.hub_row is not None and p.hub_org_id is None:
                assert p.org is not None
                hub_id = self._hub_id(p)
                if hub_id is None:
                    self.pending_new.append(p)
                    continue
                p.org.hub_id = hub_id
                linked.append(p.org)
        if linked:
            Organization.objects.bulk_update(linked, ["hub"], batch_size=_CHUNK)

    def _service_fields(self, new: list[_Planned], changed: list[_Planned]) -> None:
        through = Organization.service_fields.through
        replaced = [p for p in changed if "service_fields" in p.changes]
        for chunk in _chunks([p.existing.org.pk for p in replaced if p.existing]):
            through.objects.filter(organization_id__in=chunk).delete()
        links = []
        for p in new:
            assert p.org is not None
            links += [
                through(organization_id=p.org.pk, servicefield_id=c) for c in p.service_fields
            ]
        for p in replaced:
            assert p.existing is not None
            links += [
                through(organization_id=p.existing.org.pk, servicefield_id=c)
                for c in p.changes["service_fields"]
            ]
        through.objects.bulk_create(links, batch_size=_CHUNK)

    def _audit_created(self, new: list[_Planned]) -> list[AuditRecord]:
        records = []
        for p in new:
            assert p.org is not None
            records.append(
                audit_build(
                    actor=self.actor,
                    action="organization.register",
                    instance=p.org,
                    before=None,
                    after=_org_snapshot(p.org, p.service_fields, ()),
                    division_code=self._division_code(p.org),
                )
            )
        return records

    def _update(self, changed: list[_Planned]) -> None:
        now = timezone.now()
        orgs = []
        columns: set[str] = {"version", "updated_at", "search_text"}
        for p in changed:
            assert p.existing is not None
            org = p.existing.org
            for field_name, value in p.changes.items():
                if field_name == "service_fields":
                    continue
                if field_name == "hub":
                    # A hub that is a row not yet written is set by ``finish``.
                    if not self._pending(p):
                        org.hub_id = self._hub_id(p)
                else:
                    setattr(org, field_name, value)
                columns.add(field_name)
            org.version += 1
            org.updated_at = now
            org.search_text = search_text_for(org, p.existing.former_names)
            p.org = org
            orgs.append(org)
        columns.discard("service_fields")
        if orgs:
            Organization.objects.bulk_update(orgs, sorted(columns), batch_size=_CHUNK)

    def _events(self, new: list[_Planned], changed: list[_Planned]) -> list[AuditRecord]:
        events: list[OrganizationEvent] = []
        for p in new:
            assert p.org is not None
            row = p.source
            dated: list[tuple[str, dt.date | None, str]] = [
                (EventKind.FOUNDED, row.founded_on, row.founded_precision),
                (EventKind.REGISTERED, row.registered_on, row.registered_precision),
            ]
            for kind, date, precision in dated:
                if date is not None:
                    p.new_events.append((kind, date, precision))
        for p in [*new, *changed]:
            assert p.org is not None
            for event_kind, event_date, precision in p.new_events:
                events.append(
                    OrganizationEvent(
                        organization=p.org,
                        kind=event_kind,
                        date=event_date,
                        date_precision=precision,
                        source=(p.source.source.strip() or p.org.name)[:255],
                    )
                )
        OrganizationEvent.objects.bulk_create(events, batch_size=_CHUNK)
        return [
            audit_build(
                actor=self.actor,
                action="organization_event.add",
                instance=event,
                before=None,
                after=snapshot(event),
                division_code=self._division_code(event.organization),
            )
            for event in events
        ]
