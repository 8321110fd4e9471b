"""Writes to accounts: users, role assignments and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.models import ApiToken, Role, RoleAssignment
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError

TOKEN_PREFIX = "shu_"  # noqa: S105 a prefix marking API tokens, not a secret


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, actor: Actor, username: str, name: str = "") -> tuple[ApiToken, str]:
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


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
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


def token_authenticate(*, key: str) -> User | None:
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


# ---------------------------------------------------------------------------------------
# Users and roles
# ---------------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    from shuniu.accounts.permissions import is_admin

    if not is_admin(actor):
        raise PermissionDenied(_("Only administrators manage users and roles."))


def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    email: str = "",
    role: str | None = None,
    division_code: str | None = None,
    organization_id: int | None = None,
) -> User:
    """Create a user, optionally with one role assignment (validated, audited)."""
    from django.contrib.auth.password_validation import validate_password

    _require_admin(actor)
    User = get_user_model()
    errors: dict[str, list[str]] = {}
    if not username.strip():
        errors["username"] = [_("A username is required.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("User %(name)s already exists.") % {"name": username}]
    user = User(username=username.strip(), email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user.set_password(password)
        user.is_superuser = role == Role.ADMIN
        user.is_staff = role in (Role.ADMIN, Role.OFFICER)
        user.save()
        audit_write(
            actor=actor,
            action="user.create",
            instance=user,
            before=None,
            after={"username": user.username, "email": user.email},
        )
        if role and role != Role.ADMIN:
            role_assign(
                actor=actor,
                user=user,
                role=role,
                division_code=division_code,
                organization_id=organization_id,
            )
    return user


def role_assign(
    *,
    actor: Actor,
    user: User,
    role: str,
    division_code: str | None = None,
    organization_id: int | None = None,
) -> RoleAssignment:
    from shuniu.divisions.models import Division
    from shuniu.registry.models import Organization

    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [_("Unknown role %(role)s.") % {"role": role}]
    division = None
    if division_code:
        division = Division.objects.current().filter(code=division_code).first()
        if division is None:
            errors["division"] = [_("Unknown division code %(code)s.") % {"code": division_code}]
    elif role == Role.OFFICER:
        errors["division"] = [_("An officer needs a jurisdiction (a division code).")]
    organization = None
    if organization_id is not None:
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            errors["organization"] = [
                _("No organization with id %(id)s.") % {"id": organization_id}
            ]
    elif role == Role.AGENCY_STAFF:
        errors["organization"] = [_("Agency staff need an organization.")]
    elif role == Role.EVALUATOR:
        errors["organization"] = [_("An evaluator needs an evaluation institution.")]
    if role == Role.EVALUATOR and organization is not None and organization.kind != "evaluation":
        errors["organization"] = [
            _("%(name)s is not an evaluation institution.") % {"name": organization.name}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assignment = RoleAssignment.objects.create(
            user=user, role=role, division=division, organization=organization
        )
        audit_write(
            actor=actor,
            action="role.assign",
            instance=assignment,
            before=None,
            after=snapshot(assignment),
            division_code=division.code if division else "",
        )
    return assignment
