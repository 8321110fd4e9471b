"""Ids in paths and bodies turned into records, through the selectors only.

Every router resolves ids here, never with the ORM: a record the caller may not see is
not found (404, its existence not told) whatever the verb, and a record referred to in a
body that the caller may not see is not found either, rather than linked. Public things
(organizations, divisions, programmes) named in a body that do not exist are a 422 naming
the field, as before.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import Division
from shuniu.registry.models import Organization
from shuniu.registry.selectors import organization_get
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    Person,
    Programme,
)
from shuniu.workforce.selectors import (
    certificate_get,
    employment_get,
    person_in_scope,
    programme_get,
    registration_get,
)

# ---------------------------------------------------------------------------------------
# Public records named in a body: a 422 naming the field when unknown


def division_ref(code: str, field: str) -> Division:
    try:
        return Division.objects.current().get(code=code)
    except Division.DoesNotExist as exc:
        raise ValidationError(
            {field: _("Unknown division code %(code)s.") % {"code": code}}
        ) from exc


def organization_ref(pk: int, field: str) -> Organization:
    try:
        return Organization.objects.get(pk=pk)
    except Organization.DoesNotExist as exc:
        raise ValidationError({field: _("No organization with id %(id)s.") % {"id": pk}}) from exc


# ---------------------------------------------------------------------------------------
# Records in a path: 404 when unknown or out of the caller's scope


def organization_for(actor: Actor, pk: int) -> Organization:
    """The registry is public: GET answers every organization, so a write outside the
    caller's jurisdiction is a 403 that names why (the service's), and an unknown id 404."""
    return organization_get(actor=actor, pk=pk)


def programme_for(pk: int) -> Programme:
    """Programmes are public, like their list."""
    return programme_get(pk=pk)


def person_for(actor: Actor, pk: int) -> Person:
    return person_in_scope(actor=actor, pk=pk)


def certificate_for(actor: Actor, pk: int) -> Certificate:
    return certificate_get(actor=actor, pk=pk)


def registration_for(actor: Actor, pk: int) -> CertificateRegistration:
    return registration_get(actor=actor, pk=pk)


def employment_for(actor: Actor, pk: int) -> Employment:
    return employment_get(actor=actor, pk=pk)


# ---------------------------------------------------------------------------------------
# Personal records named in a body: not found unless the caller may see them


def person_ref(actor: Actor, pk: int, field: str) -> Person:
    """A person named in a body (``person_id``): someone the caller may not see is not
    found, exactly like an id that does not exist, so nothing can be linked to them."""
    try:
        return person_in_scope(actor=actor, pk=pk)
    except NotFound as exc:
        raise NotFound(f"{field}={pk}") from exc
