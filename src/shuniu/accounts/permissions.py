"""Who may do what, where. Services and selectors call these; interfaces never filter.

An officer's jurisdiction is a division; it covers that division, everything below it in
the parent chain, and divisions that were merged into it (崇文区 lies in 东城区's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.actors import Actor
from shuniu.core.errors import PermissionDenied
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex


def is_admin(actor: Actor) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return _roles(actor).get(Role.ADMIN) is not None


def _roles(actor: Actor) -> dict[str, list[RoleAssignment]]:
    """The actor's assignments by role, read once per actor object. Only users hold roles."""
    if not isinstance(actor, User):
        return {}
    cached: dict[str, list[RoleAssignment]] | None = getattr(actor, "_shuniu_roles", None)
    if cached is None:
        cached = {}
        for assignment in RoleAssignment.objects.filter(user=actor).select_related(
            "division", "organization"
        ):
            cached.setdefault(assignment.role, []).append(assignment)
        # A cache on the user object itself (not a module dict: users compare by pk).
        setattr(actor, "_shuniu_roles", cached)  # noqa: B010
    return cached


def jurisdictions(actor: Actor) -> list[Division]:
    if not getattr(actor, "is_authenticated", False):
        return []
    return [a.division for a in _roles(actor).get(Role.OFFICER, []) if a.division is not None]


def covered_division_ids(actor: Actor, index: DivisionIndex | None = None) -> set[int] | None:
    """Ids of every division the actor may write in; ``None`` means everywhere (admin)."""
    if is_admin(actor):
        return None
    roots = jurisdictions(actor)
    if not roots:
        return set()
    index = index or DivisionIndex.load()
    root_ids = {r.pk for r in roots}
    covered: set[int] = set()
    for division in index.by_id.values():
        current: Division | None = division
        seen: set[int] = set()
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            if current.pk in root_ids:
                covered.add(division.pk)
                break
            # Up the parent chain, or across to the successor that absorbed it.
            if current.successor_id and current.successor_id in root_ids:
                covered.add(division.pk)
                break
            current = index.by_id.get(current.parent_id) if current.parent_id else None
    return covered


def can_write_in(actor: Actor, division: Division) -> bool:
    covered = covered_division_ids(actor)
    return covered is None or division.pk in covered


def require_registry_write(actor: Actor, division: Division) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change the registry."))
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may change the registry."))
    if not can_write_in(actor, division):
        raise PermissionDenied(
            _("%(division)s is outside your jurisdiction.") % {"division": division.name}
        )


def is_officer(actor: Actor) -> bool:
    """Holds an officer role somewhere (what an officer may touch is ``can_write_in``)."""
    return bool(jurisdictions(actor))


# What agency staff may correct in their own organization's profile. Everything else (kind,
# division, credit code, hub, events) is the registrar's record and stays with officers.
AGENCY_STAFF_FIELDS = frozenset({"name_en", "address", "service_fields"})


def _organization_ids(actor: Actor, role: str) -> set[int]:
    if not getattr(actor, "is_authenticated", False):
        return set()
    return {a.organization_id for a in _roles(actor).get(role, []) if a.organization_id is not None}


def staff_organization_ids(actor: Actor) -> set[int]:
    """Ids of the organizations the actor works for as agency staff."""
    return _organization_ids(actor, Role.AGENCY_STAFF)


def evaluator_organization_ids(actor: Actor) -> set[int]:
    """Ids of the evaluation institutions the actor evaluates for."""
    return _organization_ids(actor, Role.EVALUATOR)


def can_edit_organization(actor: Actor, organization: Any, fields: Iterable[str]) -> bool:
    """May ``actor`` change these ``fields`` of ``organization``'s record?

    Officers inside their jurisdiction and administrators may change any of them; agency staff
    only their own organization's profile fields (AGENCY_STAFF_FIELDS); evaluators nothing.
    """
    if not getattr(actor, "is_authenticated", False):
        return False
    if is_admin(actor):
        return True
    if is_officer(actor) and can_write_in(actor, organization.registrar_division):
        return True
    return organization.pk in staff_organization_ids(actor) and set(fields) <= AGENCY_STAFF_FIELDS


def require_organization_edit(actor: Actor, organization: Any, fields: Iterable[str]) -> None:
    """Raise PermissionDenied, saying why, unless ``can_edit_organization``."""
    fields = set(fields)
    if can_edit_organization(actor, organization, fields):
        return
    if organization.pk in staff_organization_ids(actor):
        raise PermissionDenied(
            _("Agency staff may change only these fields: %(allowed)s (not %(refused)s).")
            % {
                "allowed": ", ".join(sorted(AGENCY_STAFF_FIELDS)),
                "refused": ", ".join(sorted(fields - AGENCY_STAFF_FIELDS)),
            }
        )
    require_registry_write(actor, organization.registrar_division)
    # Unreachable while require_registry_write agrees with can_edit_organization; kept so a
    # future divergence refuses rather than allows.
    raise PermissionDenied(_("You may not change this organization."))
