"""Every write to the registry. Interfaces (API, web, CLI, import) call these only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import require_organization_edit, require_registry_write
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.dataversion import data_version_bump
from shuniu.core.errors import ValidationError
from shuniu.core.unset import UNSET, Unset, given
from shuniu.core.versioning import check_version
from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import (
    EVENT_ORDER,
    STATUS_AFTER_EVENT,
    EventKind,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    ServiceField,
    Support,
)

# ---------------------------------------------------------------------------------------
# Validation shared by the services and the bulk import.
# ---------------------------------------------------------------------------------------


def uscc_clean(
    raw: str | None, *, legal_form: str = "", override_reason: str = ""
) -> tuple[str | None, bool]:
    """Normalise and validate a credit code; returns (code or None, overridden).

    A wrong check character is accepted only with an override reason (a few legal pilot
    codes carry one); structural problems never are.
    """
    if raw is None or not str(raw).strip():
        return None, False
    code = codes.normalize_uscc(str(raw))
    problems = codes.uscc_problems(code, legal_form=legal_form or None)
    if not problems:
        return code, False
    if override_reason.strip() and all(p.is_check_error for p in problems):
        return code, True
    message = "; ".join(p.message for p in problems)
    if all(p.is_check_error for p in problems):
        message += " " + _("(give an override reason if this legal code is known to be so)")
    raise ValidationError({"uscc": message})


def search_text_for(org: Organization, former_names: Iterable[str] = ()) -> str:
    parts = [org.name, org.name_en, org.address, org.uscc or "", *former_names]
    return " ".join(p for p in parts if p).lower()


def organization_field_errors(org: Organization, *, queries: bool = True) -> dict[str, list[str]]:
    """The problems of one organization's own fields, by field.

    ``queries=False`` leaves out every check that reads the database (foreign keys,
    uniqueness, constraints evaluated in SQL): the bulk import checks those for all rows
    at once instead of once per row.
    """
    errors: dict[str, list[str]] = {}
    if org.kind != Kind.ASSOCIATION and org.association_level:
        errors.setdefault("association_level", []).append(
            _("Only associations have a level (city, district or street).")
        )
    if org.hub_id is not None:
        if org.pk is not None and org.hub_id == org.pk:
            errors.setdefault("hub", []).append(_("An organization cannot lead itself."))
        elif org.hub is not None and org.hub.kind != Kind.ASSOCIATION:
            errors.setdefault("hub", []).append(_("The leading hub must be an association."))
    exclude = ["service_fields", "sponsors", "uscc", "search_text"]
    if not queries:
        exclude += ["registrar_division", "hub"]
    try:
        org.full_clean(exclude=exclude, validate_unique=queries, validate_constraints=queries)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


def _validate_organization(org: Organization) -> None:
    errors = organization_field_errors(org)
    if org.uscc:
        clash = Organization.objects.filter(uscc=org.uscc).exclude(pk=org.pk).first()
        if clash is not None:
            errors.setdefault("uscc", []).append(
                _("Credit code %(code)s is already used by %(name)s.")
                % {"code": org.uscc, "name": clash.name}
            )
    if errors:
        raise ValidationError(errors)


def _service_fields(codes_: Sequence[str]) -> list[ServiceField]:
    wanted = list(dict.fromkeys(codes_))
    found = {f.code: f for f in ServiceField.objects.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationError(
            {
                "service_fields": _("Unknown service field: %(codes)s")
                % {"codes": ", ".join(unknown)}
            }
        )
    return [found[c] for c in wanted]


def _audit_org(actor: Actor, action: str, org: Organization, before: dict[str, Any] | None) -> None:
    after = snapshot(org)
    after["service_fields"] = sorted(org.service_fields.values_list("code", flat=True))
    after["sponsors"] = sorted(org.sponsors.values_list("pk", flat=True))
    audit_write(
        actor=actor,
        action=action,
        instance=org,
        before=before,
        after=after,
        division_code=org.registrar_division.code,
    )


def _org_snapshot(org: Organization) -> dict[str, Any]:
    data = snapshot(org)
    data["service_fields"] = sorted(org.service_fields.values_list("code", flat=True))
    data["sponsors"] = sorted(org.sponsors.values_list("pk", flat=True))
    return data


# ---------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------


def organization_register(
    *,
    actor: Actor,
    name: str,
    kind: str,
    registrar_division: Division,
    uscc: str | None = None,
    uscc_override_reason: str = "",
    name_en: str = "",
    association_level: str = "",
    legal_form: str = "",
    address: str = "",
    service_fields: Sequence[str] = (),
    formation: str = "",
    hub: Organization | None = None,
    sponsors: Sequence[Organization] = (),
    founded_on: dt.date | None = None,
    registration_applied_on: dt.date | None = None,
    registered_on: dt.date | None = None,
    source: str = "",
    synthetic: bool = False,
) -> Organization:
    """Enter an organization and the dated events of its founding and registration."""
    require_registry_write(actor, registrar_division)
    code, overridden = uscc_clean(uscc, legal_form=legal_form, override_reason=uscc_override_reason)
    org = Organization(
        uscc=code,
        uscc_override=overridden,
        uscc_override_reason=uscc_override_reason.strip() if overridden else "",
        name=name.strip(),
        name_en=name_en.strip(),
        kind=kind,
        association_level=association_level,
        legal_form=legal_form,
        registrar_division=registrar_division,
        address=address.strip(),
        formation=formation,
        hub=hub,
        source=source,
        synthetic=synthetic,
    )
    _validate_organization(org)
    _check_dates(founded_on, registration_applied_on, registered_on)
    fields = _service_fields(service_fields)
    with transaction.atomic():
        org.search_text = search_text_for(org)
        org.save()
        org.service_fields.set(fields)
        org.sponsors.set(sponsors)
        _audit_org(actor, "organization.register", org, None)
        for kind_, date in (
            (EventKind.FOUNDED, founded_on),
            (EventKind.REGISTRATION_APPLIED, registration_applied_on),
            (EventKind.REGISTERED, registered_on),
        ):
            if date is not None:
                event = OrganizationEvent.objects.create(
                    organization=org, kind=kind_, date=date, source=source or name
                )
                audit_write(
                    actor=actor,
                    action="organization_event.add",
                    instance=event,
                    before=None,
                    after=snapshot(event),
                    division_code=registrar_division.code,
                )
        organization_periods_rebuild(organizations=[org])
        org.refresh_from_db()
    return org


def _check_dates(*dates: dt.date | None) -> None:
    present = [d for d in dates if d is not None]
    if present != sorted(present):
        raise ValidationError(
            {"registered_on": _("Dates must run founded ≤ registration applied ≤ registered.")}
        )


UPDATABLE_FIELDS = {
    "uscc",
    "uscc_override_reason",
    "name",
    "name_en",
    "kind",
    "association_level",
    "legal_form",
    "registrar_division",
    "address",
    "service_fields",
    "formation",
    "hub",
    "sponsors",
    "source",
}

# Fields whose changes over time are events; a direct edit is a correction of the state
# before the first such event and is refused once events record changes to them.
_EVENT_BACKED = {
    "name": EventKind.RENAMED,
    "kind": EventKind.TRANSFORMED,
    "registrar_division": EventKind.MOVED,
    "hub": EventKind.JOINED_HUB,
}


def _kinds(kind: str) -> tuple[str, ...]:
    # Leaving a hub is the other half of the hub's history.
    return (kind, EventKind.LEFT_HUB) if kind == EventKind.JOINED_HUB else (kind,)


def organization_update(
    *,
    actor: Actor,
    organization: Organization,
    expected_version: int | None,
    uscc: str | Unset | None = UNSET,
    uscc_override_reason: str | Unset = UNSET,
    name: str | Unset | None = UNSET,
    name_en: str | Unset | None = UNSET,
    kind: str | Unset | None = UNSET,
    association_level: str | Unset | None = UNSET,
    legal_form: str | Unset | None = UNSET,
    registrar_division: Division | Unset = UNSET,
    address: str | Unset | None = UNSET,
    service_fields: Sequence[str] | Unset = UNSET,
    formation: str | Unset | None = UNSET,
    hub: Organization | Unset | None = UNSET,
    sponsors: Iterable[Organization] | Unset = UNSET,
    source: str | Unset | None = UNSET,
) -> Organization:
    """Correct an organization's record: the fields given (not ``UNSET``) only, each of
    UPDATABLE_FIELDS. Refused on a stale ``expected_version``."""
    changes = given(
        uscc=uscc,
        uscc_override_reason=uscc_override_reason,
        name=name,
        name_en=name_en,
        kind=kind,
        association_level=association_level,
        legal_form=legal_form,
        registrar_division=registrar_division,
        address=address,
        service_fields=service_fields,
        formation=formation,
        hub=hub,
        sponsors=sponsors,
        source=source,
    )
    with transaction.atomic():
        # of=("self",): PostgreSQL refuses to lock the nullable side of the outer join to hub.
        org = (
            Organization.objects.select_for_update(of=("self",))
            .select_related("registrar_division", "hub")
            .get(pk=organization.pk)
        )
        # Agency staff may correct their own organization's profile fields; the rest is the
        # registrar's record (officers of its jurisdiction, administrators).
        require_organization_edit(actor, org, changes)
        check_version(org, expected=expected_version)
        before = _org_snapshot(org)
        errors: dict[str, str] = {}
        for field, event_kind in _EVENT_BACKED.items():
            changed = field in changes and changes[field] != getattr(org, field)
            if changed and org.events.filter(kind__in=_kinds(event_kind)).exists():
                errors[field] = _(
                    "This organization's history records changes of this field; "
                    "add a '%(event)s' event instead."
                ) % {"event": EventKind(event_kind).label}
        if errors:
            raise ValidationError(errors)
        if registrar_division is not UNSET:
            require_registry_write(actor, registrar_division)
        if uscc is not UNSET or legal_form is not UNSET or uscc_override_reason is not UNSET:
            reason = (
                org.uscc_override_reason if uscc_override_reason is UNSET else uscc_override_reason
            )
            code, overridden = uscc_clean(
                org.uscc if uscc is UNSET else uscc,
                legal_form=org.legal_form if legal_form is UNSET else legal_form or "",
                override_reason=reason,
            )
            org.uscc, org.uscc_override = code, overridden
            org.uscc_override_reason = reason.strip() if overridden else ""
        for field in ("name", "name_en", "address"):
            if field in changes:
                setattr(org, field, str(changes[field] or "").strip())
        for field in ("kind", "association_level", "legal_form", "formation", "source"):
            if field in changes:
                setattr(org, field, changes[field] or "")
        if registrar_division is not UNSET:
            org.registrar_division = registrar_division
        if hub is not UNSET:
            org.hub = hub
        _validate_organization(org)
        if service_fields is not UNSET:
            org.service_fields.set(_service_fields(service_fields))
        if sponsors is not UNSET:
            sponsoring = list(sponsors)
            if any(s.pk == org.pk for s in sponsoring):
                raise ValidationError({"sponsors": _("An organization cannot sponsor itself.")})
            org.sponsors.set(sponsoring)
        org.version += 1
        org.save()
        organization_periods_rebuild(organizations=[org])
        org.refresh_from_db()
        _audit_org(actor, "organization.update", org, before)
    return org


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------

_EVENT_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    EventKind.RENAMED: ("name_after",),
    EventKind.MOVED: ("division_after",),
    EventKind.TRANSFORMED: ("kind_after",),
    EventKind.JOINED_HUB: ("hub",),
    EventKind.ANNUAL_INSPECTION: ("inspection_year", "inspection_result"),
    EventKind.GRADED: ("grade",),
    EventKind.LISTED: ("credit_list",),
    EventKind.DELISTED: ("credit_list",),
}

EVENT_DETAIL_FIELDS = (
    "division_after",
    "kind_after",
    "name_after",
    "hub",
    "inspection_year",
    "inspection_result",
    "grade",
    "grade_score",
    "credit_list",
)


def organization_event_add(
    *,
    actor: Actor,
    organization: Organization,
    kind: str,
    date: dt.date,
    source: str,
    expected_version: int | None = None,
    date_precision: str = "day",
    note: str = "",
    **details: Any,
) -> OrganizationEvent:
    """Record a dated event; the organization's state over time is rebuilt from its events."""
    unknown = set(details) - set(EVENT_DETAIL_FIELDS)
    if unknown:
        raise ValidationError({f: _("Not a field of an event.") for f in unknown})
    with transaction.atomic():
        org = (
            Organization.objects.select_for_update()
            .select_related("registrar_division")
            .get(pk=organization.pk)
        )
        require_registry_write(actor, org.registrar_division)
        check_version(org, expected=expected_version)
        event = OrganizationEvent(
            organization=org,
            kind=kind,
            date=date,
            date_precision=date_precision,
            source=(source or "").strip(),
            note=note,
            **{k: v for k, v in details.items() if v not in (None, "")},
        )
        errors: dict[str, list[str]] = {}
        for field in _EVENT_REQUIREMENTS.get(kind, ()):
            if getattr(event, field if field != "hub" else "hub_id") in (None, ""):
                errors.setdefault(field, []).append(_("Required for this kind of event."))
        if kind == EventKind.MOVED and event.division_after is not None:
            require_registry_write(actor, event.division_after)
        if kind == EventKind.JOINED_HUB and event.hub is not None:
            if event.hub.kind != Kind.ASSOCIATION:
                errors.setdefault("hub", []).append(_("The leading hub must be an association."))
            if event.hub.pk == org.pk:
                errors.setdefault("hub", []).append(_("An organization cannot lead itself."))
        if kind == EventKind.GRADED and event.grade_score is not None and event.grade_score > 1000:
            errors.setdefault("grade_score", []).append(_("Scores run from 0 to 1,000."))
        try:
            event.full_clean(exclude=["organization", "division_before", "hub"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        # What the event changes from: the state on its date, so that a back-dated event
        # slots into the history instead of rewriting its start.
        state = replay_events(org, list(org.events.all()), until=date)[1]
        event.kind_before = state.kind if kind == EventKind.TRANSFORMED else ""
        event.division_before_id = state.division_id if kind == EventKind.MOVED else None
        event.name_before = state.name if kind == EventKind.RENAMED else ""
        event.save()
        organization_periods_rebuild(organizations=[org])
        event.refresh_from_db()
        Organization.objects.filter(pk=org.pk).update(version=org.version + 1)
        audit_write(
            actor=actor,
            action="organization_event.add",
            instance=event,
            before=None,
            after=snapshot(event),
            division_code=org.registrar_division.code,
        )
    return event


def organization_event_delete(
    *, actor: Actor, event: OrganizationEvent, expected_version: int | None = None
) -> None:
    """Remove an event entered in error (audited with its full content)."""
    with transaction.atomic():
        org = (
            Organization.objects.select_for_update()
            .select_related("registrar_division")
            .get(pk=event.organization_id)
        )
        require_registry_write(actor, org.registrar_division)
        check_version(org, expected=expected_version)
        before = snapshot(event)
        audit_write(
            actor=actor,
            action="organization_event.delete",
            instance=event,
            before=before,
            after=None,
            division_code=org.registrar_division.code,
        )
        event.delete()
        organization_periods_rebuild(organizations=[org])
        Organization.objects.filter(pk=org.pk).update(version=org.version + 1)


# ---------------------------------------------------------------------------------------
# Derived state: periods and the current-state cache
# ---------------------------------------------------------------------------------------


@dataclass
class _State:
    status: str | None
    kind: str
    division_id: int
    name: str
    hub_id: int | None


def _event_sort_key(event: OrganizationEvent) -> tuple[dt.date, int, int]:
    return (event.date, EVENT_ORDER.get(event.kind, 99), event.pk or 0)


def replay_events(
    org: Organization, events: Sequence[OrganizationEvent], *, until: dt.date | None = None
) -> tuple[list[OrganizationPeriod], _State, list[OrganizationEvent]]:
    """Replay an organization's events in date order.

    Returns the periods of its existence, its final state and the events whose
    ``*_before`` fields were out of step (so callers can store the corrected values).
    """
    ordered = sorted(events, key=_event_sort_key)
    first = {k: next((e for e in ordered if e.kind == k), None) for k in _EVENT_BACKED.values()}
    transformed, moved, renamed = (
        first[EventKind.TRANSFORMED],
        first[EventKind.MOVED],
        first[EventKind.RENAMED],
    )
    state = _State(
        status=None,
        kind=(transformed.kind_before if transformed and transformed.kind_before else org.kind),
        division_id=(
            moved.division_before_id
            if moved and moved.division_before_id
            else org.registrar_division_id
        ),
        name=(renamed.name_before if renamed and renamed.name_before else org.name),
        hub_id=org.hub_id,
    )
    periods: list[OrganizationPeriod] = []
    touched: list[OrganizationEvent] = []
    open_period: OrganizationPeriod | None = None
    for event in ordered:
        if until is not None and event.date > until:
            break
        if event.kind == EventKind.TRANSFORMED and event.kind_after:
            if event.kind_before != state.kind:
                event.kind_before = state.kind
                touched.append(event)
            state.kind = event.kind_after
        elif event.kind == EventKind.MOVED and event.division_after_id:
            if event.division_before_id != state.division_id:
                event.division_before_id = state.division_id
                touched.append(event)
            state.division_id = event.division_after_id
        elif event.kind == EventKind.RENAMED and event.name_after:
            if event.name_before != state.name:
                event.name_before = state.name
                touched.append(event)
            state.name = event.name_after
        elif event.kind == EventKind.JOINED_HUB:
            state.hub_id = event.hub_id
        elif event.kind == EventKind.LEFT_HUB:
            state.hub_id = None
        if event.kind in STATUS_AFTER_EVENT:
            state.status = STATUS_AFTER_EVENT[EventKind(event.kind)]
        if state.status is None:
            continue
        current = (state.status, state.kind, state.division_id)
        if (
            open_period is not None
            and (
                open_period.status,
                open_period.kind,
                open_period.division_id,
            )
            == current
        ):
            continue
        if open_period is not None:
            if open_period.start == event.date:
                periods.pop()  # superseded the same day
            else:
                open_period.end = event.date
        open_period = OrganizationPeriod(
            organization_id=org.pk,
            start=event.date,
            status=state.status,
            kind=state.kind,
            division_id=state.division_id,
            formation=org.formation,
            association_level=org.association_level,
        )
        periods.append(open_period)
    return periods, state, touched


def organization_periods_rebuild(*, organizations: Sequence[Organization]) -> None:
    """Recompute periods and the current-state cache of these organizations from events.

    Works on many organizations with a fixed number of queries (the import's bulk path).
    """
    if not organizations:
        return
    ids = [o.pk for o in organizations]
    events_by_org: dict[int, list[OrganizationEvent]] = {pk: [] for pk in ids}
    for chunk in _chunks(ids, 500):
        for event in OrganizationEvent.objects.filter(organization_id__in=chunk):
            events_by_org[event.organization_id].append(event)
    today = timezone.localdate()
    new_periods: list[OrganizationPeriod] = []
    touched: list[OrganizationEvent] = []
    changed_orgs: list[Organization] = []
    for org in organizations:
        events = events_by_org[org.pk]
        periods, state, fixed = replay_events(org, events)
        new_periods.extend(periods)
        touched.extend(fixed)
        current = [p for p in periods if p.start <= today]
        status = current[-1].status if current else (periods[0].status if periods else "")
        if not current and periods:
            status = ""  # everything recorded lies in the future
        former_names = [
            e.name_before for e in events if e.kind == EventKind.RENAMED and e.name_before
        ]
        founded = min((e.date for e in events if e.kind == EventKind.FOUNDED), default=None)
        registered = min((e.date for e in events if e.kind == EventKind.REGISTERED), default=None)
        values = {
            "status": status,
            "kind": state.kind,
            "registrar_division_id": state.division_id,
            "name": state.name,
            "hub_id": state.hub_id,
            "founded_on": founded,
            "registered_on": registered,
        }
        org_for_search = Organization(
            name=state.name, name_en=org.name_en, address=org.address, uscc=org.uscc
        )
        values["search_text"] = search_text_for(org_for_search, former_names)
        if any(getattr(org, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(org, key, value)
            changed_orgs.append(org)
    for chunk in _chunks(ids, 500):
        OrganizationPeriod.objects.filter(organization_id__in=chunk).delete()
    OrganizationPeriod.objects.bulk_create(new_periods, batch_size=1000)
    if touched:
        OrganizationEvent.objects.bulk_update(
            touched, ["kind_before", "division_before", "name_before"], batch_size=500
        )
    if changed_orgs:
        Organization.objects.bulk_update(
            changed_orgs,
            [
                "status",
                "kind",
                "registrar_division",
                "name",
                "hub",
                "founded_on",
                "registered_on",
                "search_text",
            ],
            batch_size=500,
        )
    # Derived rows, no audit record of their own: the statistics read them.
    data_version_bump()


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------
# Support
# ---------------------------------------------------------------------------------------


def support_record(
    *,
    actor: Actor,
    giver: Organization,
    receiver: Organization,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    amount_yuan: Any = None,
    area_m2: Any = None,
    policy_reference: str = "",
    source: str = "",
    note: str = "",
) -> Support:
    require_registry_write(actor, receiver.registrar_division)
    support = Support(
        giver=giver,
        receiver=receiver,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        amount_yuan=amount_yuan,
        area_m2=area_m2,
        policy_reference=policy_reference,
        source=source,
        note=note,
    )
    errors: dict[str, list[str]] = {}
    if giver.pk == receiver.pk:
        errors["receiver"] = [_("An organization cannot support itself.")]
    if kind == "office_space" and area_m2 is None:
        errors["area_m2"] = [_("Give the area of the office space.")]
    if kind == "funds" and amount_yuan is None:
        errors["amount_yuan"] = [_("Give the amount of the funds.")]
    try:
        support.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        support.save()
        audit_write(
            actor=actor,
            action="support.record",
            instance=support,
            before=None,
            after=snapshot(support),
            division_code=receiver.registrar_division.code,
        )
    return support
