"""Workforce test data, made through the services (audited, validated) as in production."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.actors import cli_actor
from shuniu.divisions.models import Division
from shuniu.registry.models import Organization
from shuniu.workforce.identity import generate_id_number
from shuniu.workforce.models import Certificate, Employment, Person
from shuniu.workforce.services import (
    CertificateSpec,
    certificate_add,
    employment_start,
    person_register,
)

SYSTEM = cli_actor("test")
_serial = itertools.count(1)


def id_number(birth: dt.date = dt.date(1985, 5, 20), address: str = "110102") -> str:
    """A valid number, different on every call."""
    n = next(_serial)
    return generate_id_number(
        address_code=address,
        birth_date=birth + dt.timedelta(days=n // 900),
        sequence=n % 900 + 1,
    )


def make_person(*, name: str | None = None, number: str | None = None, **kwargs) -> Person:
    return person_register(
        actor=kwargs.pop("actor", SYSTEM),
        name=name or f"测试人员{next(_serial)}",
        id_number=number or id_number(),
        **kwargs,
    )


def make_certificate(
    person: Person,
    *,
    level: str = "junior",
    issued_on: dt.date = dt.date(2010, 11, 1),
    division: str = "110102",
    number: str | None = None,
    actor=SYSTEM,
) -> Certificate:
    return certificate_add(
        actor=actor,
        person=person,
        level=level,
        number=number or f"T{next(_serial):08d}",
        exam_year=issued_on.year,
        issued_on=issued_on,
        registered_division=Division.objects.get(code=division),
    )


def make_certified(
    *, level: str = "junior", issued_on: dt.date = dt.date(2010, 11, 1), division: str = "110102"
) -> Person:
    person = make_person()
    make_certificate(person, level=level, issued_on=issued_on, division=division)
    return person


def employ(
    person: Person,
    organization: Organization,
    *,
    starts_on: dt.date = dt.date(2011, 1, 1),
    ends_on: dt.date | None = None,
    full_time: bool = True,
    actor=SYSTEM,
) -> Employment:
    return employment_start(
        actor=actor,
        person=person,
        organization=organization,
        starts_on=starts_on,
        ends_on=ends_on,
        full_time=full_time,
    )


def certificate_spec(
    division: str = "110102", *, number: str | None = None, level: str = "junior"
) -> CertificateSpec:
    return CertificateSpec(
        level=level,
        number=number or f"T{next(_serial):08d}",
        exam_year=2010,
        issued_on=dt.date(2010, 11, 1),
        registered_division=Division.objects.get(code=division),
    )


def make_staff(username: str, organization: Organization):
    user = get_user_model().objects.create_user(username, password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=organization)
    return user
