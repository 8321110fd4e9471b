"""Employment: the demo agencies of the three cities staffed from the plan's people, from
the day each became an agency, with some turnover."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from shuniu.demo import dataset as ds
from shuniu.demo.workforce.plan import SEED, WorkforcePlan
from shuniu.divisions.models import Division
from shuniu.registry.models import Kind, Organization, OrganizationPeriod, Status
from shuniu.workforce.models import EmploymentRole


@dataclass(frozen=True)
class AgencyLife:
    organization_id: int
    name: str
    city: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None


def _city_of(division: Division, by_id: dict[int, Division]) -> str:
    """The demo city of a division: the topmost curated ancestor (深圳市, not 广东省, which
    the national reference table puts above it)."""
    current: Division | None = division
    while current is not None and current.parent_id is not None:
        parent = by_id.get(current.parent_id)
        if parent is None or not parent.curated:
            break
        current = parent
    return current.code if current is not None else ""


def agency_lives() -> list[AgencyLife]:
    """Every organization that was an agency (or a Shanghai association) on some day: from
    the first day it was one to the day it stopped existing."""
    by_id = {div.pk: div for div in Division.objects.all()}
    spans: dict[int, list[OrganizationPeriod]] = defaultdict(list)
    for period in OrganizationPeriod.objects.filter(
        Q(kind=Kind.AGENCY) | Q(kind=Kind.ASSOCIATION)
    ).order_by("start", "id"):
        spans[period.organization_id].append(period)
    names = dict(Organization.objects.filter(pk__in=list(spans)).values_list("pk", "name"))
    lives = []
    existing = (Status.REGISTERED, Status.REGISTERING)
    for org_id, periods in spans.items():
        alive = [p for p in periods if p.status in existing]
        if not alive:
            continue
        city = _city_of(by_id[alive[0].division_id], by_id)
        kind = alive[0].kind
        if kind == Kind.ASSOCIATION and city != ds.SHANGHAI:
            continue
        ended = [p for p in periods if p.status not in existing and p.start > alive[0].start]
        lives.append(
            AgencyLife(
                organization_id=org_id,
                name=names[org_id],
                city=city,
                kind=kind,
                starts_on=alive[0].start,
                ends_on=ended[0].start if ended else None,
            )
        )
    return sorted(lives, key=lambda life: (life.city, life.name, life.starts_on))


_STAFF = {ds.BEIJING: (8, 26), ds.SHANGHAI: (10, 34), ds.SHENZHEN: (20, 48)}
_ASSOCIATION_STAFF = (2, 5)
STAFF_UNTIL = dt.date(2013, 10, 31)


def plan_employment(
    plan: WorkforcePlan, lives: Sequence[AgencyLife]
) -> list[tuple[int, int, dt.date, dt.date | None, str]]:
    """(person index, organization id, start, end, role) for every job."""
    rng = random.Random(SEED + 1)  # noqa: S311 seeded on purpose: a reproducible demo, not a secret
    pools: dict[str, list[int]] = defaultdict(list)
    uncertified: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(plan.people):
        (pools if person.certificates else uncertified)[person.city].append(index)
    for city in pools:
        rng.shuffle(pools[city])
        rng.shuffle(uncertified[city])
    worked: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    jobs: list[tuple[int, int, dt.date, dt.date | None, str]] = []
    forever = dt.date(9999, 1, 1)

    def free(index: int, start: dt.date, end: dt.date) -> bool:
        return all(e <= start or s >= end for s, e in worked[index])

    def hire(city: str, start: dt.date, end: dt.date | None) -> int | None:
        # Mostly people certified within a year of the hire; the rest not (yet) certified.
        pool = pools[city] if rng.random() < 0.85 else uncertified[city]
        for _ in range(60):
            index = pool[rng.randrange(len(pool))]
            person = plan.people[index]
            if person.birth.year > start.year - 21 or not free(index, start, end or forever):
                continue
            first = min((c.issued_on for c in person.certificates), default=None)
            if first is not None and first > start + dt.timedelta(days=365):
                continue
            return index
        return None

    for life in lives:
        lo, hi = _ASSOCIATION_STAFF if life.kind == Kind.ASSOCIATION else _STAFF[life.city]
        size = rng.randint(lo, hi)
        last = min(life.ends_on or STAFF_UNTIL, STAFF_UNTIL)
        if last <= life.starts_on:
            continue
        for position in range(size):
            if position < 3:  # the founding team
                start = life.starts_on + dt.timedelta(days=rng.randint(0, 60))
            else:
                start = life_day(rng, life.starts_on, last)
            if position == 0:
                role = EmploymentRole.DIRECTOR
            elif position < 3 and rng.random() < 0.5:
                role = EmploymentRole.SUPERVISOR
            else:
                role = EmploymentRole.SOCIAL_WORKER
            while start < last:
                # About one in five leaves within one to three years, and is replaced; some
                # of those who leave join another agency later.
                leaves = position > 0 and rng.random() < 0.2
                end = start + dt.timedelta(days=rng.randint(365, 1100)) if leaves else None
                if life.ends_on is not None and (end is None or end > life.ends_on):
                    end = life.ends_on
                if end is not None and end <= start:
                    break
                hired = hire(life.city, start, end)
                if hired is None:
                    break
                jobs.append((hired, life.organization_id, start, end, role))
                worked[hired].append((start, end or forever))
                if end is None or end >= last:
                    break
                start = end + dt.timedelta(days=rng.randint(14, 90))
                role = EmploymentRole.SOCIAL_WORKER
    return jobs


def life_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(lo.toordinal(), max(lo.toordinal(), hi.toordinal())))
