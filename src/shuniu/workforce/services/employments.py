"""Employment: start and end."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.core.versioning import check_version
from shuniu.registry.models import Organization
from shuniu.workforce.models import Employment, EmploymentRole, Person
from shuniu.workforce.selectors import can_view_id_number, employment_get, person_in_scope
from shuniu.workforce.services._shared import _merge, _old_enough, _raise, _require_employer


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


def _save_employment(actor: Actor, job: Employment) -> None:
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
    actor: Actor,
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
    actor: Actor,
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
