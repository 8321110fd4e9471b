"""The stored organizations a chunk of rows names, loaded in a fixed number of queries, and
rows matched to them by credit code or name."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from shuniu.registry import codes
from shuniu.registry.bulk.rows import _DATE_EVENTS, OrganizationRow, _chunks, _Existing, _Planned
from shuniu.registry.bulk.state import _PlannerState
from shuniu.registry.models import EventKind, Organization, OrganizationEvent


class _Matching(_PlannerState):
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

    def _existing_of(self, code: str) -> _Existing | None:
        org = self.by_uscc.get(code)
        return _Existing(org=org) if org is not None else None

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
