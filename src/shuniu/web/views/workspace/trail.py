"""Audit records as people read them: who did what to which record, and each field's value
before and after. Values that are ids (divisions, organizations) or codes (choices, service
fields) are shown by name, looked up once per page whatever its length."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuniu.core.audit import BATCH_TYPE
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Organization, OrganizationEvent, ServiceField, Support
from shuniu.web.names import place_name
from shuniu.workforce.models import Person, shown_mask

ORGANIZATION = Organization._meta.label_lower
EVENT = OrganizationEvent._meta.label_lower
SUPPORT = Support._meta.label_lower
PERSON = Person._meta.label_lower
# The records that make up an organization's history, and the key that points back at it.
ORGANIZATION_PARTS = ((EVENT, "organization_id"), (SUPPORT, "receiver_id"), (SUPPORT, "giver_id"))

ACTIONS = {
    "organization.register": gettext_lazy("organization entered"),
    "organization.update": gettext_lazy("organization corrected"),
    "organization_event.add": gettext_lazy("event added"),
    "organization_event.delete": gettext_lazy("event deleted"),
    "support.record": gettext_lazy("support recorded"),
    "published_figure.create": gettext_lazy("published figure entered"),
    "published_figure.update": gettext_lazy("published figure corrected"),
    "policy_document.create": gettext_lazy("policy document entered"),
    "target.create": gettext_lazy("target entered"),
    "person.register": gettext_lazy("person entered"),
    "person.update": gettext_lazy("person corrected"),
    "person.id_number.view": gettext_lazy("ID number viewed"),
    "person.keys.rotate": gettext_lazy("ID-number key rotated"),
    "certificate.add": gettext_lazy("certificate added"),
    "certificate.revoke": gettext_lazy("certificate revoked"),
    "certificate_registration.add": gettext_lazy("certificate registration added"),
    "certificate_registration.update": gettext_lazy("certificate registration corrected"),
    "employment.start": gettext_lazy("employment started"),
    "employment.end": gettext_lazy("employment ended"),
    "employment.update": gettext_lazy("employment corrected"),
    "graduate_cohort.record": gettext_lazy("graduate cohort recorded"),
    "placement.add": gettext_lazy("placement added"),
    "programme.create": gettext_lazy("programme entered"),
    "user.create": gettext_lazy("user created"),
    "role.assign": gettext_lazy("role assigned"),
    "api_token.create": gettext_lazy("API token issued"),
    "api_token.revoke": gettext_lazy("API token revoked"),
    "people.import_batch": gettext_lazy("people imported (a batch of rows)"),
    "organizations.import_batch": gettext_lazy("organizations imported (a batch of rows)"),
}
# What an import batch record lists, by table (core.audit.BatchAudit).
BATCH_TABLES = {
    "person": (gettext_lazy("people created"), gettext_lazy("people changed")),
    "certificate": (gettext_lazy("certificates created"), gettext_lazy("certificates changed")),
    "employment": (gettext_lazy("employments created"), gettext_lazy("employments changed")),
    "organization": (
        gettext_lazy("organizations created"),
        gettext_lazy("organizations changed"),
    ),
}
CREATED, UPDATED, DELETED = "created", "updated", "deleted"
_EVENT_KIND = OrganizationEvent._meta.get_field("kind")
PERSON = Person._meta.label_lower
_HIDDEN_KEYS = {"id", "version", "search_text", "created_at", "updated_at"}
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: str
    after: str


@dataclass
class TrailEntry:
    record: AuditRecord
    at: dt.datetime
    actor: str  # who: a user name, or the account a command ran as
    channel: str  # how, when not through the site: "command line: demo load"
    action: str
    change: str  # CREATED, UPDATED or DELETED
    object_type: str
    object_label: str
    division: str
    organization_id: int | None  # the organization whose history holds the record
    fields: list[FieldChange] = field(default_factory=list)


def actor_parts(label: str) -> tuple[str, str]:
    """A stored actor label as who and how: the command line's "cli:root (demo load)" is
    root, by the command line (demo load); a user's label is their name alone."""
    if not label.startswith("cli:"):
        return label, ""
    who, _sep, command = label[len("cli:") :].partition(" (")
    channel = _("command line")
    if command.endswith(")"):
        channel = _("command line: %(command)s") % {"command": command[:-1]}
    return who, channel


# The demo loads whole tables at once, one action per table ("person.demo_load").
DEMO_LOAD_SUFFIX = ".demo_load"


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    if label is None and action.endswith(DEMO_LOAD_SUFFIX):
        label = gettext_lazy("loaded with the demo dataset")
    return capfirst(str(label)) if label is not None else action


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _fields_by_key(model: type[models.Model] | None) -> dict[str, models.Field[Any, Any]]:
    if model is None:
        return {}
    found: dict[str, models.Field[Any, Any]] = {}
    for f in model._meta.get_fields():
        if isinstance(f, models.Field):
            found[f.attname] = f
            found[f.name] = f
    return found


def _organization_id(record: AuditRecord) -> int | None:
    if record.object_type == ORGANIZATION:
        return int(record.object_id) if record.object_id.isdigit() else None
    snapshot = record.after or record.before or {}
    key = {EVENT: "organization_id", SUPPORT: "receiver_id"}.get(record.object_type)
    value = snapshot.get(key) if key else None
    return value if isinstance(value, int) else None


class _Names:
    """Names of what snapshots refer to by id or code, read in one query per kind."""

    def __init__(self, records: Sequence[AuditRecord], index: DivisionIndex) -> None:
        self.index = index
        org_ids: set[int] = set()
        field_codes: set[str] = set()
        for record in records:
            for snapshot in (record.before or {}, record.after or {}):
                for key, value in snapshot.items():
                    if key in ("hub_id", "organization_id", "giver_id", "receiver_id"):
                        if isinstance(value, int):
                            org_ids.add(value)
                    elif key == "sponsors" and isinstance(value, list):
                        org_ids.update(v for v in value if isinstance(v, int))
                    elif key == "service_fields" and isinstance(value, list):
                        field_codes.update(str(v) for v in value)
        self.organizations: dict[int, str] = (
            dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
            if org_ids
            else {}
        )
        self.service_fields: dict[str, str] = {}
        if field_codes:
            for f in ServiceField.objects.filter(code__in=field_codes):
                self.service_fields[f.code] = place_name(f)

    def organization(self, pk: Any) -> str:
        if not isinstance(pk, int):
            return EMPTY
        return self.organizations.get(pk) or _("organization %(id)s (deleted)") % {"id": pk}

    def division(self, pk: Any) -> str:
        division: Division | None = self.index.by_id.get(pk) if isinstance(pk, int) else None
        if division is None:
            return EMPTY if pk is None else str(pk)
        return f"{place_name(division)} ({division.code})"


def _display(
    key: str, value: Any, model_field: models.Field[Any, Any] | None, names: _Names
) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if key == "sponsors" and isinstance(value, list):
        return "、".join(names.organization(v) for v in value)
    if key == "service_fields" and isinstance(value, list):
        return "、".join(names.service_fields.get(str(v), str(v)) for v in value)
    if model_field is not None and model_field.is_relation:
        related = model_field.related_model
        if related is Division:
            return names.division(value)
        if related is Organization:
            return names.organization(value)
        return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model_field is not None and model_field.choices:
        choices = {str(k): v for k, v in model_field.flatchoices}
        label = choices.get(str(value))
        return str(label) if label is not None else str(value)
    return str(value)


def _label(key: str, model_field: models.Field[Any, Any] | None) -> str:
    if model_field is not None:
        return capfirst(str(model_field.verbose_name))
    return key


# The stored mask (6 + 4) in a person's label: records written before the shown form and
# the people import's records (its SQL builds the label from the stored mask) carry it.
_STORED_MASK = re.compile(r"\d{6}\*{8}[0-9Xx]{4}")


def _person_shown(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A person's snapshot as the person's page shows it: the shown mask and the birth
    year. The stored mask's last 4 characters and the birth date together are the whole
    ID number, which is read only through the audited reveal."""
    shown = dict(snapshot)
    if isinstance(shown.get("id_masked"), str):
        shown["id_masked"] = shown_mask(shown["id_masked"])
    if isinstance(shown.get("birth_date"), str):
        shown["birth_date"] = shown["birth_date"][:4]
    return shown


def _ids(ids: list[Any]) -> str:
    """A batch's ids in a line: their count and range."""
    numbers = [i for i in ids if isinstance(i, int)]
    if not numbers:
        return EMPTY
    return _("%(count)s (ids %(first)s–%(last)s)") % {
        "count": f"{len(numbers):,}",
        "first": min(numbers),
        "last": max(numbers),
    }


def _batch_changes(record: AuditRecord) -> list[FieldChange]:
    """An import batch as a few lines (the rows, and per table the records created and
    changed), not its lists of ids and keys, which run to thousands."""
    after = record.after if isinstance(record.after, dict) else {}
    rows = after.get("rows") or []
    found = []
    if len(rows) == 2:
        found.append(FieldChange("rows", capfirst(_("rows")), "", f"{rows[0]}–{rows[1]}"))
    created, updated = after.get("created") or {}, after.get("updated") or {}
    for table, (created_label, updated_label) in BATCH_TABLES.items():
        if table in created:
            ids = (created[table] or {}).get("ids") or []
            found.append(FieldChange(table, capfirst(str(created_label)), "", _ids(ids)))
        if table in updated:
            found.append(
                FieldChange(table, capfirst(str(updated_label)), "", _ids(updated[table] or []))
            )
    return found


def _changes(record: AuditRecord, names: _Names) -> list[FieldChange]:
    if record.object_type == BATCH_TYPE:
        return _batch_changes(record)
    before = record.before if isinstance(record.before, dict) else {}
    after = record.after if isinstance(record.after, dict) else {}
    if record.object_type == PERSON:
        before, after = _person_shown(before), _person_shown(after)
    by_key = _fields_by_key(_model(record.object_type))
    # In the model's field order: PostgreSQL's jsonb keeps keys in an order of its own.
    order = {key: position for position, key in enumerate(by_key)}
    keys = sorted(dict.fromkeys([*before, *after]), key=lambda k: order.get(k, len(order)))
    rows = []
    for key in keys:
        if key in _HIDDEN_KEYS:
            continue
        old, new = before.get(key), after.get(key)
        if record.before is not None and record.after is not None and old == new:
            continue
        if old in (None, "", [], False) and new in (None, "", [], False):
            continue  # an empty field of a created or deleted record says nothing
        model_field = by_key.get(key)
        rows.append(
            FieldChange(
                key=key,
                label=(
                    capfirst(_("birth year"))
                    if record.object_type == PERSON and key == "birth_date"
                    else _label(key, model_field)
                ),
                before=_display(key, old, model_field, names) if record.before is not None else "",
                after=_display(key, new, model_field, names) if record.after is not None else "",
            )
        )
    return rows


def _object_label(record: AuditRecord, names: _Names) -> str:
    if record.object_type == BATCH_TYPE:
        after = record.after if isinstance(record.after, dict) else {}
        return _("Import %(key)s, batch %(batch)s") % {
            "key": record.object_id[:8],
            "batch": after.get("batch", ""),
        }
    if record.object_type in (ORGANIZATION, SUPPORT):
        return record.object_repr  # a name, or "giver → receiver: kind"
    if record.object_type == EVENT:
        # From the snapshot, so the kind reads in the reader's language, not the writer's.
        owner = names.organization(_organization_id(record))
        snapshot = record.after or record.before or {}
        kind = _display("kind", snapshot.get("kind"), _EVENT_KIND, names)
        return f"{owner}: {snapshot.get('date', '')} {kind}"
    if record.object_type == PERSON:
        # Bulk imports named the person by the stored mask: the shown one, from the snapshot.
        snapshot = record.after or record.before or {}
        name, masked = snapshot.get("name"), snapshot.get("id_masked")
        if isinstance(name, str) and isinstance(masked, str):
            return f"{capfirst(str(Person._meta.verbose_name))}: {name} ({shown_mask(masked)})"
    model = _model(record.object_type)
    kind = capfirst(str(model._meta.verbose_name)) if model is not None else record.object_type
    label = record.object_repr
    if record.object_type == PERSON:
        label = _STORED_MASK.sub(lambda m: shown_mask(m.group()), label)
    return f"{kind}: {label}" if label else kind


def describe(records: Iterable[AuditRecord], index: DivisionIndex) -> list[TrailEntry]:
    records = list(records)
    names = _Names(records, index)
    codes = {d.code: d for d in index.by_id.values()}
    entries = []
    for record in records:
        if record.before is None:
            change = CREATED
        elif record.after is None:
            change = DELETED
        else:
            change = UPDATED
        division = codes.get(record.division_code)
        who, channel = actor_parts(record.actor_label)
        entries.append(
            TrailEntry(
                record=record,
                at=timezone.localtime(record.at),
                actor=who,
                channel=channel,
                action=action_label(record.action),
                change=change,
                object_type=record.object_type,
                object_label=_object_label(record, names),
                division=place_name(division) if division is not None else "",
                organization_id=_organization_id(record),
                fields=_changes(record, names),
            )
        )
    return entries
