"""The organization import's row types: a row as read, its plan, a problem, the result; and
what the passes keep of a row (digests, hub references, stored matches)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shuniu.core.rows import RowError as RowError  # re-exported for the bulk package
from shuniu.divisions.models import Division
from shuniu.registry.models import DatePrecision, EventKind, Kind, Organization

# (stage, done, total): rows checked (first pass), then rows written (second pass);
# total is 0 when the number of rows is not known.
ImportProgress = Callable[[str, int, int], None]


CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


_CHUNK = 500


# Problems kept for the report (the smallest rows first); the rest are only counted.
MAX_PROBLEMS = 1000


# Rows whose plan is kept for the result besides every update (which a report lists).
MAX_PLANNED = 1000


# Row kinds as one byte each (0: blank or unknown), for hub checks across rows.
_KIND_CODES = {kind: position for position, kind in enumerate(Kind.values, start=1)}


_KIND_OF_CODE = {position: kind for kind, position in _KIND_CODES.items()}


_DATE_EVENTS = {"founded_on": EventKind.FOUNDED, "registered_on": EventKind.REGISTERED}


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
