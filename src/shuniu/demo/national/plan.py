"""The plan of the national synthetic dataset: organizations across every province, people
employed (most of them certified) at those organizations, and purchases between them.

Pure: it reads no database. Given the same divisions and the same seed it gives the same
plan on every run and every machine (``random.Random(seed)``, never the global generator).
Organizations are planned all at once (a few megabytes at 100,000); people and purchases
are generated lazily, one at a time, so that 1.6 million people never sit in memory.

Nothing is placed in Beijing, Shanghai or Shenzhen: the demo dataset (``demo load``) holds
those three cities and its tests pin their 2012 survey figures.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shuniu.divisions.models import COUNTY_LEVELS, Division, Level
from shuniu.registry import codes
from shuniu.registry.models import AssociationLevel, EventKind, Formation, Kind, LegalForm
from shuniu.workforce.identity import generate_id_number

# What the flags default to at ``--scale national`` (the national figures).
ORGANIZATIONS = 20_000
PEOPLE = 1_600_000
PURCHASES = 100_000
# What a flag may ask for at most (the people's ID numbers are unique up to PEOPLE_MAX).
ORGANIZATIONS_MAX = 200_000
PEOPLE_MAX = 2_000_000
PURCHASES_MAX = 500_000
DEFAULT_SEED = 2024

FIRST_DAY = dt.date(2003, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
# Certificates: the national exam began in 2008.
FIRST_CERTIFICATE_DAY = dt.date(2008, 9, 1)

SOURCE = "全国合成数据（虚构，shuniu demo generate）"
CERTIFICATE_PREFIX = "SYN-N"
# Credit codes of this dataset: organization-code bodies "N" + serial (the demo's are "Y").
USCC_PREFIX = "N"
OCID_SERIAL_BASE = 0xA00000000000

# The demo's three cities: left to ``demo load``.
EXCLUDED_PREFIXES = ("11", "31", "4403")

_WORDS = (
    "启明", "同和", "睿恒", "朗博", "欣馨", "晨益", "众惠", "善德", "翔青", "嘉卓",
    "协新", "安宁", "康泰", "彩虹", "暖知", "远航", "禾苗", "桥光", "溪舟", "田园",
    "晖岩", "韵程", "心桥", "春晖", "益友", "长青", "明德", "友邻", "绿洲", "携行",
)  # fmt: skip
_SUFFIXES = {
    Kind.AGENCY: ("社会工作服务中心", "社会工作事务所", "社工服务社", "社会工作服务社"),
    Kind.ASSOCIATION: ("社会工作协会", "社会工作者协会"),
    Kind.OTHER: ("社区服务中心", "公益服务社", "志愿服务协会"),
    Kind.GOVERNMENT: ("民政局社会工作科", "社会工作服务站"),
}
_KINDS = (Kind.AGENCY, Kind.OTHER, Kind.ASSOCIATION, Kind.GOVERNMENT)
_KIND_WEIGHTS = (80, 9, 5, 6)
_LEGAL_FORM = {
    Kind.AGENCY: LegalForm.SOCIAL_SERVICE,
    Kind.OTHER: LegalForm.SOCIAL_SERVICE,
    Kind.ASSOCIATION: LegalForm.SOCIAL_GROUP,
    Kind.GOVERNMENT: LegalForm.GOVERNMENT,
}
_FIELDS = ("youth", "elderly", "disability", "family", "community_building", "medical")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇晨欣怡佳子涵浩然"
_ROLES = ("social_worker", "supervisor", "director", "other")
_ROLE_WEIGHTS = (82, 10, 4, 4)
_METHODS = ("open", "invited", "negotiation", "consultation", "quotation")
_METHOD_WEIGHTS = (60, 10, 12, 12, 6)


@dataclass(frozen=True, slots=True)
class Place:
    """A division as the plan needs it (no database row)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_id: int | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass(slots=True)
class Geography:
    places: dict[int, Place]
    provinces: list[Place]
    counties: dict[int, list[Place]]  # by province id: county-level places, past and present

    @classmethod
    def from_divisions(cls, divisions: Iterable[Division]) -> Geography:
        places = {
            d.pk: Place(
                d.pk,
                d.code,
                d.name,
                d.level,
                d.parent_id,
                d.valid_from,
                d.valid_to,
                d.successor_id,
            )
            for d in divisions
        }
        counties: dict[int, list[Place]] = defaultdict(list)
        for place in sorted(places.values(), key=lambda p: (p.code, p.id)):
            if place.level not in COUNTY_LEVELS or place.code.startswith(EXCLUDED_PREFIXES):
                continue
            top = _top(places, place)
            if top is not None and top.id != place.id:
                counties[top.id].append(place)
        window = [
            p
            for p in places.values()
            if p.parent_id is None
            and p.level in (Level.PROVINCE, Level.CITY)
            and not p.code.startswith(EXCLUDED_PREFIXES)
            and any(_open_in_window(c) for c in counties.get(p.id, ()))
        ]
        provinces = sorted(window, key=lambda p: p.code)
        return cls(places=places, provinces=provinces, counties=dict(counties))

    def province_of(self, place: Place) -> Place:
        top = _top(self.places, place)
        assert top is not None
        return top


def _top(places: dict[int, Place], place: Place) -> Place | None:
    seen = 0
    while place.parent_id is not None and seen < 10:
        parent = places.get(place.parent_id)
        if parent is None:
            return None
        place, seen = parent, seen + 1
    return place


def _open_in_window(place: Place) -> bool:
    return (place.valid_to is None or place.valid_to > FIRST_DAY + dt.timedelta(days=400)) and (
        place.valid_from is None or place.valid_from < LAST_DAY - dt.timedelta(days=400)
    )


@dataclass(slots=True)
class OrgPlan:
    serial: int
    uscc: str
    name: str
    kind: str
    legal_form: str
    formation: str
    association_level: str
    division: Place  # the registrar's division at registration
    address: str
    service_fields: tuple[str, ...]
    registered_on: dt.date | None  # None: still registering
    # (kind, date, division after a move or None), in date order
    events: list[tuple[str, dt.date, Place | None]] = field(default_factory=list)
    deregistered_on: dt.date | None = None

    @property
    def active_until(self) -> dt.date:
        """The last day the organization is registered within the plan's window."""
        if self.deregistered_on is not None:
            return self.deregistered_on - dt.timedelta(days=1)
        return LAST_DAY

    @property
    def division_until(self) -> dt.date:
        """The last day its first division still exists (and it is registered)."""
        last = self.active_until
        if self.division.valid_to is not None:
            last = min(last, self.division.valid_to - dt.timedelta(days=1))
        return last


@dataclass(frozen=True, slots=True)
class PersonPlan:
    serial: int
    name: str
    id_number: str
    employer: OrgPlan
    role: str
    starts_on: dt.date
    ends_on: dt.date | None
    certificate: tuple[int, str, int, dt.date, str] | None  # level, number, exam, issued, division


@dataclass(frozen=True, slots=True)
class PurchasePlan:
    serial: int
    ocid: str
    buyer: OrgPlan
    supplier: OrgPlan
    region: Place
    title: str
    budget: Decimal
    method: str
    planned_on: dt.date
    # (status, date) after planning; the last one is the purchase's status
    steps: tuple[tuple[str, dt.date], ...]
    amount: Decimal | None  # awarded and contracted amount


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(lo.toordinal(), max(lo, hi).toordinal()))


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "市区县省" else name


class OrganizationPlanner:
    def __init__(self, geography: Geography, seed: int) -> None:
        self.geo = geography
        self.rng = random.Random(seed)  # noqa: S311 seeded on purpose: reproducible synthetic data
        self.years = list(range(FIRST_DAY.year, LAST_DAY.year + 1))
        # The sector grew: more registrations each year.
        self.year_weights = [(year - FIRST_DAY.year + 2) ** 1.5 for year in self.years]
        self.all_counties = [c for p in geography.provinces for c in geography.counties[p.id]]

    def registration_day(self) -> dt.date:
        year = self.rng.choices(self.years, self.year_weights)[0]
        hi = min(dt.date(year, 12, 31), LAST_DAY - dt.timedelta(days=60))
        return _day(self.rng, max(dt.date(year, 1, 1), FIRST_DAY + dt.timedelta(days=60)), hi)

    def county(self, province: Place | None, day: dt.date) -> Place | None:
        pool = self.geo.counties[province.id] if province is not None else self.all_counties
        for _attempt in range(20):
            place = self.rng.choice(pool)
            if place.valid_on(day):
                return place
        valid = [p for p in pool if p.valid_on(day)]
        return self.rng.choice(valid) if valid else None

    def plan(self, count: int) -> list[OrgPlan]:
        plans: list[OrgPlan] = []
        provinces = self.geo.provinces
        serial = 0
        while len(plans) < count:
            # The first organizations go one to each province: every province has some.
            province = provinces[len(plans)] if len(plans) < len(provinces) else None
            day = self.registration_day()
            county = self.county(province, day)
            if county is None:
                continue
            plans.append(self.organization(serial, county, day))
            serial += 1
        return plans

    def organization(self, serial: int, county: Place, registered: dt.date) -> OrgPlan:
        rng = self.rng
        places = self.geo.places
        parent = places.get(county.parent_id) if county.parent_id is not None else None
        division = county
        if (
            parent is not None
            and parent.level == Level.CITY  # a certificate may name a city, not a 地区
            and parent.valid_on(registered)
            and rng.random() < 0.05
        ):
            division = parent  # registered with the prefecture-level city
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        legal_form = _LEGAL_FORM[kind]
        if kind == Kind.GOVERNMENT:
            authority, category = codes.AUTHORITY_ESTABLISHMENT, "1"
        else:
            authority, category = (
                codes.AUTHORITY_CIVIL_AFFAIRS,
                codes.CIVIL_AFFAIRS_CATEGORY[legal_form],
            )
        uscc = codes.generate_uscc(
            authority=authority,
            category=category,
            division=division.code,
            serial=serial,
            prefix=USCC_PREFIX,
        )
        city_name = _short(parent.name) if parent is not None else ""
        place_name = city_name + (_short(county.name) if division is county else "")
        word = rng.choice(_WORDS)
        name = f"{place_name}{word}{rng.choice(_SUFFIXES[kind])}"
        province = self.geo.province_of(county)
        address = (
            f"{province.name}{parent.name if parent is not None else ''}{county.name}"
            f"{rng.choice(_WORDS)}路{rng.randint(1, 399)}号"
        )
        plan = OrgPlan(
            serial=serial,
            uscc=uscc,
            name=name,
            kind=kind,
            legal_form=legal_form,
            formation=(
                rng.choice(
                    (Formation.INDEPENDENT, Formation.TRANSFORMATION, Formation.UNIVERSITY_LOCAL)
                )
                if kind == Kind.AGENCY
                else ""
            ),
            association_level=(
                rng.choice((AssociationLevel.CITY, AssociationLevel.DISTRICT))
                if kind == Kind.ASSOCIATION
                else ""
            ),
            division=division,
            address=address,
            service_fields=tuple(rng.sample(_FIELDS, rng.choice((1, 1, 2)))),
            registered_on=registered,
        )
        founded = max(FIRST_DAY, registered - dt.timedelta(days=rng.randint(30, 240)))
        applied = founded + (registered - founded) // 2
        plan.events.append((EventKind.FOUNDED, founded, None))
        plan.events.append((EventKind.REGISTRATION_APPLIED, applied, None))
        if rng.random() < 0.04 and registered > dt.date(2023, 1, 1):
            plan.registered_on = None  # still waiting for registration
            return plan
        plan.events.append((EventKind.REGISTERED, registered, None))
        deregistered = None
        if rng.random() < 0.08 and registered < dt.date(2022, 1, 1):
            deregistered = _day(rng, registered + dt.timedelta(days=400), LAST_DAY)
        ended = division.valid_to
        if (
            ended is not None
            and ended <= LAST_DAY
            and (deregistered is None or deregistered > ended)
            and division.successor_id is not None
            and rng.random() < 0.6
        ):
            # Its county merged or became a district: it re-registered with the successor.
            successor = places[division.successor_id]
            moved = ended + dt.timedelta(days=rng.randint(0, 120))
            if successor.valid_on(moved) and moved <= LAST_DAY:
                plan.events.append((EventKind.MOVED, moved, successor))
        if deregistered is not None:
            plan.events.append((EventKind.DEREGISTERED, deregistered, None))
            plan.deregistered_on = deregistered
        return plan


def people(orgs: Sequence[OrgPlan], count: int, seed: int) -> Iterator[PersonPlan]:
    """``count`` people, each employed at one of ``orgs`` (registered ones), three in four
    with a certificate registered in their employer's division. Lazy."""
    rng = random.Random(seed + 1)  # noqa: S311 seeded on purpose: reproducible synthetic data
    employers = [o for o in orgs if o.registered_on is not None and o.kind != Kind.GOVERNMENT]
    if not employers:
        return
    born_from = dt.date(1955, 1, 1)
    for serial in range(count):
        org = rng.choice(employers)
        assert org.registered_on is not None
        # Unique by construction: (birth date, sequence) differ for every serial.
        birth = born_from + dt.timedelta(days=5 * (serial // 1000))
        number = generate_id_number(
            address_code=org.division.code, birth_date=birth, sequence=serial % 1000
        )
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        starts = _day(rng, org.registered_on, min(org.active_until, LAST_DAY))
        ends = org.deregistered_on if org.deregistered_on is not None else None
        if ends is None and rng.random() < 0.1 and starts < LAST_DAY - dt.timedelta(days=60):
            ends = _day(rng, starts + dt.timedelta(days=30), LAST_DAY)
        certificate = None
        lo = max(starts, FIRST_CERTIFICATE_DAY)
        hi = org.division_until
        if rng.random() < 0.75 and lo <= hi:
            issued = _day(rng, lo, hi)
            level = rng.choices((1, 2, 3), (70, 27, 3))[0]
            certificate = (
                level,
                f"{CERTIFICATE_PREFIX}{serial:07d}",
                issued.year,
                issued,
                org.division.code,
            )
        yield PersonPlan(
            serial=serial,
            name=name,
            id_number=number,
            employer=org,
            role=rng.choices(_ROLES, _ROLE_WEIGHTS)[0],
            starts_on=starts,
            ends_on=ends,
            certificate=certificate,
        )


def purchases(orgs: Sequence[OrgPlan], count: int, seed: int) -> Iterator[PurchasePlan]:
    """``count`` service purchases: a government unit buys from an agency of its province,
    delivered in the agency's division while it exists. Lazy."""
    rng = random.Random(seed + 2)  # noqa: S311 seeded on purpose: reproducible synthetic data
    suppliers = [
        o
        for o in orgs
        if o.kind == Kind.AGENCY
        and o.registered_on is not None
        and o.division_until >= o.registered_on + dt.timedelta(days=120)
    ]
    buyers: dict[str, list[OrgPlan]] = defaultdict(list)
    for org in orgs:
        if org.kind == Kind.GOVERNMENT and org.registered_on is not None:
            buyers[org.division.code[:2]].append(org)
    everywhere = [b for found in buyers.values() for b in found]
    if not suppliers or not everywhere:
        return
    # A buyer buys once it is registered: the earliest buyer bounds the purchases' dates.
    first_buyer = min(b.registered_on for b in everywhere if b.registered_on is not None)
    suppliers = [s for s in suppliers if s.division_until >= first_buyer + dt.timedelta(days=120)]
    if not suppliers:
        return
    for serial in range(count):
        supplier = rng.choice(suppliers)
        assert supplier.registered_on is not None
        planned = _day(
            rng,
            max(supplier.registered_on, first_buyer) + dt.timedelta(days=30),
            supplier.division_until - dt.timedelta(days=90),
        )
        local = [
            b
            for b in buyers.get(supplier.division.code[:2], ())
            if b.registered_on is not None and b.registered_on <= planned
        ]
        if not local:
            local = [b for b in everywhere if b.registered_on and b.registered_on <= planned]
        buyer = rng.choice(local)
        budget = Decimal(rng.randint(50, 3000) * 1000)
        tendering = planned + dt.timedelta(days=rng.randint(5, 20))
        awarded = tendering + dt.timedelta(days=rng.randint(10, 30))
        signed = awarded + dt.timedelta(days=rng.randint(3, 20))
        fate = rng.random()
        steps: tuple[tuple[str, dt.date], ...]
        amount = None
        if fate < 0.05:
            steps = ()
        elif fate < 0.1:
            steps = (("tendering", tendering),)
        else:
            amount = (budget * Decimal(rng.randint(85, 100)) / 100).quantize(Decimal("0.01"))
            steps = (("tendering", tendering), ("awarded", awarded), ("contracted", signed))
        field_name = rng.choice(_FIELDS)
        yield PurchasePlan(
            serial=serial,
            ocid="",  # the prefix is a setting: the loader fills it in
            buyer=buyer,
            supplier=supplier,
            region=supplier.division,
            title=f"{_short(supplier.division.name)}{planned.year}年{_FIELD_TITLES[field_name]}社会工作服务项目",
            budget=budget,
            method=rng.choices(_METHODS, _METHOD_WEIGHTS)[0],
            planned_on=planned,
            steps=steps,
            amount=amount,
        )


_FIELD_TITLES = {
    "youth": "青少年",
    "elderly": "养老",
    "disability": "助残",
    "family": "家庭",
    "community_building": "社区治理",
    "medical": "医务",
}
