"""The writes of the organization import: bulk inserts and updates of organizations, their
service fields, events, periods and audit records, a fixed number of queries a chunk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_build, audit_write_many, snapshot
from shuniu.core.models import AuditRecord
from shuniu.registry.bulk.planner import _Planner
from shuniu.registry.bulk.rows import (
    _CHUNK,
    CREATE,
    UPDATE,
    ImportProgress,
    OrganizationRow,
    _chunks,
    _Planned,
)
from shuniu.registry.models import EventKind, Organization, OrganizationEvent
from shuniu.registry.services import organization_periods_rebuild, replay_events, search_text_for


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

    def __init__(self, *, actor: Actor, planner: _Planner, progress: ImportProgress | None) -> None:
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
