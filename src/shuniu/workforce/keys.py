"""Moving stored ID numbers to the current data key (``shuniu keys rotate``) and counting
the rows on each key (``shuniu keys status``). See docs/keys.md for the procedure.

The rotation is one streaming pass in primary-key order (keyset pagination): each batch of
people not yet on the current key is read, decrypted with whichever configured key made it,
sealed again with the current key (bound to the same row) and given the current key's hash,
then committed with one audit record. An interrupted run loses at most its open batch; the
next run skips the rows already on the current key, so it resumes where the last one stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_build
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.workforce import identity
from shuniu.workforce.models import Person

DEFAULT_BATCH = 2000


@dataclass
class RotationResult:
    kid: str
    total: int  # rows not on the current key when the run started
    rotated: int = 0
    batches: int = 0
    from_keys: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class KeyCount:
    kid: str
    rows: int
    state: str  # current, previous, legacy or unknown


def person_key_counts() -> list[KeyCount]:
    """How many people's numbers each key id holds (``v1`` for the first scheme)."""
    ring = identity.keyring()
    kid_length = identity.KID_LENGTH
    rows = (
        Person.objects.annotate(
            kid=Case(
                When(id_cipher__startswith=identity.LEGACY_PREFIX, then=Value(identity.LEGACY_KID)),
                default=Substr("id_cipher", len(identity.TOKEN_PREFIX) + 1, kid_length),
                output_field=CharField(),
            )
        )
        .values("kid")
        .annotate(rows=Count("pk"))
        .order_by("kid")
    )
    counts = []
    for row in rows:
        kid = row["kid"]
        if kid == ring.current.kid:
            state = "current"
        elif kid == identity.LEGACY_KID:
            state = "legacy"
        elif ring.key(kid) is not None:
            state = "previous"
        else:
            state = "unknown"
        counts.append(KeyCount(kid=kid, rows=row["rows"], state=state))
    return sorted(counts, key=lambda c: (c.state != "current", c.kid))


def person_keys_rotate(
    *,
    actor: Actor,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> RotationResult:
    """Re-encrypt (and re-hash) every person not yet on the current key; ``progress`` is
    called with (rows done, rows to do) after each committed batch. A row no configured key
    opens raises ``core.errors.Undecryptable`` (its batch is not written)."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only administrators may rotate the data key."))
    if batch_size < 1:
        raise ValidationError({"batch_size": _("The batch size is a whole number above 0.")})
    prefix = identity.current_prefix()
    todo = Person.objects.exclude(id_cipher__startswith=prefix)
    result = RotationResult(kid=identity.current_kid(), total=todo.count())
    table = connection.ops.quote_name(Person._meta.db_table)
    protector = identity.Protector()
    last = 0
    if progress is not None:
        progress(0, result.total)
    while True:
        with transaction.atomic():
            batch = list(
                todo.filter(pk__gt=last)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", "id_cipher")[:batch_size]
            )
            if not batch:
                break
            updates = []
            moved: Counter[str] = Counter()
            for pk, token in batch:
                # Undecryptable (logged) stops the run: this batch rolls back, the ones
                # before it stay committed, and the next run resumes here.
                number = identity.decrypt_stored(token, row=pk)
                moved[identity.token_kid(token)] += 1
                digest, _masked = protector.match(number)
                updates.append((protector.seal(number, row=pk), digest, pk))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET id_cipher = %s, id_hash = %s WHERE id = %s",  # noqa: S608 quoted model table name; values are parameters
                    updates,
                )
            first, last = batch[0][0], batch[-1][0]
            record = audit_build(
                actor=actor,
                action="person.keys.rotate",
                instance=Person(pk=first),
                before={"keys": dict(moved)},
                after={"key": result.kid, "rows": len(batch), "first_id": first, "last_id": last},
            )
            record.object_repr = f"people {first}-{last}"
            record.save()
        result.rotated += len(batch)
        result.batches += 1
        result.from_keys.update(moved)
        if progress is not None:
            progress(result.rotated, max(result.total, result.rotated))
    return result
