"""Loading the demo workforce plan through the workforce's bulk writes: the people import
(people, certificates, employments), the pipeline's cohorts and placements, each matched for
idempotence and audited with one summary record per table and load; the few revocations,
the universities and the programme through the domain services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.errors import ValidationError
from shuniu.demo import dataset as ds
from shuniu.demo.workforce.plan import (
    PROGRAMME_NAME,
    PROGRAMME_SOURCE,
    SOURCE,
    UNIVERSITY_SOURCE,
    CertificatePlan,
    WorkforcePlan,
    build_plan,
)
from shuniu.demo.workforce.staffing import agency_lives, plan_employment
from shuniu.divisions.models import Division
from shuniu.registry.models import Kind, LegalForm, Organization, OrganizationPeriod
from shuniu.registry.services import organization_register
from shuniu.workforce import identity
from shuniu.workforce.bulk import PersonRow, people_import
from shuniu.workforce.bulk.pipeline import (
    CohortRow,
    PlacementRow,
    cohorts_import,
    placements_import,
)
from shuniu.workforce.models import (
    Certificate,
    Employment,
    GraduateCohort,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.services import certificate_revoke, programme_create

# The steps the load reports.
STEPS = 6

# The audit action of the summary records (``person.demo_load``, …).
AUDIT_ACTION = "demo_load"


@dataclass
class WorkforceTally:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


def _ensure_universities(
    actor: Actor,
    plan: WorkforcePlan,
    orgs: dict[str, Organization],
    divisions: dict[str, Division],
) -> tuple[dict[str, Organization], int]:
    """Universities through the registry's service (a handful, audited one by one)."""
    found = {o.uscc: o for o in Organization.objects.filter(kind=Kind.UNIVERSITY, synthetic=True)}
    result: dict[str, Organization] = {}
    created = 0
    for university in plan.universities:
        if university.uscc is None:
            result[university.key] = orgs[university.key]
            continue
        org = found.get(university.uscc)
        if org is None:
            org = organization_register(
                actor=actor,
                name=university.name,
                kind=Kind.UNIVERSITY,
                registrar_division=divisions[university.division],
                uscc=university.uscc,
                legal_form=LegalForm.PUBLIC_INSTITUTION,
                source=UNIVERSITY_SOURCE,
                synthetic=True,
            )
            created += 1
        result[university.key] = org
    return result, created


def _person_ids(
    people: list[Any], hashes: list[str], protector: identity.Protector
) -> dict[str, int]:
    """Stored demo people by the current key's hash of their number; people not yet moved
    to the current key (a rotation under way) are found by an older key's hash."""
    stored = dict(Person.objects.filter(synthetic=True, source=SOURCE).values_list("id_hash", "pk"))
    if protector.has_others() and len(stored) > sum(h in stored for h in hashes):
        for person, digest in zip(people, hashes, strict=True):
            if digest not in stored:
                for older in protector.other_hashes(person.number):
                    if older in stored:
                        stored[digest] = stored[older]
                        break
    return stored


def _person_rows(
    plan: WorkforcePlan,
    universities: dict[str, Organization],
    employers: dict[int, str],
    jobs: list[Any],
) -> Iterator[PersonRow]:
    """The plan as rows of the people import: each person with their certificates (their
    own fields on the first row), then the employments in the plan's order, so that ids
    follow the plan as before."""
    row = 0
    for person in plan.people:
        university = universities.get(person.university_key)
        certificates: list[CertificatePlan | None] = [*person.certificates] or [None]
        for position, cert in enumerate(certificates):
            row += 1
            first = position == 0
            yield PersonRow(
                row=row,
                name=person.name,
                id_number=person.number,
                education_level=person.education_level if first else "",
                university=(university.uscc or university.name) if university and first else "",
                major=person.major if first else "",
                graduation_year=person.graduation_year if first else None,
                source=SOURCE if first else "",
                certificate_level=int(cert.level) if cert else None,
                certificate_number=cert.number if cert else "",
                exam_year=cert.exam_year if cert else None,
                issued_on=cert.issued_on if cert else None,
                registered_division=cert.division if cert else "",
            )
    for index, org_id, start, end, role in jobs:
        row += 1
        person = plan.people[index]
        yield PersonRow(
            row=row,
            name=person.name,
            id_number=person.number,
            employer=employers[org_id],
            role=str(role),
            employment_starts_on=start,
            employment_ends_on=end,
        )


def _employers(jobs: list[Any]) -> dict[int, str]:
    """Each employer's credit code (its name when it has none), as the import names it."""
    return {
        pk: uscc or name
        for pk, uscc, name in Organization.objects.filter(
            pk__in={job[1] for job in jobs}
        ).values_list("pk", "uscc", "name")
    }


def workforce_load(
    *,
    actor: Actor,
    orgs: dict[str, Organization],
    divisions: dict[str, Division],
    step: Callable[[], None] = lambda: None,
) -> WorkforceTally:
    """Load (or complete) the demo workforce; call inside the demo's transaction."""
    tally = WorkforceTally()
    plan = build_plan(divisions)
    universities, created = _ensure_universities(actor, plan, orgs, divisions)
    tally.created["universities"] = created
    tally.unchanged["universities"] = len(plan.universities) - created
    step()

    # People, certificates and employments: the people import, as `shuniu import people`.
    jobs = plan_employment(plan, agency_lives())
    result = people_import(
        actor=actor,
        rows=_person_rows(plan, universities, _employers(jobs), jobs),
        dry_run=False,
        synthetic=True,
        summary_action=AUDIT_ACTION,
    )
    if result.error_count:
        raise ValidationError(
            {
                "workforce": [
                    _("Row %(row)s, %(field)s: %(reason)s")
                    % {"row": e.row, "field": e.field, "reason": e.reason}
                    for e in result.errors[:20]
                ]
            }
        )
    _count(tally, "people", result.people_created, len(plan.people))
    step()
    _revoke(actor, plan)
    total = sum(len(p.certificates) for p in plan.people)
    _count(tally, "certificates", result.certificates_created, total)
    step()

    # Graduate cohorts, the programme and its placements.
    cohorts = cohorts_import(
        actor=actor,
        rows=[
            CohortRow(universities[key].pk, year, degree, n)
            for key, year, degree, n in plan.cohorts
        ],
        summary_action=AUDIT_ACTION,
    )
    _count(tally, "cohorts", cohorts.created, len(plan.cohorts))
    programme = Programme.objects.filter(
        name=PROGRAMME_NAME, year=2009, region=divisions[ds.BEIJING]
    ).first()
    if programme is None:
        programme = programme_create(
            actor=actor,
            name=PROGRAMME_NAME,
            region=divisions[ds.BEIJING],
            year=2009,
            description="2009年北京市招聘应届高校毕业生到城乡社区从事社会工作",
            source=PROGRAMME_SOURCE,
        )
    protector = identity.Protector()
    hashes = [identity.id_hash(p.number) for p in plan.people]
    known = _person_ids(plan.people, hashes, protector)
    placements = placements_import(
        actor=actor,
        programme=programme,
        rows=[
            PlacementRow(known[hashes[index]], divisions[code].pk, start, community, end)
            for index, code, community, start, end in plan.placements
        ],
        summary_action=AUDIT_ACTION,
    )
    _count(tally, "placements", placements.created, len(plan.placements))
    step()

    _count(tally, "employments", result.employments_created, len(jobs))
    step()
    _analyze([Person, Certificate, Employment, Placement, GraduateCohort, OrganizationPeriod])
    step()
    return tally


def _revoke(actor: Actor, plan: WorkforcePlan) -> None:
    """The plan's revocations (a few dozen) through the domain service; those stored
    already revoked are left alone."""
    revoked = {
        cert.number: cert.revoked_on
        for person in plan.people
        for cert in person.certificates
        if cert.revoked_on is not None
    }
    for certificate in Certificate.objects.filter(
        number__in=list(revoked), revoked_on__isnull=True
    ).order_by("pk"):
        day = revoked[certificate.number]
        assert day is not None
        certificate_revoke(actor=actor, certificate=certificate, revoked_on=day)


def _analyze(models_: Sequence[type[models.Model]]) -> None:
    """Give PostgreSQL's planner statistics for what a bulk load just wrote.

    Without them (autovacuum has not run yet, or ran on the empty tables) it plans the
    statistics' joins as nested loops over tens of thousands of rows: minutes, not
    milliseconds. ANALYZE inside the transaction sees the rows the load wrote.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in models_))


def _count(tally: WorkforceTally, name: str, created: int, total: int) -> None:
    tally.created[name] = created
    tally.unchanged[name] = total - created
