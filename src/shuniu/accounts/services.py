"""Writes to accounts: API tokens (users and roles arrive with the web issue)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shuniu.accounts.models import ApiToken
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import NotFound, PermissionDenied

TOKEN_PREFIX = "shu_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, actor: Any, username: str, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token for ``username``; returns the row and the token (shown once)."""
    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise NotFound(username) from exc
    if not user.is_active:
        raise PermissionDenied(f"user {username} is not active")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=_hash(key)
        )
        audit_write(
            actor=actor,
            action="api_token.create",
            instance=token,
            before=None,
            after=snapshot(token) | {"key_hash": "…"},
        )
    return token, key


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        before = snapshot(token) | {"key_hash": "…"}
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_write(
            actor=actor,
            action="api_token.revoke",
            instance=token,
            before=before,
            after=snapshot(token) | {"key_hash": "…"},
        )
    return token


def token_authenticate(*, key: str) -> Any | None:
    """The active user a bearer token belongs to, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: reads must not turn into a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
