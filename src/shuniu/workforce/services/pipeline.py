"""Universities' cohorts, programmes and placements."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Organization
from shuniu.workforce.models import DegreeLevel, GraduateCohort, Person, Placement, Programme
from shuniu.workforce.selectors import person_in_scope
from shuniu.workforce.services._shared import _merge, _old_enough, _raise, _require_division
from shuniu.workforce.services.people import _check_university


def cohort_record(
    *,
    actor: Actor,
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
    actor: Actor,
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
    actor: Actor,
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
