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
from django.db import connection, models
from django.db.models.sql import InsertQuery

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
    user, label = _actor_fields(actor)
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


def _actor_fields(actor: Actor) -> tuple[User | None, str]:
    """The user a record links to and the label it keeps. Only real users are linked;
    system actors (command line, demo) are kept by label."""
    user = actor if isinstance(actor, User) and actor.pk is not None else None
    label = getattr(actor, "username", "") or (str(actor) if actor else "system")
    return user, label


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}


# Imports audit what they create a batch of rows at a time: one record per batch (and
# division), ``<entity>.import_batch``, instead of one per created record.
BATCH_SUFFIX = ".import_batch"
BATCH_TYPE = "core.import_batch"


class BatchAudit:
    """The records of one import batch, by division, as ``audit_batch_records`` writes them.

    For each table (``person``, ``certificate``, …) the created ids with their natural keys
    (ID-number hashes, certificate numbers, credit codes: never clear ID numbers) and the
    file rows that created them, and the ids of stored records the batch changed. ``first``
    and ``last`` bound the ids each record names, so that finding the import that created
    or changed a record (``core.selectors.import_batches``) reads only the batches whose
    range holds it.
    """

    def __init__(self, *, entity: str, import_key: str, batch: int) -> None:
        self.entity = entity
        self.import_key = import_key
        self.batch = batch
        self.groups: dict[str, dict[str, Any]] = {}
        self.first_row = 0
        self.last_row = 0

    def _group(self, division_code: str) -> dict[str, Any]:
        group = self.groups.get(division_code)
        if group is None:
            group = self.groups[division_code] = {"created": {}, "updated": {}}
        return group

    def created(self, division_code: str, table: str, pk: int, key: Any, row: int) -> None:
        """``key``: JSON-ready (text, numbers, lists of them)."""
        created = self._group(division_code)["created"]
        found = created.get(table)
        if found is None:
            found = created[table] = {"ids": [], "keys": [], "rows": []}
        found["ids"].append(pk)
        found["keys"].append(key)
        found["rows"].append(row)

    def created_many(
        self, division_code: str, table: str, ids: list[int], keys: list[Any], rows: list[int]
    ) -> None:
        """``created`` for many records of one division and table at once."""
        created = self._group(division_code)["created"]
        found = created.get(table)
        if found is None:
            found = created[table] = {"ids": [], "keys": [], "rows": []}
        found["ids"] += ids
        found["keys"] += keys
        found["rows"] += rows

    def updated(self, division_code: str, table: str, pk: int) -> None:
        self._group(division_code)["updated"].setdefault(table, []).append(pk)

    def records(self, actor: Actor) -> list[AuditRecord]:
        user, label = _actor_fields(actor)
        request_id = current_request_id()
        records = []
        for code in sorted(self.groups):
            group = self.groups[code]
            first: dict[str, int] = {}
            last: dict[str, int] = {}
            for table, found in group["created"].items():
                first[table], last[table] = min(found["ids"]), max(found["ids"])
            for table, ids in group["updated"].items():
                first[table] = min(first.get(table, ids[0]), *ids)
                last[table] = max(last.get(table, ids[0]), *ids)
            if not first:
                continue
            records.append(
                AuditRecord(
                    actor=user,
                    actor_label=label[:150],
                    action=self.entity + BATCH_SUFFIX,
                    object_type=BATCH_TYPE,
                    object_id=self.import_key,
                    object_repr=f"{self.entity} {self.import_key[:8]} #{self.batch}"[:255],
                    division_code=code,
                    before=None,
                    after={
                        "import": self.import_key,
                        "batch": self.batch,
                        "rows": [self.first_row, self.last_row],
                        "created": group["created"],
                        "updated": group["updated"],
                        "first": first,
                        "last": last,
                    },
                    request_id=request_id,
                )
            )
        return records


def audit_batch_write(*, actor: Actor, batch: BatchAudit) -> None:
    """Save the records of one import batch (see ``BatchAudit``)."""
    records = batch.records(actor)
    if records:
        AuditRecord.objects.bulk_create(records)


def audit_batch_statements(*, actor: Actor, batch: BatchAudit) -> list[tuple[str, Any]]:
    """The INSERT statements (SQL, parameters) that save the records of one import batch as
    ``audit_batch_write`` does, made now (times, JSON) and run later on the same connection
    and transaction: for an import whose writes run in a thread while it goes on (the people
    import runs them once its thread has finished)."""
    records = batch.records(actor)
    fields = [f for f in AuditRecord._meta.concrete_fields if not f.primary_key]
    size = max(1, connection.ops.bulk_batch_size(fields, records)) if records else 1
    statements: list[tuple[str, Any]] = []
    for start in range(0, len(records), size):
        query = InsertQuery(AuditRecord)
        part: list[models.Model] = list(records[start : start + size])
        query.insert_values(fields, part)
        statements += query.get_compiler(connection=connection).as_sql()
    return statements
