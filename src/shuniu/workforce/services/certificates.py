"""Certificates and their registration periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.core.versioning import check_version
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.workforce.models import REGISTRATION_YEARS, Certificate, CertificateRegistration, Person
from shuniu.workforce.selectors import (
    certificate_get,
    person_in_scope,
    registration_get,
    visible_people,
)
from shuniu.workforce.services._shared import (
    _CERTIFICATE_DIVISION_LEVELS,
    FIRST_EXAM_YEAR,
    _merge,
    _old_enough,
    _raise,
    _require_division,
    certificate_number_clean,
    level_clean,
)


def _certificate_errors(
    cert: Certificate, person: Person, actor: Actor | None = None
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


def _save_certificate(actor: Actor, cert: Certificate) -> None:
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
    actor: Actor,
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


def _locked_certificate(actor: Actor, pk: int) -> Certificate:
    """The certificate, locked for the transaction the caller is in, if ``actor`` may
    change the records of its division (after ``certificate_get`` found it in scope)."""
    cert = Certificate.objects.select_for_update().select_related("registered_division").get(pk=pk)
    _require_division(actor, cert.registered_division)
    return cert


def certificate_revoke(
    *,
    actor: Actor,
    certificate: Certificate,
    revoked_on: dt.date,
    expected_version: int | None = None,
) -> Certificate:
    """Revoke a certificate from a date on; it stops counting from that day."""
    certificate_get(actor=actor, pk=certificate.pk)
    with transaction.atomic():
        cert = _locked_certificate(actor, certificate.pk)
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
    # NaN is not compared (InvalidOperation) and Infinity not quantized: refused first.
    if (
        not hours.is_finite()
        or hours < 0
        or hours >= Decimal(100000)
        or hours != hours.quantize(Decimal("0.1"))
    ):
        errors.setdefault("ce_hours", []).append(
            _("Hours run from 0 up, in tenths of an hour at most.")
        )
        return Decimal(0)
    return hours.quantize(Decimal("0.1"))


def certificate_registration_add(
    *,
    actor: Actor,
    certificate: Certificate,
    starts_on: dt.date,
    ce_hours: Any = 0,
) -> CertificateRegistration:
    """Register a certificate for the three years from ``starts_on``."""
    certificate_get(actor=actor, pk=certificate.pk)
    with transaction.atomic():
        cert = _locked_certificate(actor, certificate.pk)
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
    actor: Actor,
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
