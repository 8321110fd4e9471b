"""A synthetic registry at national scale, written through the registry's bulk path.

Organizations and events go in with ``bulk_create`` in one transaction per chunk, as the
import writes them (the organization row holds the state before its events; status and
dates are empty), then ``organization_periods_rebuild`` derives the periods and the current
state. Both steps are timed: the rebuild is the import's bottleneck at scale.

Deterministic for a given seed and scale. Events end in 2025, so "as of today" figures do
not change from one day to the next.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction

from bench.harness import Context
from bench.results import Report, Stage, Stopwatch, console, render
from shuniu.divisions.models import COUNTY_LEVELS, Division, Level
from shuniu.registry import codes
from shuniu.registry.models import (
    AssociationLevel,
    EventKind,
    Formation,
    InspectionResult,
    Kind,
    LegalForm,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    ServiceField,
)
from shuniu.registry.services import organization_periods_rebuild, search_text_for

ORGANIZATIONS_AT_SCALE_1 = 20_000
CHUNK = 1_000
FIRST_DAY = dt.date(1998, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
SOURCE = "基准测试数据（虚构）"

# Invented words; the benchmarks search for "阳光" (2 characters) and "阳光社" (3, across
# the boundary between a word and a suffix), so both must occur in a fair share of names.
WORDS = (
    "阳光",
    "彩虹",
    "同心",
    "启航",
    "博爱",
    "和煦",
    "恒信",
    "众合",
    "春晖",
    "益友",
    "协力",
    "馨园",
    "长青",
    "晨曦",
    "明德",
    "心桥",
    "暖流",
    "新桥",
    "惠民",
    "安康",
    "友邻",
    "知行",
    "携手",
    "同行",
    "绿洲",
)
SUFFIXES = {
    Kind.AGENCY: ("社会工作服务中心", "社会工作事务所", "社工服务社", "综合服务中心"),
    Kind.ASSOCIATION: ("社会工作协会", "社会工作者协会", "社工联合会"),
    Kind.TRAINING: ("社会工作培训中心", "职业培训学校"),
    Kind.EVALUATION: ("社会组织评估中心", "评估事务所"),
    Kind.UNIVERSITY: ("社会工作学院", "职业学院"),
    Kind.GOVERNMENT: ("社会工作服务站", "民政事务中心"),
    Kind.OTHER: ("公益服务中心", "社区服务社"),
}
KIND_WEIGHTS = {
    Kind.AGENCY: 70,
    Kind.ASSOCIATION: 8,
    Kind.TRAINING: 5,
    Kind.EVALUATION: 3,
    Kind.UNIVERSITY: 2,
    Kind.GOVERNMENT: 4,
    Kind.OTHER: 8,
}
LEGAL_FORM = {
    Kind.AGENCY: LegalForm.SOCIAL_SERVICE,
    Kind.ASSOCIATION: LegalForm.SOCIAL_GROUP,
    Kind.TRAINING: LegalForm.SOCIAL_SERVICE,
    Kind.EVALUATION: LegalForm.SOCIAL_SERVICE,
    Kind.OTHER: LegalForm.SOCIAL_SERVICE,
}
# Kinds an organization may be transformed between. Associations are left out: their level
# would break the "level only for associations" constraint once they were something else.
TRANSFORMABLE = (Kind.AGENCY, Kind.OTHER, Kind.TRAINING)


# An organization in its state before its events, its events, its service fields and its
# name after the events.
Planned = tuple[Organization, list[OrganizationEvent], list[str], str]


@dataclass
class Dataset:
    organizations: int
    events: int
    periods: int
    report: Report


@dataclass
class _Geography:
    cities: list[Division]
    counties: dict[int, list[Division]]  # by city id, past and present


def _geography() -> _Geography:
    divisions = list(Division.objects.all())
    counties: dict[int, list[Division]] = defaultdict(list)
    for d in divisions:
        if d.level in COUNTY_LEVELS and d.parent_id is not None:
            counties[d.parent_id].append(d)
    # The three curated cities: the national reference table's other cities stay empty.
    cities = [d for d in divisions if d.level == Level.CITY and d.curated and counties.get(d.pk)]
    return _Geography(cities=cities, counties=dict(counties))


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "市区县" else name


class _Generator:
    def __init__(self, seed: int, geography: _Geography, service_fields: list[str]) -> None:
        self.rng = random.Random(seed)
        self.geo = geography
        self.service_fields = service_fields
        self.kinds = list(KIND_WEIGHTS)
        self.weights = list(KIND_WEIGHTS.values())

    def _day_after(self, day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=self.rng.randint(low, high))

    def _name(self, city: Division, division: Division, kind: str) -> str:
        words = self.rng.sample(WORDS, self.rng.choice((1, 2)))
        place = _short(city.name) + (_short(division.name) if division != city else "")
        return place + "".join(words) + self.rng.choice(SUFFIXES[Kind(kind)])

    def organization(self, serial: int) -> Planned:
        rng = self.rng
        city = rng.choice(self.geo.cities)
        founded = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days - 800))
        valid = [d for d in self.geo.counties[city.pk] if d.is_valid_on(founded)]
        division = city if rng.random() < 0.05 else rng.choice(valid)
        kind = rng.choices(self.kinds, self.weights)[0]
        legal_form = LEGAL_FORM.get(Kind(kind), "")
        category = codes.CIVIL_AFFAIRS_CATEGORY.get(legal_form, "9")
        org = Organization(
            uscc=codes.generate_uscc(category=category, division=division.code, serial=serial),
            name=self._name(city, division, kind),
            kind=kind,
            association_level=(
                rng.choice(AssociationLevel.values) if kind == Kind.ASSOCIATION else ""
            ),
            legal_form=legal_form,
            registrar_division_id=division.pk,
            address=f"{city.name}{division.name if division != city else ''}"
            f"{rng.choice(WORDS)}路{rng.randint(1, 300)}号",
            formation=rng.choice(Formation.values) if kind == Kind.AGENCY else "",
            source=SOURCE,
            synthetic=True,
        )
        events: list[OrganizationEvent] = []

        def add(kind_: str, day: dt.date, **details: object) -> None:
            events.append(OrganizationEvent(kind=kind_, date=day, source=SOURCE, **details))

        add(EventKind.FOUNDED, founded)
        registered: dt.date | None = None
        if rng.random() < 0.08:  # still waiting for registration
            last = self._day_after(founded, 10, 200)
            add(EventKind.REGISTRATION_APPLIED, last)
        else:
            registered = last = self._day_after(founded, 30, 400)
            add(EventKind.REGISTERED, registered)
        name, current_kind, current_division = org.name, kind, division
        for _ in range(rng.choice((0, 1, 2))):  # 2 to 4 events in all
            day = self._day_after(last, 60, 1500)
            if day > LAST_DAY:
                break
            step = rng.choices(
                ("applied", "moved", "renamed", "transformed", "inspected", "deregistered"),
                (3, 3, 2, 2, 4, 1),
            )[0]
            if step == "applied":
                # Back-dated: the application lies between founding and registration.
                if registered and (registered - founded).days > 2:
                    add(EventKind.REGISTRATION_APPLIED, founded + (registered - founded) // 2)
                continue
            if step == "moved":
                targets = [
                    d
                    for d in self.geo.counties[city.pk]
                    if d.is_valid_on(day) and d != current_division
                ]
                current_division = rng.choice(targets)
                add(EventKind.MOVED, day, division_after_id=current_division.pk)
            elif step == "renamed":
                name = self._name(city, current_division, current_kind)
                add(EventKind.RENAMED, day, name_after=name)
            elif step == "transformed" and current_kind in TRANSFORMABLE:
                current_kind = rng.choice([k for k in TRANSFORMABLE if k != current_kind])
                add(EventKind.TRANSFORMED, day, kind_after=current_kind)
            elif step == "deregistered" and registered:
                add(EventKind.DEREGISTERED, day)
                break
            elif registered:
                add(
                    EventKind.ANNUAL_INSPECTION,
                    day,
                    inspection_year=day.year - 1,
                    inspection_result=InspectionResult.PASSED,
                )
            else:
                continue
            last = day
        fields = rng.sample(self.service_fields, rng.choice((1, 1, 2)))
        return org, events, fields, name


def _plan(generator: _Generator, serials: range) -> list[Planned]:
    planned = [generator.organization(serial) for serial in serials]
    for org, _events, _fields, final_name in planned:
        # What the registry's search column holds after renames: every name.
        org.search_text = search_text_for(org, [final_name] if final_name != org.name else [])
    return planned


def _write(planned: list[Planned]) -> int:
    """Insert one chunk as the import does: one transaction, bulk statements only."""
    through = Organization.service_fields.through
    with transaction.atomic():
        Organization.objects.bulk_create([org for org, *_ in planned], batch_size=500)
        links, events = [], []
        for org, org_events, fields, _name in planned:
            links += [through(organization_id=org.pk, servicefield_id=code) for code in fields]
            for event in org_events:
                event.organization_id = org.pk
                events.append(event)
        through.objects.bulk_create(links, batch_size=500)
        OrganizationEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def _derive(organizations: list[Organization]) -> None:
    with transaction.atomic():
        organization_periods_rebuild(organizations=organizations)


def build(*, scale: float, seed: int) -> Dataset:
    total = max(1, round(ORGANIZATIONS_AT_SCALE_1 * scale))
    generator = _Generator(
        seed, _geography(), list(ServiceField.objects.values_list("code", flat=True))
    )
    generate, insert, rebuild = Stopwatch(), Stopwatch(), Stopwatch()
    events_total = 0
    with console.status("") as status:
        for start in range(0, total, CHUNK):
            stop = min(start + CHUNK, total)
            status.update(f"Loading synthetic organizations {start:,}–{stop:,} of {total:,}…")
            planned = generate.run(partial(_plan, generator, range(start, stop)))
            events_total += insert.run(partial(_write, planned))
            rebuild.run(partial(_derive, [org for org, *_ in planned]))
    if connection.vendor == "postgresql":
        # Autovacuum would have analysed the tables long before anyone queries a real
        # database; right after a bulk load it has not, and the plans would be guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    periods = OrganizationPeriod.objects.count()
    report = Report(
        name="load",
        title=f"Synthetic registry: {total:,} organizations (bulk path)",
        stages=[
            Stage("generate in memory", total, "orgs", generate),
            Stage(f"bulk_create ({events_total:,} events)", total, "orgs", insert),
            Stage(f"organization_periods_rebuild ({periods:,} periods)", total, "orgs", rebuild),
        ],
    )
    return Dataset(organizations=total, events=events_total, periods=periods, report=report)


def dataset(ctx: Context) -> Dataset:
    """The synthetic registry of this run, built (and its load reported) by the first
    benchmark that asks for it."""
    found = ctx.shared.get("synthetic registry")
    if found is None:
        found = build(scale=ctx.scale, seed=ctx.seed)
        render(found.report)
        ctx.shared["synthetic registry"] = found
    return found
