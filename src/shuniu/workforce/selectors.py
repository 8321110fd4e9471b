"""Reads of the workforce. People are personal data: every read takes ``actor`` and scopes
itself; the public sees aggregates only (``shuniu.stats.selectors.workforce_stats``).

Who sees whom (docs/decisions.md):
- administrators: everyone;
- officers: people linked to their jurisdiction by a certificate registered there, an
  employment at an organization whose registrar division lies there, or a programme
  placement there (past or present links alike: the history is the jurisdiction's too);
- agency staff: the people employed (now or before) by their own organization, and of
  their employment records only those at that organization;
- anyone else (evaluators, users without a role): nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import (
    covered_division_ids,
    is_admin,
    jurisdictions,
    staff_organization_ids,
)
from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.workforce.identity import InvalidIdNumber, match_hashes, parse_id_number
from shuniu.workforce.models import (
    LEVEL_BY_KEY,
    LEVEL_KEYS,
    REQUIRED_HOURS,
    SHOWN_PREFIX,
    Certificate,
    CertificateRegistration,
    Employment,
    GraduateCohort,
    Level,
    Person,
    Placement,
    Programme,
)

MAX_PAGE_SIZE = 200
# A registration is due for renewal from this many days before its period ends.
RENEWAL_WARNING_DAYS = 90


# ---------------------------------------------------------------------------------------
# Who may see and change what
# ---------------------------------------------------------------------------------------


def _officer_division_ids(actor: Actor) -> set[int]:
    if not jurisdictions(actor):
        return set()
    return covered_division_ids(actor) or set()


def _require_login(actor: Actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Personal data: log in to see people."))


def _linked_to_divisions(division_ids: set[int]) -> Q:
    ids = sorted(division_ids)
    return (
        Q(pk__in=Certificate.objects.filter(registered_division_id__in=ids).values("person_id"))
        | Q(
            pk__in=Employment.objects.filter(organization__registrar_division_id__in=ids).values(
                "person_id"
            )
        )
        | Q(pk__in=Placement.objects.filter(division_id__in=ids).values("person_id"))
    )


def _employed_at(organization_ids: set[int]) -> Q:
    return Q(
        pk__in=Employment.objects.filter(organization_id__in=sorted(organization_ids)).values(
            "person_id"
        )
    )


def visible_people(actor: Actor) -> QuerySet[Person]:
    """The people ``actor`` may see (see the module docstring)."""
    _require_login(actor)
    if is_admin(actor):
        return Person.objects.all()
    condition = Q(pk__in=[])
    divisions = _officer_division_ids(actor)
    if divisions:
        condition |= _linked_to_divisions(divisions)
    organizations = staff_organization_ids(actor)
    if organizations:
        condition |= _employed_at(organizations)
    return Person.objects.filter(condition)


def can_see_person(actor: Actor, person: Person) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return visible_people(actor).filter(pk=person.pk).exists()


def can_manage_person(actor: Actor, person: Person) -> bool:
    """Officers of a jurisdiction the person is linked to, and administrators."""
    if is_admin(actor):
        return True
    divisions = _officer_division_ids(actor)
    if not divisions:
        return False
    return Person.objects.filter(_linked_to_divisions(divisions), pk=person.pk).exists()


def manageable_person_ids(
    *,
    actor: Actor,
    person_ids: Iterable[int],
    certificates_before: int | None = None,
    employments_before: int | None = None,
    division_ids: Iterable[int] | None = None,
) -> set[int]:
    """The ids among ``person_ids`` of the people ``actor`` may change (the rule of
    ``can_manage_person``), in one query whatever their number.

    ``certificates_before`` and ``employments_before`` count only the links with a smaller
    id: a running import passes its first ids, so that the links it has just written do
    not bring a person into the actor's scope (scope is as stored when it began).
    ``division_ids`` are the actor's covered divisions when the caller has them already."""
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    if is_admin(actor):
        return set(ids)
    if not jurisdictions(actor):
        return set()
    divisions = sorted(division_ids if division_ids is not None else _officer_division_ids(actor))
    if not divisions:
        return set()
    certificates = Certificate.objects.filter(
        person_id=OuterRef("pk"), registered_division_id__in=divisions
    )
    if certificates_before is not None:
        certificates = certificates.filter(pk__lt=certificates_before)
    employments = Employment.objects.filter(
        person_id=OuterRef("pk"), organization__registrar_division_id__in=divisions
    )
    if employments_before is not None:
        employments = employments.filter(pk__lt=employments_before)
    placements = Placement.objects.filter(person_id=OuterRef("pk"), division_id__in=divisions)
    # Correlated EXISTS: each probes the person_id index of its table for the given people
    # only, rather than collecting everyone linked to the jurisdiction.
    return set(
        Person.objects.filter(pk__in=ids)
        .filter(Exists(certificates) | Exists(employments) | Exists(placements))
        .values_list("pk", flat=True)
    )


def can_view_id_number(actor: Actor, person: Person) -> bool:
    """The full ID number is for the roles that need it: administrators and the officers of
    the person's jurisdiction. Agency staff see the masked form."""
    return getattr(actor, "is_authenticated", False) and can_manage_person(actor, person)


def revealable_people(actor: Actor) -> QuerySet[Person]:
    """The people whose full ID number ``actor`` may see (``can_view_id_number``)."""
    _require_login(actor)
    if is_admin(actor):
        return Person.objects.all()
    divisions = _officer_division_ids(actor)
    if not divisions:
        return Person.objects.none()
    return Person.objects.filter(_linked_to_divisions(divisions))


def may_search_by_id_number(actor: Actor) -> bool:
    """A whole ID number is searched for by the roles with the reveal right only."""
    return is_admin(actor) or bool(_officer_division_ids(actor))


def person_in_scope(*, actor: Actor, pk: Any) -> Person:
    """The person ``pk`` if ``actor`` may see them, else NotFound: what every write that
    touches a person checks first, so that someone out of scope is not found (their
    existence is not told) whatever the verb."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Personal data: log in to see people."))
    person = visible_people(actor).filter(pk=pk).first() if isinstance(pk, int) else None
    if person is None:
        raise NotFound(pk)
    return person


def _visible_employments(actor: Actor) -> QuerySet[Employment]:
    _require_login(actor)
    if is_admin(actor):
        return Employment.objects.all()
    condition = Q(pk__in=[])
    divisions = _officer_division_ids(actor)
    if divisions:
        condition |= Q(person__in=Person.objects.filter(_linked_to_divisions(divisions)))
    organizations = staff_organization_ids(actor)
    if organizations:
        condition |= Q(organization_id__in=sorted(organizations))
    return Employment.objects.filter(condition)


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFilter:
    q: str | None = None
    organization_id: int | None = None
    level: str | None = None
    synthetic: bool | None = None


def _level(value: str | None, field: str = "level") -> int | None:
    if not value:
        return None
    if value in LEVEL_BY_KEY:
        return int(LEVEL_BY_KEY[value])
    raise ValidationError(
        {
            field: _("Unknown level %(value)r; one of %(choices)s.")
            % {"value": value, "choices": ", ".join(LEVEL_BY_KEY)}
        }
    )


def _person_prefetches() -> list[Any]:
    return [
        Prefetch(
            "certificates",
            queryset=Certificate.objects.select_related("registered_division").order_by(
                "issued_on", "id"
            ),
        ),
        Prefetch(
            "employments",
            queryset=Employment.objects.select_related("organization").order_by("starts_on", "id"),
        ),
    ]


def person_list(
    *, actor: Actor, filters: PersonFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Person], int]:
    """One page of the people ``actor`` may see, with certificates and employments, in a
    fixed number of queries. ``q`` matches a fragment of the name or of the address code
    (the first six characters of the number), or a whole ID number (roles with the reveal
    right only, among the people whose number they may see)."""
    qs = visible_people(actor)
    if filters.q:
        needle = filters.q.strip()
        try:
            # A whole ID number is looked up by its keyed hash (the clear number is stored
            # nowhere to compare with).
            number = parse_id_number(needle)
        except InvalidIdNumber:
            qs = qs.filter(_fragment(needle))
        else:
            # A guessing machine otherwise: only the roles with the reveal right search by
            # a whole number, and only among the people whose number they may see anyway
            # (docs/decisions.md). Any key's hash: rows not yet rotated keep the older one.
            if not may_search_by_id_number(actor):
                raise ValidationError(
                    {
                        "q": _(
                            "Searching by a whole ID number is for officers and "
                            "administrators; search by name instead."
                        )
                    }
                )
            qs = revealable_people(actor).filter(
                pk__in=qs.values("pk"), id_hash__in=match_hashes(number.number)
            )
    if filters.organization_id is not None:
        qs = qs.filter(
            pk__in=Employment.objects.filter(organization_id=filters.organization_id).values(
                "person_id"
            )
        )
    level = _level(filters.level)
    if level is not None:
        qs = qs.filter(pk__in=Certificate.objects.filter(level=level).values("person_id"))
    if filters.synthetic is not None:
        qs = qs.filter(synthetic=filters.synthetic)
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(
        qs.select_related("university")
        .prefetch_related(*_person_prefetches())
        .order_by("name", "id")[offset : offset + limit]
    )
    _keep_own_employments(actor, page)
    return page, count


def _fragment(needle: str) -> Q:
    """A fragment of the name, or of the address code (the first six characters of the
    number, the only digits shown besides the check character). The hidden part of the
    stored mask is never compared with: a fragment such as ``*1`` would tell its digits."""
    condition = Q(name__contains=needle)
    if needle.isascii() and needle.isdigit() and len(needle) <= SHOWN_PREFIX:
        condition |= Q(
            pk__in=Person.objects.annotate(address_code=Substr("id_masked", 1, SHOWN_PREFIX))
            .filter(address_code__contains=needle)
            .values("pk")
        )
    return condition


def _keep_own_employments(actor: Actor, people: list[Person]) -> None:
    """Agency staff see a person's employment at their own organization, not elsewhere,
    unless they also see the person as officers or administrators."""
    if is_admin(actor) or _officer_division_ids(actor):
        return
    own = staff_organization_ids(actor)
    for person in people:
        cache = getattr(person, "_prefetched_objects_cache", {})
        if "employments" in cache:
            cache["employments"] = [e for e in cache["employments"] if e.organization_id in own]


def person_get(*, actor: Actor, pk: int) -> Person:
    """One person ``actor`` may see; others are not found (their existence is not told)."""
    person = (
        visible_people(actor)
        .select_related("university")
        .prefetch_related(*_person_prefetches(), "placements__programme", "placements__division")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise NotFound(pk)
    _keep_own_employments(actor, [person])
    return person


# ---------------------------------------------------------------------------------------
# Certificates and their registration
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFilter:
    person_id: int | None = None
    level: str | None = None
    number: str | None = None


def certificate_list(
    *, actor: Actor, filters: CertificateFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Certificate], int]:
    qs = Certificate.objects.filter(person__in=visible_people(actor))
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    level = _level(filters.level)
    if level is not None:
        qs = qs.filter(level=level)
    if filters.number:
        qs = qs.filter(number=filters.number.strip().upper())
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(
        qs.select_related("person", "registered_division").order_by("issued_on", "id")[
            offset : offset + limit
        ]
    )
    return page, count


def certificate_get(*, actor: Actor, pk: int) -> Certificate:
    certificate = (
        Certificate.objects.filter(person__in=visible_people(actor), pk=pk)
        .select_related("person", "registered_division")
        .prefetch_related("registrations")
        .first()
    )
    if certificate is None:
        raise NotFound(pk)
    return certificate


@dataclass(frozen=True)
class RegistrationStatus:
    """Where a certificate stands on a date: its registration period (3 years) and the
    continuing education done in it."""

    certificate_id: int
    on: dt.date
    level: str
    registered: bool  # a registration period covers ``on``
    starts_on: dt.date | None
    ends_on: dt.date | None  # the last day of the period
    due_on: dt.date | None  # the renewal is due by this day (the period's last day)
    days_left: int | None
    hours_done: Decimal
    hours_required: int
    renewal_due: bool
    short_of_hours: bool
    revoked: bool


def registration_status(certificate: Certificate, on: dt.date) -> RegistrationStatus:
    """The registration check of ``certificate`` on ``on``.

    The period is the one covering ``on``, else the latest one that ended before it.
    ``renewal_due`` when that period ends within 90 days or has ended (or none was ever
    registered); ``short_of_hours`` when its continuing-education hours are below the
    level's requirement (72 h junior, 90 h intermediate and senior).
    """
    periods = sorted(
        (r for r in _registrations(certificate) if r.starts_on <= on),
        key=lambda r: r.starts_on,
    )
    current = next((r for r in periods if r.starts_on <= on <= r.ends_on), None)
    period = current or (periods[-1] if periods else None)
    required = REQUIRED_HOURS[Level(certificate.level)]
    hours = period.ce_hours if period is not None else Decimal(0)
    ends_on = period.ends_on if period is not None else None
    days_left = (ends_on - on).days if ends_on is not None else None
    revoked = certificate.revoked_on is not None and certificate.revoked_on <= on
    return RegistrationStatus(
        certificate_id=certificate.pk,
        on=on,
        level=LEVEL_KEYS[Level(certificate.level)],
        registered=current is not None and not revoked,
        starts_on=period.starts_on if period is not None else None,
        ends_on=ends_on,
        due_on=ends_on,
        days_left=days_left,
        hours_done=Decimal(hours),
        hours_required=required,
        renewal_due=days_left is None or days_left < RENEWAL_WARNING_DAYS,
        short_of_hours=Decimal(hours) < required,
        revoked=revoked,
    )


def registration_get(*, actor: Actor, pk: int) -> CertificateRegistration:
    """A registration period of a certificate ``actor`` may see; others are not found."""
    registration = (
        CertificateRegistration.objects.filter(certificate__person__in=visible_people(actor), pk=pk)
        .select_related("certificate__registered_division")
        .first()
    )
    if registration is None:
        raise NotFound(pk)
    return registration


def _registrations(certificate: Certificate) -> list[CertificateRegistration]:
    # Uses a prefetch when the caller made one.
    return list(certificate.registrations.all())


# ---------------------------------------------------------------------------------------
# Employment
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmploymentFilter:
    person_id: int | None = None
    organization_id: int | None = None
    active_on: dt.date | None = None


def _active_on(on: dt.date) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gt=on))


def employment_list(
    *, actor: Actor, filters: EmploymentFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Employment], int]:
    qs = _visible_employments(actor)
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.active_on is not None:
        qs = qs.filter(_active_on(filters.active_on))
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(
        qs.select_related("person", "organization").order_by("starts_on", "id")[
            offset : offset + limit
        ]
    )
    return page, count


def employment_get(*, actor: Actor, pk: int) -> Employment:
    employment = (
        _visible_employments(actor).select_related("person", "organization").filter(pk=pk).first()
    )
    if employment is None:
        raise NotFound(pk)
    return employment


def overlapping_employments(
    *, person: Person, actor: Actor | None = None
) -> list[tuple[Employment, Employment]]:
    """Pairs of the person's full-time jobs whose periods overlap (ends are exclusive).

    Overlaps are allowed (a change of employer is often recorded late) but flagged: the
    API returns them as warnings and pages show them. With ``actor``, only the jobs the
    actor may see are compared (agency staff see their own organization's only).
    """
    qs = Employment.objects.filter(person=person, full_time=True)
    if actor is not None:
        qs = qs.filter(pk__in=_visible_employments(actor).values("pk"))
    jobs = list(qs.select_related("organization").order_by("starts_on", "id"))
    pairs: list[tuple[Employment, Employment]] = []
    for i, first in enumerate(jobs):
        for second in jobs[i + 1 :]:
            if first.ends_on is not None and second.starts_on >= first.ends_on:
                continue
            pairs.append((first, second))
    return pairs


# ---------------------------------------------------------------------------------------
# Universities' cohorts, programmes, placements
# ---------------------------------------------------------------------------------------


def cohort_list(
    *, university_id: int | None = None, year: int | None = None
) -> list[GraduateCohort]:
    """Graduate counts are aggregates, public like the statistics."""
    qs = GraduateCohort.objects.select_related("university")
    if university_id is not None:
        qs = qs.filter(university_id=university_id)
    if year is not None:
        qs = qs.filter(year=year)
    return list(qs.order_by("year", "university__name", "degree_level"))


def programme_list(*, region_id: int | None = None) -> list[Programme]:
    qs = Programme.objects.select_related("organizer", "region")
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    return list(qs.order_by("year", "name"))


def programme_get(*, pk: int) -> Programme:
    """Programmes are public, like their list."""
    programme = Programme.objects.select_related("organizer", "region").filter(pk=pk).first()
    if programme is None:
        raise NotFound(pk)
    return programme


def placement_list(
    *, actor: Actor, programme_id: int | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[Placement], int]:
    qs = Placement.objects.filter(person__in=visible_people(actor))
    if programme_id is not None:
        qs = qs.filter(programme_id=programme_id)
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = list(
        qs.select_related("person", "programme", "division").order_by("starts_on", "id")[
            offset : offset + limit
        ]
    )
    return page, count
