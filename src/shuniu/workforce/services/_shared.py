"""What the workforce services share: the limits, the cleaning of single values (also used
by the bulk import), the collecting of field errors and the permission checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from shuniu.accounts.permissions import (
    can_write_in,
    is_admin,
    jurisdictions,
    staff_organization_ids,
)
from shuniu.core.actors import Actor
from shuniu.core.audit import snapshot
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.registry.models import Organization
from shuniu.workforce import identity
from shuniu.workforce.models import LEVEL_BY_KEY, Level, Person
from shuniu.workforce.selectors import can_manage_person

# People start work, sit the exam or join a programme at 16 at the earliest (the legal
# working age); earlier dates are typing errors.
MIN_AGE = 16
FIRST_EXAM_YEAR = 2000
_CERTIFICATE_DIVISION_LEVELS = (DivisionLevel.PROVINCE, DivisionLevel.CITY, *COUNTY_LEVELS)


# ---------------------------------------------------------------------------------------
# Validation shared with the bulk import
# ---------------------------------------------------------------------------------------


def id_number_clean(raw: str, *, field: str = "id_number") -> identity.IdNumber:
    """Validate and normalise an ID number (15-digit numbers converted), or say why not."""
    if raw is None or not str(raw).strip():
        raise ValidationError({field: _("Give the resident ID number.")})
    try:
        return identity.parse_id_number(str(raw))
    except identity.InvalidIdNumber as exc:
        raise ValidationError({field: str(exc)}) from exc


def level_clean(raw: Any, *, field: str = "level") -> int:
    """A certificate level: 1/2/3 or junior/intermediate/senior."""
    if isinstance(raw, str) and raw.strip().lower() in LEVEL_BY_KEY:
        return int(LEVEL_BY_KEY[raw.strip().lower()])
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        raise ValidationError(
            {
                field: _("Unknown level %(value)s; one of %(choices)s.")
                % {"value": raw, "choices": ", ".join(LEVEL_BY_KEY)}
            }
        )
    return value


def certificate_number_clean(raw: str, *, field: str = "number") -> str:
    number = "".join(str(raw or "").split()).upper()
    if not number:
        raise ValidationError({field: _("Give the certificate number.")})
    if len(number) > 40:
        raise ValidationError({field: _("A certificate number has at most 40 characters.")})
    return number


def person_snapshot(person: Person) -> dict[str, Any]:
    """A person's fields for the audit trail, without the cipher or the hash."""
    data = snapshot(person)
    data.pop("id_cipher", None)
    data.pop("id_hash", None)
    return data


def _merge(errors: dict[str, list[str]], exc: ValidationError, prefix: str = "") -> None:
    for field, messages in exc.message_dict.items():
        errors.setdefault(prefix + field, []).extend(messages)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _old_enough(
    person: Person,
    day: dt.date,
    field: str,
    errors: dict[str, list[str]],
    *,
    by_year: bool = False,
) -> None:
    """Refuse ``day`` before the person's 16th birthday. ``by_year`` for callers who may not
    see the birth date: then the answer may depend on the birth year only (shown to them),
    or trying dates one by one would tell the day, and with it the ID number but ~45
    candidates. Such callers are refused the whole year of the 16th birthday."""
    birth = person.birth_date
    try:
        sixteenth = birth.replace(year=birth.year + MIN_AGE)
    except ValueError:  # born on 29 February
        sixteenth = dt.date(birth.year + MIN_AGE, 3, 1)
    if by_year and day < dt.date(sixteenth.year + 1, 1, 1):
        errors.setdefault(field, []).append(
            _(
                "%(date)s is too early: the person turns 16 in %(year)s, and a job "
                "starting before %(next)s is recorded by an officer of their jurisdiction."
            )
            % {"date": day.isoformat(), "year": sixteenth.year, "next": f"{sixteenth.year + 1}"}
        )
        return
    if day < sixteenth:
        errors.setdefault(field, []).append(
            # The year only: the day would tell the birth date, which is part of the
            # ID number (docs/decisions.md).
            _("%(date)s is before the person's 16th birthday (in %(year)s).")
            % {"date": day.isoformat(), "year": sixteenth.year}
        )


# ---------------------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------------------


def _require_login(actor: Actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change workforce records."))


def _may_write_in(actor: Actor, division: Division) -> bool:
    return is_admin(actor) or (bool(jurisdictions(actor)) and can_write_in(actor, division))


def _require_division(actor: Actor, division: Division) -> None:
    _require_login(actor)
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may do this."))
    if not _may_write_in(actor, division):
        raise PermissionDenied(
            _("%(division)s is outside your jurisdiction.") % {"division": division.name}
        )


def _may_employ_at(actor: Actor, organization: Organization) -> bool:
    return _may_write_in(actor, organization.registrar_division) or (
        organization.pk in staff_organization_ids(actor)
    )


def _require_employer(actor: Actor, organization: Organization) -> None:
    _require_login(actor)
    if not _may_employ_at(actor, organization):
        raise PermissionDenied(
            _("You may record employment only at %(what)s.")
            % {
                "what": _("your own organization")
                if staff_organization_ids(actor)
                else _("organizations in your jurisdiction")
            }
        )


def _require_person(actor: Actor, person: Person) -> None:
    _require_login(actor)
    if not can_manage_person(actor, person):
        raise PermissionDenied(
            _("Only officers of this person's jurisdiction and administrators may do this.")
        )
