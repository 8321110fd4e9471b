"""People: register, correct, and read the full ID number (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.unset import UNSET, Unset, given
from shuniu.core.versioning import check_version
from shuniu.divisions.models import Division
from shuniu.registry.models import Kind, Organization
from shuniu.workforce import identity
from shuniu.workforce.models import Certificate, Employment, EmploymentRole, Person
from shuniu.workforce.selectors import can_view_id_number, person_in_scope, visible_people
from shuniu.workforce.services._shared import (
    MIN_AGE,
    _may_employ_at,
    _may_write_in,
    _merge,
    _raise,
    _require_login,
    _require_person,
    certificate_number_clean,
    id_number_clean,
    level_clean,
    person_snapshot,
)
from shuniu.workforce.services.certificates import _certificate_errors, _save_certificate
from shuniu.workforce.services.employments import _employment_errors, _save_employment


@dataclass(frozen=True)
class CertificateSpec:
    """A certificate entered together with its holder."""

    level: Any
    number: str
    exam_year: int
    issued_on: dt.date
    registered_division: Division


@dataclass(frozen=True)
class EmploymentSpec:
    """An employment entered together with the person."""

    organization: Organization
    starts_on: dt.date
    role: str = EmploymentRole.SOCIAL_WORKER
    full_time: bool = True


def _existing_holder_message(actor: Actor, existing: Person) -> str:
    # Whoever typed the number knows it; who holds it is told only to those who may see
    # that person.
    if not visible_people(actor).filter(pk=existing.pk).exists():
        return _(
            "A person with this ID number is already registered, outside the records you "
            "may see: ask an officer of their jurisdiction or an administrator."
        )
    return _("A person with this ID number is already registered: %(masked)s (id %(id)s).") % {
        "masked": existing.id_shown,
        "id": existing.pk,
    }


def _check_university(university: Organization | None) -> list[str]:
    if university is not None and university.kind != Kind.UNIVERSITY:
        return [_("%(name)s is not a university.") % {"name": university.name}]
    return []


def _person_field_errors(person: Person) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not person.name:
        errors.setdefault("name", []).append(_("Give the person's name."))
    university_errors = _check_university(person.university)
    if university_errors:
        errors["university"] = university_errors
    year = person.graduation_year
    if year is not None and (
        year < person.birth_date.year + MIN_AGE or year > timezone.localdate().year + 1
    ):
        errors.setdefault("graduation_year", []).append(
            _("%(year)s is not a plausible graduation year for someone born in %(born)s.")
            % {"year": year, "born": person.birth_date.year}
        )
    try:
        person.full_clean(exclude=["university"], validate_unique=False)
    except ValidationError as exc:
        _merge(errors, exc)
    return errors


def person_register(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    education_level: str = "",
    university: Organization | None = None,
    major: str = "",
    graduation_year: int | None = None,
    phone: str = "",
    source: str = "",
    synthetic: bool = False,
    certificate: CertificateSpec | None = None,
    employment: EmploymentSpec | None = None,
) -> Person:
    """Enter a person: the ID number is validated, sex and birth date derived from it, and
    only its cipher, keyed hash and masked form stored. A number already registered is
    refused, naming the existing person by masked number."""
    _require_login(actor)
    if not is_admin(actor):
        linked = (
            certificate is not None and _may_write_in(actor, certificate.registered_division)
        ) or (employment is not None and _may_employ_at(actor, employment.organization))
        if not linked:
            raise PermissionDenied(
                _(
                    "Enter a person together with a certificate registered in your "
                    "jurisdiction or an employment at your organization (or one in your "
                    "jurisdiction)."
                )
            )
    parsed = id_number_clean(id_number)
    # During a key rotation a stored person may still carry a hash made with an older key.
    existing = Person.objects.filter(id_hash__in=identity.match_hashes(parsed.number)).first()
    if existing is not None:
        raise ValidationError({"id_number": _existing_holder_message(actor, existing)})
    person = Person(
        name=" ".join((name or "").split()),
        # Sealed once the row has its primary key, which the token is bound to (below).
        id_cipher=identity.PENDING_TOKEN,
        id_hash=identity.id_hash(parsed.number),
        id_masked=identity.mask(parsed.number),
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        education_level=education_level or "",
        university=university,
        major=(major or "").strip(),
        graduation_year=graduation_year,
        phone=(phone or "").strip(),
        source=(source or "").strip(),
        synthetic=synthetic,
    )
    errors = _person_field_errors(person)
    cert: Certificate | None = None
    job: Employment | None = None
    if certificate is not None:
        cert = Certificate(
            person=person,
            level=0,
            number="",
            exam_year=certificate.exam_year,
            issued_on=certificate.issued_on,
            registered_division=certificate.registered_division,
        )
        try:
            cert.level = level_clean(certificate.level)
            cert.number = certificate_number_clean(certificate.number)
        except ValidationError as exc:
            _merge(errors, exc, "certificate.")
        for field, messages in _certificate_errors(cert, person, actor).items():
            errors.setdefault("certificate." + field, []).extend(messages)
    if employment is not None:
        job = Employment(
            person=person,
            organization=employment.organization,
            starts_on=employment.starts_on,
            role=employment.role,
            full_time=employment.full_time,
        )
        for field, messages in _employment_errors(job, person).items():
            errors.setdefault("employment." + field, []).extend(messages)
    _raise(errors)
    with transaction.atomic():
        person.save()
        person.id_cipher = identity.encrypt(parsed.number, row=person.pk)
        Person.objects.filter(pk=person.pk).update(id_cipher=person.id_cipher)
        division_code = ""
        if cert is not None:
            division_code = cert.registered_division.code
        elif job is not None:
            division_code = job.organization.registrar_division.code
        audit_write(
            actor=actor,
            action="person.register",
            instance=person,
            before=None,
            after=person_snapshot(person),
            division_code=division_code,
        )
        if cert is not None:
            cert.person = person
            _save_certificate(actor, cert)
        if job is not None:
            job.person = person
            _save_employment(actor, job)
    return person


PERSON_UPDATABLE = {
    "name",
    "id_number",
    "education_level",
    "university",
    "major",
    "graduation_year",
    "phone",
    "source",
}


def person_update(
    *,
    actor: Actor,
    person: Person,
    expected_version: int | None,
    name: str | Unset | None = UNSET,
    id_number: str | Unset = UNSET,
    education_level: str | Unset | None = UNSET,
    university: Organization | Unset | None = UNSET,
    major: str | Unset | None = UNSET,
    graduation_year: int | Unset | None = UNSET,
    phone: str | Unset | None = UNSET,
    source: str | Unset | None = UNSET,
) -> Person:
    """Correct a person's record: the fields given (not ``UNSET``) only, each of
    PERSON_UPDATABLE (an ID number corrected is validated and re-derived)."""
    person_in_scope(actor=actor, pk=person.pk)
    changes = given(education_level=education_level, major=major, phone=phone, source=source)
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        _require_person(actor, current)
        check_version(current, expected=expected_version)
        before = person_snapshot(current)
        errors: dict[str, list[str]] = {}
        if id_number is not UNSET:
            parsed = id_number_clean(id_number)
            digest = identity.id_hash(parsed.number)
            if digest != current.id_hash:
                clash = (
                    Person.objects.filter(id_hash__in=identity.match_hashes(parsed.number))
                    .exclude(pk=current.pk)
                    .first()
                )
                if clash is not None:
                    errors["id_number"] = [_existing_holder_message(actor, clash)]
                current.id_cipher = identity.encrypt(parsed.number, row=current.pk)
                current.id_hash, current.id_masked = digest, identity.mask(parsed.number)
                current.sex, current.birth_date = parsed.sex, parsed.birth_date
        if name is not UNSET:
            current.name = " ".join((name or "").split())
        for field in ("education_level", "major", "phone", "source"):
            if field in changes:
                setattr(current, field, str(changes[field] or "").strip())
        if university is not UNSET:
            current.university = university
        if graduation_year is not UNSET:
            current.graduation_year = graduation_year
        for field, messages in _person_field_errors(current).items():
            errors.setdefault(field, []).extend(messages)
        _raise(errors)
        current.version += 1
        current.save()
        audit_write(
            actor=actor,
            action="person.update",
            instance=current,
            before=before,
            after=person_snapshot(current),
            division_code=_person_division_code(current),
        )
    return current


def _person_division_code(person: Person) -> str:
    cert = (
        Certificate.objects.filter(person=person)
        .select_related("registered_division")
        .order_by("-issued_on", "-id")
        .first()
    )
    if cert is not None:
        return cert.registered_division.code
    job = (
        Employment.objects.filter(person=person)
        .select_related("organization__registrar_division")
        .order_by("-starts_on", "-id")
        .first()
    )
    return job.organization.registrar_division.code if job is not None else ""


def person_id_number(*, actor: Actor, person: Person, purpose: str, refuse: bool = False) -> str:
    """The person's full ID number for the roles that need it (administrators, officers of
    the person's jurisdiction), each such view audited as ``person.id_number.view`` with
    its purpose; anyone else gets the masked form, or PermissionDenied with ``refuse``
    (NotFound for a person out of the actor's scope)."""
    person_in_scope(actor=actor, pk=person.pk)
    if not can_view_id_number(actor, person):
        if refuse:
            if not getattr(actor, "is_authenticated", False):
                raise PermissionDenied(_("Log in to see ID numbers."))
            raise PermissionDenied(
                _(
                    "Only officers of this person's jurisdiction and administrators may see "
                    "the full ID number."
                )
            )
        return person.id_shown
    purpose = " ".join((purpose or "").split())[:200] or "unspecified"
    # Undecryptable (logged) when no configured key opens it: nothing is recorded as seen.
    number = identity.decrypt_stored(person.id_cipher, row=person.pk)
    audit_write(
        actor=actor,
        action="person.id_number.view",
        instance=person,
        before=None,
        after={"purpose": purpose, "id_masked": person.id_masked},
        division_code=_person_division_code(person),
    )
    return number
