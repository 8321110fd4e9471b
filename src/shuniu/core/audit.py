"""Writing the audit trail. Services call ``audit_write`` inside their transaction.

Every write passes here, so this is also where the data version moves
(``shuniu.core.dataversion``): cached figures computed before the write are never served
after it."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from shuniu.core.actors import Actor
from shuniu.core.context import current_request_id
from shuniu.core.dataversion import data_version_bump
from shuniu.core.models import AuditRecord

_SKIP = {"created_at", "updated_at", "search_text"}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a row, JSON-safe (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIP:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    return data


def audit_write(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    division_code: str = "",
) -> AuditRecord:
    record = audit_build(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=after,
        division_code=division_code,
    )
    record.save()
    data_version_bump()
    return record


def audit_write_many(records: list[AuditRecord]) -> list[AuditRecord]:
    """Save records made by ``audit_build`` in a few statements (bulk imports)."""
    saved = AuditRecord.objects.bulk_create(records, batch_size=500)
    # Even with no records: a bulk path calls this after its writes.
    data_version_bump()
    return saved


def audit_build(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    division_code: str = "",
) -> AuditRecord:
    """The record ``audit_write`` saves, unsaved, for bulk paths."""
    # Only real users are linked; system actors (command line, demo) are kept by label.
    user = actor if isinstance(actor, User) and actor.pk is not None else None
    label = getattr(actor, "username", "") or (str(actor) if actor else "system")
    return AuditRecord(
        actor=user,
        actor_label=label[:150],
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        division_code=division_code,
        before=before,
        after=after,
        request_id=current_request_id(),
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}
