"""Reads of the audit trail, scoped to who may see it.

The trail is visible to administrators (all of it) and to officers for their jurisdiction:
a record is in an officer's view when the division it was written for
(``AuditRecord.division_code``) is one they cover. Everyone else sees nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shuniu.accounts.permissions import covered_division_ids
from shuniu.core.actors import Actor
from shuniu.core.audit import BATCH_SUFFIX, BATCH_TYPE
from shuniu.core.models import AuditRecord
from shuniu.divisions.selectors import DivisionIndex

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditSubject:
    """One record and the records that belong to it, for the trail of that record.

    ``parts`` names the types of dependent records (an organization's events, its support)
    and the key of their before/after snapshot that points at the subject: matching the
    snapshot rather than live rows keeps the trail of parts that were deleted since.
    """

    object_type: str
    object_id: str
    parts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    # A fragment of the actor's name as recorded (user name, or "cli:…" for the command line).
    user: str = ""
    since: dt.date | None = None  # inclusive, local dates
    until: dt.date | None = None  # inclusive
    subject: AuditSubject | None = None


def _visible(actor: Actor, index: DivisionIndex | None) -> QuerySet[AuditRecord]:
    if not getattr(actor, "is_authenticated", False):
        return AuditRecord.objects.none()
    covered = covered_division_ids(actor, index)
    if covered is None:
        return AuditRecord.objects.all()
    if not covered:
        return AuditRecord.objects.none()
    index = index or DivisionIndex.load()
    codes = sorted(index.by_id[pk].code for pk in covered if pk in index.by_id)
    return AuditRecord.objects.filter(division_code__in=codes)


def _day_start(day: dt.date) -> dt.datetime:
    # A range on the indexed column instead of a per-row date conversion.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _subject_q(subject: AuditSubject) -> Q:
    q = Q(object_type=subject.object_type, object_id=subject.object_id)
    key: Any = int(subject.object_id) if subject.object_id.isdigit() else subject.object_id
    for object_type, field in subject.parts:
        q |= Q(object_type=object_type) & (
            Q(**{f"after__{field}": key}) | Q(**{f"before__{field}": key})
        )
    return q


def audit_log(
    *,
    actor: Actor,
    filters: AuditFilter | None = None,
    offset: int = 0,
    limit: int = 50,
    index: DivisionIndex | None = None,
) -> tuple[list[AuditRecord], int]:
    """One page of the audit records ``actor`` may see, newest first, and their count.

    Pass ``index`` when the caller has already loaded the divisions.
    """
    filters = filters or AuditFilter()
    qs = _visible(actor, index)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.user.strip():
        qs = qs.filter(actor_label__icontains=filters.user.strip())
    if filters.since is not None:
        qs = qs.filter(at__gte=_day_start(filters.since))
    if filters.until is not None:
        qs = qs.filter(at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.subject is not None:
        qs = qs.filter(_subject_q(filters.subject))
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(qs.order_by("-at", "-id")[max(0, offset) : max(0, offset) + limit])
    return page, count


def import_batches(
    *, actor: Actor, table: str, pk: int, index: DivisionIndex | None = None
) -> list[AuditRecord]:
    """The import batch records (``core.audit.BatchAudit``) that created or changed record
    ``pk`` of ``table`` ("person", "certificate", "employment", "organization"), oldest
    first, among those ``actor`` may see: which import, when, by whom, from which rows.

    The batches whose id range holds ``pk`` are read (a range test on the record's
    ``first``/``last``), then the ids they list are checked.
    """
    candidates = (
        _visible(actor, index)
        .filter(action__endswith=BATCH_SUFFIX, object_type=BATCH_TYPE)
        .filter(**{f"after__first__{table}__lte": pk, f"after__last__{table}__gte": pk})
        .order_by("at", "id")
    )
    found = []
    for record in candidates:
        after = record.after if isinstance(record.after, dict) else {}
        created = after.get("created", {}).get(table, {}).get("ids", [])
        if pk in created or pk in after.get("updated", {}).get(table, []):
            found.append(record)
    return found
