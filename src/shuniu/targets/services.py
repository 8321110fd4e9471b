"""Writes to targets: policy documents, targets and published figures.

The ``*_record`` services are idempotent: they match an existing row by its natural key,
write (and audit) only what differs, and return the row either way, so loaders and imports
can run them again without duplicating anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import can_write_in, is_admin
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.divisions.models import Division
from shuniu.registry.models import DatePrecision, Kind
from shuniu.targets.models import PolicyDocument, PublishedFigure, Target
from shuniu.targets.progress import SCOPED_METRICS


def _require_editor(actor: Actor) -> None:
    # Targets and published figures are city-wide reference facts: administrators (and the
    # command line, which holds the database anyway) keep them.
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change targets and figures."))
    if not is_admin(actor):
        raise PermissionDenied(_("Only administrators may change targets and published figures."))


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(value)
        # Stored with two decimals: compare and audit the value as it will be read back.
        return number.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Enter a number.")}) from exc


def _validate(instance: Any, errors: dict[str, list[str]], exclude: list[str]) -> None:
    try:
        # Uniqueness is matched, not refused, and the one check constraint (no negative
        # value) is checked above with a message naming the field.
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _save_if_changed(
    *,
    actor: Actor,
    instance: Any,
    existing: Any,
    values: dict[str, Any],
    action: str,
    region: Division,
) -> Any:
    """Create ``instance``, or update ``existing`` with ``values`` where they differ."""
    if existing is None:
        instance.save()
        audit_write(
            actor=actor,
            action=f"{action}.create",
            instance=instance,
            before=None,
            after=snapshot(instance),
            division_code=region.code,
        )
        return instance
    if all(getattr(existing, k) == v for k, v in values.items()):
        return existing
    before = snapshot(existing)
    for key, value in values.items():
        setattr(existing, key, value)
    existing.version += 1
    existing.save()
    audit_write(
        actor=actor,
        action=f"{action}.update",
        instance=existing,
        before=before,
        after=snapshot(existing),
        division_code=region.code,
    )
    return existing


def published_figure_record(
    *,
    actor: Actor,
    region: Division,
    metric: str,
    value: Any,
    as_of: dt.date,
    source: str,
    kind: str = "",
    qualifier: str = "",
    as_of_precision: str = DatePrecision.DAY,
    note: str = "",
) -> PublishedFigure:
    """Record a published figure; one per (region, metric, kind, as of, source).

    Recording the same key again updates value, qualifier, precision and note where they
    differ (a corrected reading of the source) and is a no-op when nothing differs.
    """
    _require_editor(actor)
    errors: dict[str, list[str]] = {}
    number = _decimal(value, "value")
    if number < 0:
        errors["value"] = [_("A published figure cannot be negative.")]
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown organization kind: %(kind)s") % {"kind": kind}]
    if as_of_precision not in DatePrecision.values:
        errors["as_of_precision"] = [
            _("Date precision must be one of: %(choices)s")
            % {"choices": ", ".join(DatePrecision.values)}
        ]
    values = {
        "value": number,
        "qualifier": qualifier.strip(),
        "as_of_precision": as_of_precision,
        "note": note.strip(),
    }
    figure = PublishedFigure(
        region=region, metric=metric, kind=kind, as_of=as_of, source=source.strip(), **values
    )
    _validate(figure, errors, exclude=["region"])
    with transaction.atomic():
        existing = (
            PublishedFigure.objects.select_for_update()
            .filter(region=region, metric=metric, kind=kind, as_of=as_of, source=figure.source)
            .first()
        )
        result: PublishedFigure = _save_if_changed(
            actor=actor,
            instance=figure,
            existing=existing,
            values=values,
            action="published_figure",
            region=region,
        )
    return result


def policy_document_record(
    *,
    actor: Actor,
    title: str,
    region: Division,
    issuer: str = "",
    number: str = "",
    issued_on: dt.date | None = None,
    url: str = "",
) -> PolicyDocument:
    """Record a policy document; one per (title, region)."""
    _require_editor(actor)
    values = {
        "issuer": issuer.strip(),
        "number": number.strip(),
        "issued_on": issued_on,
        "url": url,
    }
    document = PolicyDocument(title=title.strip(), region=region, **values)
    _validate(document, {}, exclude=["region"])
    with transaction.atomic():
        existing = (
            PolicyDocument.objects.select_for_update()
            .filter(title=document.title, region=region)
            .first()
        )
        result: PolicyDocument = _save_if_changed(
            actor=actor,
            instance=document,
            existing=existing,
            values=values,
            action="policy_document",
            region=region,
        )
    return result


def target_record(
    *,
    actor: Actor,
    region: Division,
    metric: str,
    value: Any,
    due_on: dt.date,
    kind: str = "",
    document: PolicyDocument | None = None,
    description: str = "",
    scope: Sequence[Division] = (),
) -> Target:
    """Record a target; one per (document, region, metric, kind, due date).

    ``scope``: the districts the target covers as the plan names them (empty: the whole
    region); recording a different scope replaces it (a new version, audited)."""
    _require_editor(actor)
    errors: dict[str, list[str]] = _scope_errors(region, metric, scope, document, due_on)
    number = _decimal(value, "value")
    if number < 0:
        errors["value"] = [_("A target cannot be negative.")]
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown organization kind: %(kind)s") % {"kind": kind}]
    values = {"value": number, "description": description.strip()}
    target = Target(
        document=document, region=region, metric=metric, kind=kind, due_on=due_on, **values
    )
    _validate(target, errors, exclude=["region", "document"])
    with transaction.atomic():
        existing = (
            Target.objects.select_for_update()
            .filter(document=document, region=region, metric=metric, kind=kind, due_on=due_on)
            .first()
        )
        result: Target = _save_if_changed(
            actor=actor,
            instance=target,
            existing=existing,
            values=values,
            action="target",
            region=region,
        )
        _set_scope(actor, result, region, scope)
    return result


def _scope_errors(
    region: Division,
    metric: str,
    scope: Sequence[Division],
    document: PolicyDocument | None,
    due_on: dt.date,
) -> dict[str, list[str]]:
    """A scope names districts of the region, as they were when the plan was made: on its
    document's issue date (崇文区 in a plan of 2010-01-01, not of 2011); without that date,
    districts that existed by the due date."""
    errors: dict[str, list[str]] = {}
    if not scope:
        return errors
    if metric not in SCOPED_METRICS:
        errors["scope"] = [
            _("This metric is counted for a whole region; leave the districts empty.")
        ]
        return errors
    outside = [d.name for d in scope if d.parent_id != region.pk]
    if outside:
        errors["scope"] = [
            _("Not a district of %(region)s: %(names)s")
            % {"region": region.name, "names": ", ".join(outside)}
        ]
    named = [d for d in scope if d.parent_id == region.pk]
    issued_on = document.issued_on if document is not None else None
    if issued_on is not None:
        absent = [d.name for d in named if not d.is_valid_on(issued_on)]
        message = _("Not a district on %(date)s, the day the plan was issued: %(names)s")
        on = issued_on
    else:
        absent = [d.name for d in named if d.valid_from is not None and d.valid_from > due_on]
        message = _("Not yet a district on %(date)s, the due date: %(names)s")
        on = due_on
    if absent:
        errors.setdefault("scope", []).append(
            message % {"date": on.isoformat(), "names": ", ".join(absent)}
        )
    return errors


def _set_scope(actor: Actor, target: Target, region: Division, scope: Sequence[Division]) -> None:
    wanted = sorted({d.pk for d in scope})
    current = sorted(target.scope.values_list("pk", flat=True))
    if wanted == current:
        return
    before = {"scope": current}
    target.scope.set(wanted)
    target.version += 1
    target.save(update_fields=["version", "updated_at"])
    audit_write(
        actor=actor,
        action="target.scope",
        instance=target,
        before=before,
        after={"scope": wanted},
        division_code=region.code,
    )


# ---------------------------------------------------------------------------------------
# Officers' entries: one new row each, within the officer's jurisdiction (administrators
# anywhere), checked, written and audited in one transaction.


def _require_jurisdiction(actor: Actor, region: Division) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change targets and figures."))
    if not can_write_in(actor, region):
        raise PermissionDenied(
            _("%(region)s is outside your jurisdiction.") % {"region": region.name}
        )


def _create(actor: Actor, instance: Any, action: str, region: Division) -> None:
    instance.save()
    audit_write(
        actor=actor,
        action=f"{action}.create",
        instance=instance,
        before=None,
        after=snapshot(instance),
        division_code=region.code,
    )


def policy_document_create(
    *,
    actor: Actor,
    title: str,
    region: Division,
    issuer: str = "",
    number: str = "",
    issued_on: dt.date | None = None,
    url: str = "",
) -> PolicyDocument:
    """Record a new policy document of ``region`` (one title per region)."""
    _require_jurisdiction(actor, region)
    document = PolicyDocument(
        title=title.strip(),
        region=region,
        issuer=issuer.strip(),
        number=number.strip(),
        issued_on=issued_on,
        url=url,
    )
    _validate(document, {}, exclude=["region"])
    with transaction.atomic():
        if PolicyDocument.objects.filter(title=document.title, region=region).exists():
            raise ValidationError(
                {"title": [_("A document of this region already has this title.")]}
            )
        _create(actor, document, "policy_document", region)
    return document


def target_create(
    *,
    actor: Actor,
    region: Division,
    metric: str,
    value: Any,
    due_on: dt.date,
    kind: str = "",
    document: PolicyDocument | None = None,
    description: str = "",
    scope: Sequence[Division] = (),
) -> Target:
    """Record a new target of ``region`` (its districts in ``scope``, or the whole region)."""
    _require_jurisdiction(actor, region)
    errors = _scope_errors(region, metric, scope, document, due_on)
    number = _decimal(value, "value")
    if number < 0:
        errors["value"] = [_("A target cannot be negative.")]
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown organization kind: %(kind)s") % {"kind": kind}]
    if document is not None and document.region_id != region.pk:
        errors["document"] = [_("The document belongs to another region.")]
    target = Target(
        document=document,
        region=region,
        metric=metric,
        kind=kind,
        due_on=due_on,
        value=number,
        description=description.strip(),
    )
    _validate(target, errors, exclude=["region", "document"])
    with transaction.atomic():
        _create(actor, target, "target", region)
        if scope:
            target.scope.set([d.pk for d in scope])
    return target


def published_figure_create(
    *,
    actor: Actor,
    region: Division,
    metric: str,
    value: Any,
    as_of: dt.date,
    source: str,
    kind: str = "",
    qualifier: str = "",
    note: str = "",
) -> PublishedFigure:
    """Record a new published figure (with its source, date and a qualifier such as 约,
    超过 or 近) about ``region``."""
    _require_jurisdiction(actor, region)
    errors: dict[str, list[str]] = {}
    number = _decimal(value, "value")
    if number < 0:
        errors["value"] = [_("A published figure cannot be negative.")]
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown organization kind: %(kind)s") % {"kind": kind}]
    figure = PublishedFigure(
        region=region,
        metric=metric,
        kind=kind,
        value=number,
        qualifier=qualifier.strip(),
        as_of=as_of,
        source=source.strip(),
        note=note.strip(),
    )
    _validate(figure, errors, exclude=["region"])
    with transaction.atomic():
        if PublishedFigure.objects.filter(
            region=region, metric=metric, kind=kind, as_of=as_of, source=figure.source
        ).exists():
            raise ValidationError(
                {"source": [_("This source already gives this figure for that date.")]}
            )
        _create(actor, figure, "published_figure", region)
    return figure
