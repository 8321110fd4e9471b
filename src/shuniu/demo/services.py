"""Loading the demo dataset through the domain services, so that it is validated and audited
like any other write.

Idempotent: named organizations are matched by name and registrar division, synthetic ones
by their generated credit code, events by (organization, kind, date), support by (giver,
receiver, kind, start), figures and targets by their natural keys. A second run writes
nothing; a run after the dataset grew adds only what is missing ("refresh"). Existing rows
are never overwritten, except published figures and targets whose values changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.accounts.services import role_assign, user_create
from shuniu.core.actors import Actor
from shuniu.core.errors import ValidationError
from shuniu.demo import dataset as ds
from shuniu.demo.dataset import Dataset, EventSpec, OrgSpec
from shuniu.demo.generator import DivisionInfo, build_dataset
from shuniu.demo.purchasing import STEPS as PURCHASING_STEPS
from shuniu.demo.purchasing import purchasing_load
from shuniu.demo.workforce import STEPS as WORKFORCE_STEPS
from shuniu.demo.workforce import workforce_load
from shuniu.divisions.models import Division
from shuniu.registry.models import EventKind, Organization, OrganizationEvent, Support
from shuniu.registry.services import (
    organization_event_add,
    organization_register,
    support_record,
)
from shuniu.targets.models import PublishedFigure, Target
from shuniu.targets.services import (
    policy_document_record,
    published_figure_record,
    target_record,
)

Progress = Callable[[int, int], None]

# Events organization_register writes itself when their dates are exact days.
_REGISTER_EVENTS = {
    EventKind.FOUNDED: "founded_on",
    EventKind.REGISTRATION_APPLIED: "registration_applied_on",
    EventKind.REGISTERED: "registered_on",
}


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadSummary:
    tallies: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0

    def tally(self, name: str) -> Tally:
        return self.tallies.setdefault(name, Tally())

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            **{name: vars(t) for name, t in self.tallies.items()},
        }


def demo_dataset() -> Dataset:
    """The dataset as generated from the divisions in the database."""
    divisions = {
        d.code: DivisionInfo(d.code, d.name, d.valid_from, d.valid_to)
        for d in Division.objects.current()
    }
    return build_dataset(divisions)


def demo_load(
    *, actor: Actor, password: str | None = None, progress: Progress | None = None
) -> LoadSummary:
    """Load or refresh the demo dataset in one transaction (all of it or nothing)."""
    started = time.monotonic()
    data = demo_dataset()
    summary = LoadSummary()
    total = (
        len(data.organizations)
        + len(data.support)
        + len(data.figures)
        + 2
        + WORKFORCE_STEPS
        + PURCHASING_STEPS
    )
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    password = password or _demo_password()
    _check_demo_password(password)
    divisions = {d.code: d for d in Division.objects.current()}
    with transaction.atomic():
        orgs = _load_organizations(actor, data.organizations, divisions, summary, step)
        _load_support(actor, data, orgs, summary, step)
        _load_figures(actor, data, divisions, summary, step)
        _load_targets(actor, data, divisions, summary)
        step()
        workforce = workforce_load(actor=actor, orgs=orgs, divisions=divisions, step=step)
        for name, created in workforce.created.items():
            tally = summary.tally(name)
            tally.created, tally.unchanged = created, workforce.unchanged[name]
        _ensure_users(actor, password, summary)
        step()
        purchasing = purchasing_load(
            actor=actor, orgs=orgs, divisions=divisions, password=password, step=step
        )
        for name, created in purchasing.created.items():
            tally = summary.tally(name)
            tally.created, tally.unchanged = created, purchasing.unchanged[name]
    summary.seconds = time.monotonic() - started
    return summary


def _demo_password() -> str:
    return os.environ.get(ds.DEMO_PASSWORD_ENV) or ds.DEMO_PASSWORD_DEFAULT


def _check_demo_password(password: str) -> None:
    """Refuse a weak password before anything is written, not after the whole load."""
    missing = [
        name
        for name in (ds.DEMO_ADMIN, ds.DEMO_OFFICER)
        if not get_user_model().objects.filter(username=name).exists()
    ]
    if not missing:
        return
    try:
        validate_password(password, get_user_model()(username=missing[0]))
    except ValidationError as exc:
        raise ValidationError(
            {
                "password": [
                    _("%(env)s: %(reason)s")
                    % {"env": ds.DEMO_PASSWORD_ENV, "reason": " ".join(exc.messages)}
                ]
            }
        ) from exc


# ---------------------------------------------------------------------------------------
# Organizations and their events
# ---------------------------------------------------------------------------------------


def _existing_organizations(specs: list[OrgSpec]) -> dict[str, Organization]:
    by_code = {
        o.uscc: o for o in Organization.objects.filter(uscc__in=[s.uscc for s in specs if s.uscc])
    }
    by_name = {
        (o.name, o.registrar_division.code): o
        for o in Organization.objects.filter(
            name__in=[s.name for s in specs if not s.uscc]
        ).select_related("registrar_division")
    }
    found: dict[str, Organization] = {}
    for spec in specs:
        org = by_code.get(spec.uscc) if spec.uscc else by_name.get((spec.name, spec.division))
        if org is not None:
            found[spec.key] = org
    return found


def _load_organizations(
    actor: Actor,
    specs: list[OrgSpec],
    divisions: dict[str, Division],
    summary: LoadSummary,
    step: Callable[[], None],
) -> dict[str, Organization]:
    orgs = _existing_organizations(specs)
    seen_events = set(
        OrganizationEvent.objects.filter(organization__in=list(orgs.values())).values_list(
            "organization_id", "kind", "date"
        )
    )
    organizations, events = summary.tally("organizations"), summary.tally("events")
    for spec in specs:
        org = orgs.get(spec.key)
        pending = list(spec.events)
        if org is None:
            org, written = _register(actor, spec, orgs, divisions)
            orgs[spec.key] = org
            organizations.created += 1
            events.created += len(written)
            pending = [e for e in pending if e not in written]
        else:
            organizations.unchanged += 1
        for event in pending:
            if (org.pk, event.kind, event.date) in seen_events:
                events.unchanged += 1
                continue
            organization_event_add(
                actor=actor,
                organization=org,
                kind=event.kind,
                date=event.date,
                date_precision=event.precision,
                source=spec.source,
                note=event.note,
                **dict(event.details),
            )
            events.created += 1
        step()
    return orgs


def _register(
    actor: Actor, spec: OrgSpec, orgs: dict[str, Organization], divisions: dict[str, Division]
) -> tuple[Organization, list[EventSpec]]:
    """Register ``spec``; returns the row and the events the registration wrote."""
    dates: dict[str, Any] = {}
    written: list[EventSpec] = []
    for event in spec.events:
        argument = _REGISTER_EVENTS.get(EventKind(event.kind))
        if argument and argument not in dates and event.precision == "day":
            dates[argument] = event.date
            written.append(event)
    org = organization_register(
        actor=actor,
        name=spec.name,
        name_en=spec.name_en,
        kind=spec.kind,
        registrar_division=divisions[spec.division],
        uscc=spec.uscc,
        association_level=spec.association_level,
        legal_form=spec.legal_form,
        address=spec.address,
        service_fields=spec.service_fields,
        formation=spec.formation,
        hub=orgs[spec.hub] if spec.hub else None,
        sponsors=[orgs[key] for key in spec.sponsors],
        source=spec.source,
        synthetic=spec.synthetic,
        **dates,
    )
    return org, written


# ---------------------------------------------------------------------------------------
# Support, published figures, targets
# ---------------------------------------------------------------------------------------


def _load_support(
    actor: Actor,
    data: Dataset,
    orgs: dict[str, Organization],
    summary: LoadSummary,
    step: Callable[[], None],
) -> None:
    tally = summary.tally("support")
    existing = set(Support.objects.values_list("giver_id", "receiver_id", "kind", "starts_on"))
    for spec in data.support:
        giver, receiver = orgs[spec.giver], orgs[spec.receiver]
        if (giver.pk, receiver.pk, spec.kind, spec.starts_on) in existing:
            tally.unchanged += 1
        else:
            support_record(
                actor=actor,
                giver=giver,
                receiver=receiver,
                kind=spec.kind,
                starts_on=spec.starts_on,
                ends_on=spec.ends_on,
                amount_yuan=spec.amount_yuan,
                area_m2=spec.area_m2,
                source=spec.source,
                note=spec.note,
            )
            tally.created += 1
        step()


def _load_figures(
    actor: Actor,
    data: Dataset,
    divisions: dict[str, Division],
    summary: LoadSummary,
    step: Callable[[], None],
) -> None:
    tally = summary.tally("published_figures")
    versions = {
        (f.region_id, f.metric, f.kind, f.as_of, f.source): f.version
        for f in PublishedFigure.objects.all()
    }
    for spec in data.figures:
        region = divisions[spec.region]
        figure = published_figure_record(
            actor=actor,
            region=region,
            metric=spec.metric,
            kind=spec.kind,
            value=spec.value,
            qualifier=spec.qualifier,
            as_of=spec.as_of,
            as_of_precision=spec.as_of_precision,
            source=spec.source,
            note=spec.note,
        )
        before = versions.get((region.pk, spec.metric, spec.kind, spec.as_of, spec.source))
        if before is None:
            tally.created += 1
        elif figure.version != before:
            tally.updated += 1
        else:
            tally.unchanged += 1
        step()


def _load_targets(
    actor: Actor, data: Dataset, divisions: dict[str, Division], summary: LoadSummary
) -> None:
    tally = summary.tally("targets")
    documents = {}
    for doc in data.documents:
        documents[doc.title] = policy_document_record(
            actor=actor,
            title=doc.title,
            region=divisions[doc.region],
            issuer=doc.issuer,
            issued_on=doc.issued_on,
        )
    versions = {t.pk: t.version for t in Target.objects.all()}
    for spec in data.targets:
        target = target_record(
            actor=actor,
            document=documents[spec.document],
            region=divisions[spec.region],
            metric=spec.metric,
            kind=spec.kind,
            value=spec.value,
            due_on=spec.due_on,
            description=spec.description,
            scope=[divisions[code] for code in spec.scope],
        )
        if target.pk not in versions:
            tally.created += 1
        elif versions[target.pk] != target.version:
            tally.updated += 1
        else:
            tally.unchanged += 1


# ---------------------------------------------------------------------------------------
# Demo accounts
# ---------------------------------------------------------------------------------------


def _ensure_users(actor: Actor, password: str, summary: LoadSummary) -> None:
    """Create the demo accounts when missing; an existing account (and its password) is
    left exactly as it is, only a missing officer role is given back."""
    User = get_user_model()
    tally = summary.tally("users")
    for username, role, division in (
        (ds.DEMO_ADMIN, Role.ADMIN, None),
        (ds.DEMO_OFFICER, Role.OFFICER, ds.DEMO_OFFICER_DIVISION),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(
                actor=actor, username=username, password=password, role=role, division_code=division
            )
            tally.created += 1
            continue
        tally.unchanged += 1
        if (
            division
            and not RoleAssignment.objects.filter(
                user=user, role=role, division__code=division
            ).exists()
        ):
            role_assign(actor=actor, user=user, role=role, division_code=division)
