"""Bulk writes to the talent pipeline: universities' graduate cohorts and a programme's
placements, many at once (the demo's thousands of placements), with the rules of
``services.cohort_record`` and ``services.placement_add`` checked for every row first.

All or nothing: any row with a problem raises ``ValidationError`` (field -> "Row n: …"
messages) and nothing is written. Adds what is missing: a cohort already stored for its
(university, year, degree level) and a person the programme already placed are left as
stored and counted as unchanged, so running the same rows again writes nothing. Rows go in
through the people import's store (``executemany``, ``COPY`` on PostgreSQL) and are audited
one record per row, or with ``summary_action`` one record per table (count and id range).
Administrators only: an officer records cohorts and placements one at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_build, audit_write_many, snapshot
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry.models import Kind, Organization
from shuniu.workforce.bulk.store import _Store
from shuniu.workforce.models import DegreeLevel, GraduateCohort, Person, Placement, Programme
from shuniu.workforce.services._shared import _old_enough


@dataclass(frozen=True, slots=True)
class CohortRow:
    university_id: int
    year: int
    degree_level: str
    graduates: int


@dataclass(frozen=True, slots=True)
class PlacementRow:
    person_id: int
    division_id: int
    starts_on: dt.date
    community: str = ""
    ends_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class BulkCounts:
    created: int
    unchanged: int


def cohorts_import(
    *, actor: Actor, rows: Sequence[CohortRow], summary_action: str = ""
) -> BulkCounts:
    """Record the cohorts of ``rows`` not stored yet (see the module's description)."""
    _require_admin(actor)
    universities = {
        pk: (kind, division)
        for pk, kind, division in Organization.objects.filter(
            pk__in={r.university_id for r in rows}
        ).values_list("pk", "kind", "registrar_division__code")
    }
    errors: dict[str, list[str]] = {}
    last_year = timezone.localdate().year + 1
    for number, row in enumerate(rows, start=1):
        kind = universities.get(row.university_id, (None, ""))[0]
        if kind != Kind.UNIVERSITY:
            _add(errors, "university", number, _("Not a university."))
        if row.degree_level not in DegreeLevel.values:
            _add(
                errors,
                "degree_level",
                number,
                _("Unknown degree level %(value)r; one of %(choices)s.")
                % {"value": row.degree_level, "choices": ", ".join(DegreeLevel.values)},
            )
        if not 1950 <= row.year <= last_year:
            _add(
                errors,
                "year",
                number,
                _("%(year)s is not a plausible graduation year.") % {"year": row.year},
            )
        if row.graduates < 0:
            _add(errors, "graduates", number, _("The number of graduates cannot be negative."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        stored = set(
            GraduateCohort.objects.select_for_update()
            .filter(university__in=list(universities))
            .values_list("university_id", "year", "degree_level")
        )
        new: dict[tuple[int, int, str], CohortRow] = {}
        for row in rows:
            key = (row.university_id, row.year, row.degree_level)
            if key not in stored:
                new.setdefault(key, row)
        _write(
            actor,
            GraduateCohort,
            "graduate_cohort",
            ("university_id", "year", "degree_level", "graduates"),
            [(r.university_id, r.year, r.degree_level, r.graduates) for r in new.values()],
            summary_action,
            "graduate_cohort.record",
            lambda cohort: universities[cohort.university_id][1],
        )
    return BulkCounts(created=len(new), unchanged=len(rows) - len(new))


def placements_import(
    *, actor: Actor, programme: Programme, rows: Sequence[PlacementRow], summary_action: str = ""
) -> BulkCounts:
    """Record the placements of ``rows`` the programme does not have yet (see the module's
    description)."""
    _require_admin(actor)
    index = DivisionIndex.load()
    region = index.by_id[programme.region_id]
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in={r.person_id for r in rows}).only("pk", "birth_date")
    }
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        person = people.get(row.person_id)
        division = index.by_id.get(row.division_id)
        if person is None:
            _add(errors, "person", number, _("No such person."))
        elif row.person_id in seen:
            _add(errors, "person", number, _("This person is placed by an earlier row."))
        else:
            found: dict[str, list[str]] = {}
            _old_enough(person, row.starts_on, "starts_on", found)
            for message in found.get("starts_on", []):
                _add(errors, "starts_on", number, message)
        seen.add(row.person_id)
        if division is None:
            _add(errors, "division", number, _("No such division."))
        elif not index.within(index.holder(division.pk, row.starts_on), region) and not (
            index.within(division, region)
        ):
            _add(
                errors,
                "division",
                number,
                _("%(division)s lies outside the programme's region %(region)s.")
                % {"division": division.name, "region": region.name},
            )
        if row.ends_on is not None and row.ends_on <= row.starts_on:
            _add(errors, "ends_on", number, _("A placement ends after it starts."))
        if len(row.community.strip()) > 200:
            _add(errors, "community", number, _("At most 200 characters."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        placed = set(
            Placement.objects.select_for_update()
            .filter(programme=programme)
            .values_list("person_id", flat=True)
        )
        new = [row for row in rows if row.person_id not in placed]
        day = connection.ops.adapt_datefield_value
        _write(
            actor,
            Placement,
            "placement",
            ("programme_id", "person_id", "division_id", "community", "starts_on", "ends_on"),
            [
                (programme.pk, r.person_id, r.division_id, r.community.strip(), day(r.starts_on),
                 day(r.ends_on))
                for r in new
            ],
            summary_action,
            "placement.add",
            lambda placement: index.by_id[placement.division_id].code,
        )  # fmt: skip
    return BulkCounts(created=len(new), unchanged=len(rows) - len(new))


def _require_admin(actor: Actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to do this."))
    if not is_admin(actor):
        raise PermissionDenied(_("Only administrators may record cohorts and placements in bulk."))


def _add(errors: dict[str, list[str]], field: str, row: int, message: str) -> None:
    errors.setdefault(field, []).append(
        _("Row %(row)s: %(message)s") % {"row": row, "message": message}
    )


def _write(
    actor: Actor,
    model: type[models.Model],
    key: str,
    columns: tuple[str, ...],
    values: list[tuple[Any, ...]],
    summary_action: str,
    action: str,
    division_code: Callable[[Any], str],
) -> None:
    """Insert ``values`` through the store and audit them (one record each, or a summary)."""
    if not values:
        return
    after = int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    db = _Store()
    try:
        db.insert(key, ("created_at", "updated_at", "version", *columns), [
            (now, now, 1, *row) for row in values
        ])  # fmt: skip
    finally:
        db.close()
    created = model._default_manager.filter(pk__gt=after).order_by("pk")
    if summary_action:
        figures = created.aggregate(n=Count("pk"), first=Min("pk"), last=Max("pk"))
        records = [
            audit_build(
                actor=actor,
                action=f"{key}.{summary_action}",
                instance=created[0],
                before=None,
                after={"created": figures["n"], "first_id": figures["first"],
                       "last_id": figures["last"]},
            )
        ]  # fmt: skip
    else:
        records = [
            audit_build(
                actor=actor,
                action=action,
                instance=instance,
                before=None,
                after=snapshot(instance),
                division_code=division_code(instance),
            )
            for instance in created
        ]
    audit_write_many(records)
