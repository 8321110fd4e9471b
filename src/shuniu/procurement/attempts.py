"""Refusals that compliance must see (a payment tried before its deliverable was accepted, a
conflicted evaluator, an award refused by a rule), kept apart from the refused write."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from shuniu.core.actors import Actor
from shuniu.procurement.models import AttemptCode, Purchase, RefusedAttempt


def attempt_record(
    *, actor: Actor, purchase: Purchase, code: AttemptCode, detail: dict[str, object]
) -> RefusedAttempt:
    """Keep a refusal that compliance must see. Call it after the refused write's transaction
    has rolled back (it commits on its own), so the refused write still changes nothing."""
    user = actor if isinstance(actor, User) and actor.pk is not None else None
    label = getattr(actor, "username", "") or str(actor)
    with transaction.atomic():
        return RefusedAttempt.objects.create(
            purchase=purchase, code=code, actor=user, actor_label=label[:150], detail=detail
        )
