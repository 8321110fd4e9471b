"""Factories for tests. Organizations are built through the service so that their events,
periods and audit trail exist exactly as in production."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model

from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_register

_serial = itertools.count(1)


def synthetic_uscc(division_code: str = "110101", category: str = "2") -> str:
    return codes.generate_uscc(category=category, division=division_code, serial=next(_serial))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-test-123!")


def make_organization(
    *,
    actor=None,
    name: str | None = None,
    kind: str = "agency",
    division: str | Division = "110101",
    registered_on: dt.date | None = dt.date(2010, 1, 1),
    with_uscc: bool = True,
    **kwargs,
) -> Organization:
    """Register an organization through ``organization_register`` (as a superuser).

    ``division`` is a code (its latest meaning) or a division (an older meaning of a code)."""
    registrar = (
        division
        if isinstance(division, Division)
        else Division.objects.current().get(code=division)
    )
    division = registrar.code
    if actor is None:
        actor = get_user_model().objects.filter(username="factory-admin").first()
        if actor is None:
            actor = get_user_model().objects.create_superuser("factory-admin", None, "x-Pw-1234!")
    n = next(_serial)
    legal_form = kwargs.pop("legal_form", "social_service")
    category = codes.EXPECTED_PREFIX[legal_form][1] if legal_form in codes.EXPECTED_PREFIX else "2"
    authority = codes.EXPECTED_PREFIX.get(legal_form, ("5", "2"))[0]
    uscc = kwargs.pop("uscc", None)
    if uscc is None and with_uscc:
        uscc = codes.generate_uscc(
            authority=authority, category=category, division=division, serial=n
        )
    return organization_register(
        actor=actor,
        name=name or f"测试社工事务所{n}",
        kind=kind,
        registrar_division=registrar,
        uscc=uscc,
        legal_form=legal_form,
        registered_on=registered_on,
        source="test",
        **kwargs,
    )
