"""Every write to the workforce. Interfaces (API, web, CLI, import) call these only.

Who may write (docs/decisions.md): administrators anywhere; officers where the record lies
in their jurisdiction (a certificate's registered division, an employer's registrar
division, a university's, a programme's region, a placement's division); agency staff
start and end employment at their own organization only. A person enters together with a
certificate or an employment that links them to the actor's jurisdiction (administrators
may enter a person alone): otherwise nobody but administrators could see them afterwards.

ID numbers never reach the audit trail or the logs: snapshots of a person leave out the
cipher and the hash, and keep the masked form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import (
    can_write_in,
    is_admin,
    jurisdictions,
    staff_organization_ids,
)
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.versioning import check_version
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.divisions.models import Level as DivisionLevel
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind, Organization
from shuniu.workforce import identity
from shuniu.workforce.models import (
    LEVEL_BY_KEY,
    REGISTRATION_YEARS,
    Certificate,
    CertificateRegistration,
    DegreeLevel,
    Employment,
    EmploymentRole,
    GraduateCohort,
    Level,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.selectors import (
    can_manage_person,
    can_view_id_number,
    certificate_get,
    employment_get,
    person_in_scope,
    registration_get,
    visible_people,
)

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


def _require_login(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change workforce records."))


def _may_write_in(actor: Any, division: Division) -> bool:
    return is_admin(actor) or (bool(jurisdictions(actor)) and can_write_in(actor, division))


def _require_division(actor: Any, division: Division) -> None:
    _require_login(actor)
    if not (is_admin(actor) or jurisdictions(actor)):
        raise PermissionDenied(_("Only officers and administrators may do this."))
    if not _may_write_in(actor, division):
        raise PermissionDenied(
            _("%(division)s is outside your jurisdiction.") % {"division": division.name}
        )


def _may_employ_at(actor: Any, organization: Organization) -> bool:
    return _may_write_in(actor, organization.registrar_division) or (
        organization.pk in staff_organization_ids(actor)
    )


def _require_employer(actor: Any, organization: Organization) -> None:
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


def _require_person(actor: Any, person: Person) -> None:
    _require_login(actor)
    if not can_manage_person(actor, person):
        raise PermissionDenied(
            _("Only officers of this person's jurisdiction and administrators may do this.")
        )


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------


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


def _existing_holder_message(actor: Any, existing: Person) -> str:
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
    actor: Any,
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
    *, actor: Any, person: Person, expected_version: int | None, **changes: Any
) -> Person:
    """Correct a person's record (an ID number corrected is validated and re-derived)."""
    person_in_scope(actor=actor, pk=person.pk)
    unknown = set(changes) - PERSON_UPDATABLE
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        _require_person(actor, current)
        check_version(current, expected=expected_version)
        before = person_snapshot(current)
        errors: dict[str, list[str]] = {}
        if "id_number" in changes:
            parsed = id_number_clean(changes["id_number"])
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
        if "name" in changes:
            current.name = " ".join((changes["name"] or "").split())
        for field in ("education_level", "major", "phone", "source"):
            if field in changes:
                setattr(current, field, (changes[field] or "").strip())
        if "university" in changes:
            current.university = changes["university"]
        if "graduation_year" in changes:
            current.graduation_year = changes["graduation_year"]
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


def person_id_number(*, actor: Any, person: Person, purpose: str, refuse: bool = False) -> str:
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


# ---------------------------------------------------------------------------------------
# Certificates and registrations
# ---------------------------------------------------------------------------------------


def _certificate_errors(
    cert: Certificate, person: Person, actor: Any = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    division = cert.registered_division
    if division.level not in _CERTIFICATE_DIVISION_LEVELS:
        errors.setdefault("registered_division", []).append(
            _("A certificate is registered with a city or a district, not a %(level)s.")
            % {"level": division.get_level_display()}
        )
    elif not division.is_valid_on(cert.issued_on):
        index = DivisionIndex.load()
        holder = index.holder(division.pk, cert.issued_on)
        hint = (
            _("; use %(code)s %(name)s") % {"code": holder.code, "name": holder.name}
            if holder.pk != division.pk
            else ""
        )
        errors.setdefault("registered_division", []).append(
            _("%(name)s (%(code)s) did not exist on %(date)s")
            % {"name": division.name, "code": division.code, "date": cert.issued_on.isoformat()}
            + hint
        )
    if cert.exam_year is not None and cert.issued_on is not None:
        if cert.exam_year > cert.issued_on.year:
            errors.setdefault("exam_year", []).append(
                _("The exam year %(year)s is after the issue date.") % {"year": cert.exam_year}
            )
        elif cert.exam_year < FIRST_EXAM_YEAR:
            errors.setdefault("exam_year", []).append(
                _("The exam year must be %(first)s or later.") % {"first": FIRST_EXAM_YEAR}
            )
    if cert.issued_on is not None:
        _old_enough(person, cert.issued_on, "issued_on", errors)
    if cert.number:
        clash = (
            Certificate.objects.filter(number=cert.number)
            .exclude(pk=cert.pk)
            .select_related("person")
            .first()
        )
        if clash is not None:
            errors.setdefault("number", []).append(
                _("Certificate number %(number)s is already held by %(masked)s.")
                % {"number": cert.number, "masked": clash.person.id_shown}
                if actor is not None and visible_people(actor).filter(pk=clash.person_id).exists()
                else _("Certificate number %(number)s is already held by someone else.")
                % {"number": cert.number}
            )
    try:
        # Level and number are cleaned (and reported) by level_clean / certificate_number_clean.
        cert.full_clean(
            exclude=["person", "registered_division", "level", "number"], validate_unique=False
        )
    except ValidationError as exc:
        _merge(errors, exc)
    return errors


def _save_certificate(actor: Any, cert: Certificate) -> None:
    cert.save()
    audit_write(
        actor=actor,
        action="certificate.add",
        instance=cert,
        before=None,
        after=snapshot(cert),
        division_code=cert.registered_division.code,
    )


def certificate_add(
    *,
    actor: Any,
    person: Person,
    level: Any,
    number: str,
    exam_year: int,
    issued_on: dt.date,
    registered_division: Division,
) -> Certificate:
    """Record a certificate (助理社会工作师 / 社会工作师 / 高级社会工作师); numbers are unique."""
    person_in_scope(actor=actor, pk=person.pk)
    _require_division(actor, registered_division)
    errors: dict[str, list[str]] = {}
    cert = Certificate(
        person=person,
        level=0,
        number="",
        exam_year=exam_year,
        issued_on=issued_on,
        registered_division=registered_division,
    )
    try:
        cert.level = level_clean(level)
    except ValidationError as exc:
        _merge(errors, exc)
    try:
        cert.number = certificate_number_clean(number)
    except ValidationError as exc:
        _merge(errors, exc)
    for field, messages in _certificate_errors(cert, person, actor).items():
        errors.setdefault(field, []).extend(messages)
    _raise(errors)
    with transaction.atomic():
        _save_certificate(actor, cert)
    return cert


def certificate_revoke(
    *,
    actor: Any,
    certificate: Certificate,
    revoked_on: dt.date,
    expected_version: int | None = None,
) -> Certificate:
    """Revoke a certificate from a date on; it stops counting from that day."""
    certificate_get(actor=actor, pk=certificate.pk)
    with transaction.atomic():
        cert = (
            Certificate.objects.select_for_update()
            .select_related("registered_division")
            .get(pk=certificate.pk)
        )
        _require_division(actor, cert.registered_division)
        check_version(cert, expected=expected_version)
        if cert.revoked_on is not None:
            raise ValidationError(
                {
                    "revoked_on": _("This certificate was already revoked on %(date)s.")
                    % {"date": cert.revoked_on.isoformat()}
                }
            )
        if revoked_on <= cert.issued_on:
            raise ValidationError(
                {"revoked_on": _("A certificate is revoked after the day it was issued.")}
            )
        before = snapshot(cert)
        cert.revoked_on = revoked_on
        cert.version += 1
        cert.save()
        audit_write(
            actor=actor,
            action="certificate.revoke",
            instance=cert,
            before=before,
            after=snapshot(cert),
            division_code=cert.registered_division.code,
        )
    return cert


def registration_period_end(starts_on: dt.date) -> dt.date:
    """The last day of a registration period starting on ``starts_on`` (three years)."""
    try:
        following = starts_on.replace(year=starts_on.year + REGISTRATION_YEARS)
    except ValueError:  # 29 February
        following = dt.date(starts_on.year + REGISTRATION_YEARS, 3, 1)
    return following - dt.timedelta(days=1)


def _hours_clean(raw: Any, errors: dict[str, list[str]]) -> Decimal:
    try:
        hours = Decimal(str(raw if raw is not None else 0))
    except InvalidOperation:
        errors.setdefault("ce_hours", []).append(_("Give the hours as a number."))
        return Decimal(0)
    if hours < 0 or hours >= Decimal(100000) or hours != hours.quantize(Decimal("0.1")):
        errors.setdefault("ce_hours", []).append(
            _("Hours run from 0 up, in tenths of an hour at most.")
        )
        return Decimal(0)
    return hours.quantize(Decimal("0.1"))


def certificate_registration_add(
    *,
    actor: Any,
    certificate: Certificate,
    starts_on: dt.date,
    ce_hours: Any = 0,
) -> CertificateRegistration:
    """Register a certificate for the three years from ``starts_on``."""
    certificate_get(actor=actor, pk=certificate.pk)
    with transaction.atomic():
        cert = (
            Certificate.objects.select_for_update()
            .select_related("registered_division")
            .get(pk=certificate.pk)
        )
        _require_division(actor, cert.registered_division)
        errors: dict[str, list[str]] = {}
        hours = _hours_clean(ce_hours, errors)
        ends_on = registration_period_end(starts_on)
        if starts_on < cert.issued_on:
            errors.setdefault("starts_on", []).append(
                _("A registration starts on or after the certificate's issue date (%(date)s).")
                % {"date": cert.issued_on.isoformat()}
            )
        if cert.revoked_on is not None and starts_on >= cert.revoked_on:
            errors.setdefault("starts_on", []).append(
                _("The certificate was revoked on %(date)s.")
                % {"date": cert.revoked_on.isoformat()}
            )
        overlap = (
            CertificateRegistration.objects.filter(
                certificate=cert, starts_on__lte=ends_on, ends_on__gte=starts_on
            )
            .order_by("starts_on")
            .first()
        )
        if overlap is not None:
            errors.setdefault("starts_on", []).append(
                _("This period overlaps the registration %(start)s to %(end)s.")
                % {"start": overlap.starts_on.isoformat(), "end": overlap.ends_on.isoformat()}
            )
        _raise(errors)
        registration = CertificateRegistration(
            certificate=cert, starts_on=starts_on, ends_on=ends_on, ce_hours=hours
        )
        registration.save()
        audit_write(
            actor=actor,
            action="certificate_registration.add",
            instance=registration,
            before=None,
            after=snapshot(registration),
            division_code=cert.registered_division.code,
        )
    return registration


def certificate_registration_update(
    *,
    actor: Any,
    registration: CertificateRegistration,
    ce_hours: Any,
    expected_version: int | None = None,
) -> CertificateRegistration:
    """Record the continuing-education hours done so far in a registration period."""
    registration_get(actor=actor, pk=registration.pk)
    with transaction.atomic():
        current = (
            CertificateRegistration.objects.select_for_update()
            .select_related("certificate__registered_division")
            .get(pk=registration.pk)
        )
        division = current.certificate.registered_division
        _require_division(actor, division)
        check_version(current, expected=expected_version)
        errors: dict[str, list[str]] = {}
        hours = _hours_clean(ce_hours, errors)
        _raise(errors)
        before = snapshot(current)
        current.ce_hours = hours
        current.version += 1
        current.save()
        audit_write(
            actor=actor,
            action="certificate_registration.update",
            instance=current,
            before=before,
            after=snapshot(current),
            division_code=division.code,
        )
    return current


# ---------------------------------------------------------------------------------------
# Employment
# ---------------------------------------------------------------------------------------


def _employment_errors(
    job: Employment, person: Person, *, by_year: bool = False
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if job.starts_on is not None:
        _old_enough(person, job.starts_on, "starts_on", errors, by_year=by_year)
    if job.ends_on is not None and job.starts_on is not None and job.ends_on <= job.starts_on:
        errors.setdefault("ends_on", []).append(_("An employment ends after it starts."))
    try:
        job.full_clean(exclude=["person", "organization"], validate_constraints=False)
    except ValidationError as exc:
        _merge(errors, exc)
    return errors


def _save_employment(actor: Any, job: Employment) -> None:
    job.save()
    audit_write(
        actor=actor,
        action="employment.start",
        instance=job,
        before=None,
        after=snapshot(job),
        division_code=job.organization.registrar_division.code,
    )


def employment_start(
    *,
    actor: Any,
    person: Person,
    organization: Organization,
    starts_on: dt.date,
    role: str = EmploymentRole.SOCIAL_WORKER,
    full_time: bool = True,
    ends_on: dt.date | None = None,
) -> Employment:
    """Record that ``person`` works for ``organization`` from ``starts_on``.

    Overlapping full-time jobs are allowed (changes of employer are often recorded late)
    and flagged by ``selectors.overlapping_employments``.
    """
    person_in_scope(actor=actor, pk=person.pk)
    _require_employer(actor, organization)
    job = Employment(
        person=person,
        organization=organization,
        starts_on=starts_on,
        ends_on=ends_on,
        role=role,
        full_time=full_time,
    )
    # Agency staff may not see the birth date: the age check answers by year for them.
    _raise(_employment_errors(job, person, by_year=not can_view_id_number(actor, person)))
    with transaction.atomic():
        _save_employment(actor, job)
    return job


def employment_end(
    *,
    actor: Any,
    employment: Employment,
    ends_on: dt.date,
    expected_version: int | None = None,
) -> Employment:
    """Close an employment; ``ends_on`` is the first day no longer worked."""
    employment_get(actor=actor, pk=employment.pk)
    with transaction.atomic():
        job = (
            Employment.objects.select_for_update(of=("self",))
            .select_related("organization__registrar_division")
            .get(pk=employment.pk)
        )
        _require_employer(actor, job.organization)
        check_version(job, expected=expected_version)
        if job.ends_on is not None:
            raise ValidationError(
                {
                    "ends_on": _("This employment already ended on %(date)s.")
                    % {"date": job.ends_on.isoformat()}
                }
            )
        if ends_on <= job.starts_on:
            raise ValidationError({"ends_on": _("An employment ends after it starts.")})
        before = snapshot(job)
        job.ends_on = ends_on
        job.version += 1
        job.save()
        audit_write(
            actor=actor,
            action="employment.end",
            instance=job,
            before=before,
            after=snapshot(job),
            division_code=job.organization.registrar_division.code,
        )
    return job


# ---------------------------------------------------------------------------------------
# Universities, programmes, placements
# ---------------------------------------------------------------------------------------


def cohort_record(
    *,
    actor: Any,
    university: Organization,
    year: int,
    degree_level: str,
    graduates: int,
) -> GraduateCohort:
    """Record (or correct) how many social-work students a university graduated in a year
    at one degree level."""
    _require_division(actor, university.registrar_division)
    errors: dict[str, list[str]] = {}
    university_errors = _check_university(university)
    if university_errors:
        errors["university"] = university_errors
    if degree_level not in DegreeLevel.values:
        errors["degree_level"] = [
            _("Unknown degree level %(value)r; one of %(choices)s.")
            % {"value": degree_level, "choices": ", ".join(DegreeLevel.values)}
        ]
    if not 1950 <= int(year) <= timezone.localdate().year + 1:
        errors["year"] = [_("%(year)s is not a plausible graduation year.") % {"year": year}]
    if int(graduates) < 0:
        errors["graduates"] = [_("The number of graduates cannot be negative.")]
    _raise(errors)
    with transaction.atomic():
        cohort = (
            GraduateCohort.objects.select_for_update()
            .filter(university=university, year=year, degree_level=degree_level)
            .first()
        )
        if cohort is not None and cohort.graduates == graduates:
            return cohort
        before = snapshot(cohort) if cohort is not None else None
        if cohort is None:
            cohort = GraduateCohort(
                university=university, year=year, degree_level=degree_level, graduates=graduates
            )
        else:
            cohort.graduates = graduates
            cohort.version += 1
        cohort.save()
        audit_write(
            actor=actor,
            action="graduate_cohort.record",
            instance=cohort,
            before=before,
            after=snapshot(cohort),
            division_code=university.registrar_division.code,
        )
    return cohort


def programme_create(
    *,
    actor: Any,
    name: str,
    region: Division,
    year: int,
    organizer: Organization | None = None,
    description: str = "",
    source: str = "",
) -> Programme:
    """A talent programme (e.g. Beijing's 2009 大学生社工计划)."""
    _require_division(actor, region)
    programme = Programme(
        name=" ".join((name or "").split()),
        region=region,
        year=year,
        organizer=organizer,
        description=description or "",
        source=(source or "").strip(),
    )
    errors: dict[str, list[str]] = {}
    if not programme.name:
        errors["name"] = [_("Give the programme's name.")]
    if Programme.objects.filter(name=programme.name, year=year, region=region).exists():
        errors.setdefault("name", []).append(
            _("This programme is already recorded for %(year)s.") % {"year": year}
        )
    try:
        programme.full_clean(exclude=["organizer", "region"])
    except ValidationError as exc:
        _merge(errors, exc)
    _raise(errors)
    with transaction.atomic():
        programme.save()
        audit_write(
            actor=actor,
            action="programme.create",
            instance=programme,
            before=None,
            after=snapshot(programme),
            division_code=region.code,
        )
    return programme


def placement_add(
    *,
    actor: Any,
    programme: Programme,
    person: Person,
    division: Division,
    starts_on: dt.date,
    community: str = "",
    ends_on: dt.date | None = None,
) -> Placement:
    """Record that a programme placed ``person`` in a district's street or community."""
    person_in_scope(actor=actor, pk=person.pk)
    _require_division(actor, division)
    errors: dict[str, list[str]] = {}
    index = DivisionIndex.load()
    region = index.by_id[programme.region_id]
    if not index.within(index.holder(division.pk, starts_on), region) and not index.within(
        division, region
    ):
        errors["division"] = [
            _("%(division)s lies outside the programme's region %(region)s.")
            % {"division": division.name, "region": region.name}
        ]
    _old_enough(person, starts_on, "starts_on", errors)
    if ends_on is not None and ends_on <= starts_on:
        errors.setdefault("ends_on", []).append(_("A placement ends after it starts."))
    if Placement.objects.filter(programme=programme, person=person).exists():
        errors.setdefault("person", []).append(
            _("%(masked)s is already placed by this programme.") % {"masked": person.id_shown}
        )
    placement = Placement(
        programme=programme,
        person=person,
        division=division,
        community=(community or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    try:
        placement.full_clean(exclude=["programme", "person", "division"], validate_unique=False)
    except ValidationError as exc:
        _merge(errors, exc)
    _raise(errors)
    with transaction.atomic():
        placement.save()
        audit_write(
            actor=actor,
            action="placement.add",
            instance=placement,
            before=None,
            after=snapshot(placement),
            division_code=division.code,
        )
    return placement
