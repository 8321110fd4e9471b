"""Loading the demo workforce plan: bulk inserts, matched for idempotence, and one summary
audit record per table and load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Count, Max, Min
from django.utils import timezone

from shuniu.core.actors import Actor
from shuniu.core.audit import audit_build, audit_write_many
from shuniu.demo import dataset as ds
from shuniu.demo.workforce.plan import (
    CERTIFICATE_PREFIX,
    PROGRAMME_NAME,
    PROGRAMME_SOURCE,
    SOURCE,
    UNIVERSITY_SOURCE,
    WorkforcePlan,
    build_plan,
)
from shuniu.demo.workforce.staffing import agency_lives, plan_employment
from shuniu.divisions.models import Division
from shuniu.registry.models import Kind, LegalForm, Organization, OrganizationPeriod
from shuniu.registry.services import organization_register
from shuniu.workforce import identity
from shuniu.workforce.models import (
    Certificate,
    Employment,
    GraduateCohort,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.services import programme_create

# Rows per INSERT statement, and the steps the load reports.
CHUNK = 2000
STEPS = 6


@dataclass
class WorkforceTally:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


def _insert(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERTs with executemany: tens of thousands of rows without building a model
    instance and an INSERT per row (what bulk_create does), on both databases. Timestamps
    and the version of BaseModel are filled in here."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ["created_at", "updated_at", "version", *columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 quoted model table/column names; values are parameters
        quote(model._meta.db_table),
        ", ".join(quote(_column(model, n)) for n in names),
        ", ".join(["%s"] * len(names)),
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, [(now, now, 1, *row) for row in rows[start : start + CHUNK]])


def _column(model: type[models.Model], name: str) -> str:
    field_ = model._meta.get_field(name)
    assert isinstance(field_, models.Field)
    return str(field_.column)


def _day(value: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _last_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0)


def _summary_audit(actor: Actor, model: type[models.Model], table: str, after_id: int) -> Any:
    """One audit record for the rows a load created (their count and id range)."""
    rows = model._default_manager.filter(pk__gt=after_id)
    figures = rows.aggregate(n=Count("pk"), first=Min("pk"), last=Max("pk"))
    if not figures["n"]:
        return None
    return audit_build(
        actor=actor,
        action=f"{table}.demo_load",
        instance=rows.order_by("pk").first(),  # type: ignore[arg-type]
        before=None,
        after={
            "created": figures["n"],
            "first_id": figures["first"],
            "last_id": figures["last"],
            "source": SOURCE,
        },
    )


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
    marks = {
        model: _last_id(model)
        for model in (Person, Certificate, GraduateCohort, Placement, Employment)
    }

    # People, matched by the keyed hash of their number.
    protector = identity.Protector()
    hashes = [identity.id_hash(p.number) for p in plan.people]
    known = _person_ids(plan.people, hashes, protector)
    new_people = []
    sealing: dict[str, str] = {}
    for person, digest in zip(plan.people, hashes, strict=True):
        if digest in known:
            continue
        sealing[digest] = person.number
        university = universities.get(person.university_key)
        new_people.append(
            (
                person.name,
                # Sealed below, once the row has the id the token is bound to.
                identity.PENDING_TOKEN,
                digest,
                identity.mask(person.number),
                "M" if int(person.number[16]) % 2 else "F",
                _day(person.birth),
                person.education_level,
                university.pk if university is not None else None,
                person.major,
                person.graduation_year,
                "",
                SOURCE,
                True,
            )
        )
    _insert(
        Person,
        (
            "name",
            "id_cipher",
            "id_hash",
            "id_masked",
            "sex",
            "birth_date",
            "education_level",
            "university",
            "major",
            "graduation_year",
            "phone",
            "source",
            "synthetic",
        ),
        new_people,
    )
    if new_people:
        known = _person_ids(plan.people, hashes, protector)
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET id_cipher = %s WHERE id = %s",  # noqa: S608 quoted model table/column names; values are parameters
                [
                    (protector.seal(number, row=known[digest]), known[digest])
                    for digest, number in sealing.items()
                ],
            )
    person_ids = [known[digest] for digest in hashes]
    _count(tally, "people", len(new_people), len(plan.people))
    step()

    # Certificates, matched by number.
    numbers = set(
        Certificate.objects.filter(number__startswith=CERTIFICATE_PREFIX).values_list(
            "number", flat=True
        )
    )
    new_certificates = [
        (
            person_ids[index],
            int(cert.level),
            cert.number,
            cert.exam_year,
            _day(cert.issued_on),
            divisions[cert.division].pk,
            _day(cert.revoked_on),
        )
        for index, person in enumerate(plan.people)
        for cert in person.certificates
        if cert.number not in numbers
    ]
    _insert(
        Certificate,
        (
            "person",
            "level",
            "number",
            "exam_year",
            "issued_on",
            "registered_division",
            "revoked_on",
        ),
        new_certificates,
    )
    total = sum(len(p.certificates) for p in plan.people)
    _count(tally, "certificates", len(new_certificates), total)
    step()

    # Graduate cohorts, the programme and its placements.
    cohorts = set(
        GraduateCohort.objects.filter(university__in=list(universities.values())).values_list(
            "university_id", "year", "degree_level"
        )
    )
    new_cohorts = [
        (universities[key].pk, year, degree, n)
        for key, year, degree, n in plan.cohorts
        if (universities[key].pk, year, degree) not in cohorts
    ]
    _insert(GraduateCohort, ("university", "year", "degree_level", "graduates"), new_cohorts)
    _count(tally, "cohorts", len(new_cohorts), len(plan.cohorts))
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
    placed = set(Placement.objects.filter(programme=programme).values_list("person_id", flat=True))
    new_placements = [
        (programme.pk, person_ids[index], divisions[code].pk, community, _day(start), _day(end))
        for index, code, community, start, end in plan.placements
        if person_ids[index] not in placed
    ]
    _insert(
        Placement,
        ("programme", "person", "division", "community", "starts_on", "ends_on"),
        new_placements,
    )
    _count(tally, "placements", len(new_placements), len(plan.placements))
    step()

    # Employment at the agencies of the three cities.
    jobs = plan_employment(plan, agency_lives())
    existing_jobs = set(
        Employment.objects.filter(person__synthetic=True, person__source=SOURCE).values_list(
            "person_id", "organization_id", "starts_on"
        )
    )
    new_jobs = [
        (person_ids[index], org_id, role, _day(start), _day(end), True)
        for index, org_id, start, end, role in jobs
        if (person_ids[index], org_id, start) not in existing_jobs
    ]
    _insert(
        Employment,
        ("person", "organization", "role", "starts_on", "ends_on", "full_time"),
        new_jobs,
    )
    _count(tally, "employments", len(new_jobs), len(jobs))
    step()

    tables = {
        Person: "person",
        Certificate: "certificate",
        GraduateCohort: "graduate_cohort",
        Placement: "placement",
        Employment: "employment",
    }
    audits = [_summary_audit(actor, model, tables[model], after) for model, after in marks.items()]
    audit_write_many([a for a in audits if a is not None])
    _analyze([Person, Certificate, Employment, Placement, GraduateCohort, OrganizationPeriod])
    step()
    return tally


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
