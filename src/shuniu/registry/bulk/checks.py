"""Each row on its own and against the organization it matched: codes, divisions,
jurisdiction, service fields, the changes it makes and the events they need."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.bulk.matching import _Matching
from shuniu.registry.bulk.rows import (
    _DATE_EVENTS,
    UPDATE,
    OrganizationRow,
    _Existing,
    _HubRef,
    _norm_token,
    _Planned,
    _precision_contains,
)
from shuniu.registry.models import (
    AssociationLevel,
    EventKind,
    Formation,
    Kind,
    LegalForm,
    Organization,
)
from shuniu.registry.services import _EVENT_BACKED, organization_field_errors

# Hub changes over time are events too: a direct edit would be undone by the next rebuild
# of the organization's state from its events, so it is refused like the fields below.
_EVENT_BACKED_IMPORT: dict[str, tuple[str, ...]] = {
    **{name: (kind,) for name, kind in _EVENT_BACKED.items()},
    "hub": (EventKind.JOINED_HUB, EventKind.LEFT_HUB),
}


_CHOICES = {
    "kind": Kind.values,
    "association_level": AssociationLevel.values,
    "legal_form": LegalForm.values,
    "formation": Formation.values,
}


_TEXT_FIELDS = ("name_en", "address", "source")


_CHOICE_FIELDS = ("association_level", "legal_form", "formation")


def _dates_agree(recorded: tuple[dt.date, str], given: tuple[dt.date, str]) -> bool:
    """The same date, or the vaguer of the two (a month, a year) contains the other."""
    return _precision_contains(recorded, given[0]) or _precision_contains(given, recorded[0])


class _RowChecks(_Matching):
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
