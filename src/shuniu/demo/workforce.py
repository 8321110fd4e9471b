"""The demo workforce: synthetic people with certificates and employers, the universities
that graduate social-work students and Beijing's 2009 programme, reproducing the 2012
survey's figures as of 2012-11-30:

- Beijing: exactly 11,723 certified (8,800 junior, 2,923 intermediate); 5,136 graduates
  placed by the 2009 大学生社工计划; 23 universities graduating over 1,000 social-work
  students a year;
- Shanghai: 13,876 certified ("nearly 14,000");
- Shenzhen: a smaller workforce, so that its agencies are staffed too.

Agencies of the three cities are staffed from these people from the day they became
agencies, with some turnover. A few certificates were revoked, some holders moved up to
intermediate, and 2013's exam adds people after the survey date, so that the "as of"
logic has something to tell apart.

Everything is synthetic (``synthetic=True``): names are drawn from common characters, ID
numbers are valid ones made by ``identity.generate_id_number``, and certificate numbers
start with ``SYN-`` (real certificate numbers are digits only, so none of these can be a
real one). The universities' names are invented too (except 北京青年政治学院, named by the
survey) and their graduate counts are illustrative.

Loading is bulk: rows go in with ``bulk_create`` in chunks, the ID numbers are protected
with one ``Protector``, and the audit trail gets one summary record per table and load
(``<table>.demo_load`` with the count and the id range) instead of one per row, which would
add some 100,000 audit rows to every demo load. Idempotent: people are matched by ID hash,
certificates by number, employment by (person, organization, start), placements by
(programme, person), cohorts by (university, year, degree level), universities by credit
code, so a second load creates nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from shuniu.core.audit import audit_build, audit_write_many
from shuniu.demo import dataset as ds
from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import Kind, LegalForm, Organization, OrganizationPeriod, Status
from shuniu.registry.services import organization_register
from shuniu.workforce import identity
from shuniu.workforce.models import (
    Certificate,
    DegreeLevel,
    EducationLevel,
    Employment,
    EmploymentRole,
    GraduateCohort,
    Level,
    Person,
    Placement,
    Programme,
)
from shuniu.workforce.services import programme_create

d = dt.date
SEED = ds.SEED + 4
SURVEY_DATE = ds.LATE_2012
CERTIFICATE_PREFIX = "SYN-"
SOURCE = "演示数据（虚构人员，数字按《公益时报》2012年调查生成）"
UNIVERSITY_SOURCE = "演示数据（虚构高校，毕业生人数为示意）"
PROGRAMME_NAME = "北京市大学生社工计划"
PROGRAMME_SOURCE = ds.SURVEY + "：大学生社工计划为社区输送5000余名毕业生（名单为虚构）"
CHUNK = 2000
STEPS = 6

# Certified people on the survey date, by city and highest level, and by exam year.
CERTIFIED_ON_SURVEY_DATE = {
    ds.BEIJING: {Level.JUNIOR: 8800, Level.INTERMEDIATE: 2923},
    ds.SHANGHAI: {Level.JUNIOR: 10420, Level.INTERMEDIATE: 3456},
    ds.SHENZHEN: {Level.JUNIOR: 1480, Level.INTERMEDIATE: 420},
}
EXAM_YEAR_WEIGHTS = {2008: 16, 2009: 18, 2010: 20, 2011: 22, 2012: 24}
# Intermediate holders who sat the junior exam first (and keep that certificate).
UPGRADED_SHARE = 0.2
CITY_REGISTERED_SHARE = 0.05
# People certified by the 2013 exam, after the survey date, and juniors moving up then.
NEW_IN_2013 = {
    ds.BEIJING: {Level.JUNIOR: 2000, Level.INTERMEDIATE: 400},
    ds.SHANGHAI: {Level.JUNIOR: 1200, Level.INTERMEDIATE: 300},
    ds.SHENZHEN: {Level.JUNIOR: 300, Level.INTERMEDIATE: 60},
}
UPGRADES_IN_2013 = {ds.BEIJING: 200, ds.SHANGHAI: 150, ds.SHENZHEN: 30}
# Certificates revoked before the survey date (not counted) and after it (still counted).
REVOKED_BEFORE = {ds.BEIJING: 23, ds.SHANGHAI: 17, ds.SHENZHEN: 4}
REVOKED_AFTER = {ds.BEIJING: 12, ds.SHANGHAI: 9, ds.SHENZHEN: 2}

PLACED = 5136
PLACED_CERTIFIED = 2400  # of the placed, certified by the survey date
PLACEMENT_START = d(2009, 9, 1)
PLACEMENT_END = d(2012, 8, 31)  # the end of the three-year term, for those who left
UNCERTIFIED_STAFF = {ds.BEIJING: 250, ds.SHANGHAI: 400, ds.SHENZHEN: 250}

# Where certificates are registered, by district (weights); districts a date did not have
# are left out on that date. The city itself holds a small share (CITY_REGISTERED_SHARE).
REGISTRATION_WEIGHTS = {
    ds.BEIJING: {
        "110101": 8,
        "110102": 10,
        "110103": 3,
        "110104": 3,
        "110105": 14,
        "110106": 8,
        "110107": 4,
        "110108": 13,
        "110109": 2,
        "110111": 4,
        "110112": 4,
        "110113": 4,
        "110114": 5,
        "110115": 4,
        "110116": 2,
        "110117": 2,
        "110228": 2,
        "110229": 2,
    },
    ds.SHANGHAI: {
        **{code: 5 for code in ds.SHANGHAI_DISTRICTS},
        "310115": 12,
        "310119": 3,
        "310103": 3,
    },
    ds.SHENZHEN: {code: 5 for code in ds.SHENZHEN_DISTRICTS},
}

# Universities: the survey's 北京青年政治学院 and 22 invented ones.
UNIVERSITY_COUNT = 22
UNIVERSITY_SERIAL_BLOCK = 1_190_000
COHORT_YEARS = range(2005, 2014)
_UNIVERSITY_DISTRICTS = ("110108", "110108", "110108", "110105", "110102", "110101", "110106")
_UNIVERSITY_WORDS = (
    "睿川嘉溪明远知行弘毅致远博雅启德崇实思源立信笃学敬业怀德厚生育英求是知新修远惟真弘文景行"
)

# Other provinces' address codes, for people born outside the three cities.
_BIRTHPLACES = (
    "130102",
    "140105",
    "210102",
    "220102",
    "230102",
    "320102",
    "330102",
    "340102",
    "350102",
    "360102",
    "370102",
    "410102",
    "420102",
    "430102",
    "450102",
    "510104",
    "610102",
    "620102",
)
_HOME_CODES = {
    ds.BEIJING: ("110101", "110102", "110105", "110106", "110108"),
    ds.SHANGHAI: ("310101", "310104", "310105", "310107", "310115"),
    ds.SHENZHEN: ("440303", "440304", "440305", "440306"),
}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红娥玲芬燕彬辉鑫婷雪琳晶慧颖佳欣怡宇浩然"
    "子涵思雨梓萱诗琪博文俊杰晨曦瑶悦嘉宁雅楠一帆浩宇天佑梦琪晓东海燕志强春梅秋菊冬梅建华建国丹丹"
)
# Invented street names (two characters each), not Beijing's real streets.
_STREETS = "青禾明川嘉园康宁兴隆安和永泰瑞祥福源长青"
_COMMUNITY_WORDS = "和平友谊幸福光明团结新华育才东风红星建设阳光春晖花园翠微"


@dataclass
class PersonPlan:
    city: str
    number: str
    name: str
    birth: dt.date
    education_level: str = ""
    university_key: str = ""
    major: str = ""
    graduation_year: int | None = None
    certificates: list[CertificatePlan] = field(default_factory=list)
    placed: bool = False

    def certified_by(self, day: dt.date) -> bool:
        return any(c.valid_on(day) for c in self.certificates)


@dataclass
class CertificatePlan:
    number: str
    level: int
    exam_year: int
    issued_on: dt.date
    division: str
    revoked_on: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.revoked_on is None or self.revoked_on > day)


@dataclass(frozen=True)
class UniversityPlan:
    key: str
    name: str
    division: str
    uscc: str | None
    bachelor: int  # graduates a year at full size
    master: int
    associate: int


@dataclass
class WorkforcePlan:
    people: list[PersonPlan]
    universities: list[UniversityPlan]
    cohorts: list[tuple[str, int, str, int]]  # university key, year, degree level, graduates
    placements: list[tuple[int, str, str, dt.date, dt.date | None]]  # person index, ...


class _Planner:
    def __init__(self, divisions: dict[str, Division]) -> None:
        self.rng = random.Random(SEED)
        self.divisions = divisions
        self.numbers: set[str] = set()
        self.certificate_serial = 0
        self.people: list[PersonPlan] = []
        self._district_choices: dict[tuple[str, dt.date], tuple[list[str], list[int]]] = {}

    # -- people ----------------------------------------------------------------------

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(lo.toordinal(), hi.toordinal()))

    def person(self, city: str, birth_lo: int, birth_hi: int) -> PersonPlan:
        birth = self.day(d(birth_lo, 1, 1), d(birth_hi, 12, 31))
        place = self.rng.choice(_HOME_CODES[city] if self.rng.random() < 0.45 else _BIRTHPLACES)
        female = self.rng.random() < 0.72  # the profession is mostly women
        while True:
            sequence = self.rng.randrange(0, 999, 2) + (0 if female else 1)
            number = identity.generate_id_number(
                address_code=place, birth_date=birth, sequence=sequence
            )
            if number not in self.numbers:
                break
        self.numbers.add(number)
        given = self.rng.choice(_GIVEN) + (
            self.rng.choice(_GIVEN) if self.rng.random() < 0.7 else ""
        )
        plan = PersonPlan(
            city=city, number=number, name=self.rng.choice(_SURNAMES) + given, birth=birth
        )
        plan.education_level = self.rng.choices(
            (
                EducationLevel.SECONDARY,
                EducationLevel.ASSOCIATE,
                EducationLevel.BACHELOR,
                EducationLevel.MASTER,
            ),
            (15, 35, 42, 8),
        )[0]
        self.people.append(plan)
        return plan

    def certificate(
        self, person: PersonPlan, level: int, exam_year: int, *, revoked_on: dt.date | None = None
    ) -> CertificatePlan:
        issued = self.day(d(exam_year, 10, 15), d(exam_year, 11, 25))
        self.certificate_serial += 1
        letter = {Level.JUNIOR: "J", Level.INTERMEDIATE: "M", Level.SENIOR: "S"}[Level(level)]
        cert = CertificatePlan(
            number=f"{CERTIFICATE_PREFIX}{person.city}-{exam_year}-{letter}"
            f"{self.certificate_serial:06d}",
            level=level,
            exam_year=exam_year,
            issued_on=issued,
            division=self.registration_division(person.city, issued),
            revoked_on=revoked_on,
        )
        person.certificates.append(cert)
        return cert

    def registration_division(self, city: str, on: dt.date) -> str:
        if self.rng.random() < CITY_REGISTERED_SHARE:
            return city
        key = (city, on)
        if key not in self._district_choices:
            codes_ = [c for c in REGISTRATION_WEIGHTS[city] if self.divisions[c].is_valid_on(on)]
            self._district_choices[key] = (
                codes_,
                list(itertools.accumulate(REGISTRATION_WEIGHTS[city][c] for c in codes_)),
            )
        codes_, cumulative = self._district_choices[key]
        return self.rng.choices(codes_, cum_weights=cumulative)[0]

    def exam_year(self) -> int:
        return self.rng.choices(list(EXAM_YEAR_WEIGHTS), list(EXAM_YEAR_WEIGHTS.values()))[0]

    # -- the plan --------------------------------------------------------------------

    def certified(self, city: str) -> None:
        counts = CERTIFIED_ON_SURVEY_DATE[city]
        juniors = []
        for _ in range(counts[Level.JUNIOR]):
            person = self.person(city, 1962, 1990)
            self.certificate(person, Level.JUNIOR, self.exam_year())
            juniors.append(person)
        for _ in range(counts[Level.INTERMEDIATE]):
            person = self.person(city, 1958, 1986)
            year = self.exam_year()
            if year > 2008 and self.rng.random() < UPGRADED_SHARE:
                self.certificate(person, Level.JUNIOR, self.rng.randint(2008, year - 1))
            self.certificate(person, Level.INTERMEDIATE, year)
        # Revoked before the survey date: these people do not count.
        for _ in range(REVOKED_BEFORE[city]):
            person = self.person(city, 1962, 1988)
            self.certificate(
                person,
                Level.JUNIOR,
                self.rng.choice((2008, 2009, 2010)),
                revoked_on=self.day(d(2011, 6, 1), d(2012, 10, 31)),
            )
        for person in self.rng.sample(juniors, REVOKED_AFTER[city]):
            person.certificates[0].revoked_on = self.day(d(2013, 3, 1), d(2014, 12, 31))
        # The 2013 exam, after the survey date.
        for level, count in NEW_IN_2013[city].items():
            for _ in range(count):
                self.certificate(self.person(city, 1966, 1991), level, 2013)
        upgradable = [p for p in juniors if p.certificates[0].revoked_on is None]
        for person in self.rng.sample(upgradable, UPGRADES_IN_2013[city]):
            self.certificate(person, Level.INTERMEDIATE, 2013)
        for _ in range(UNCERTIFIED_STAFF[city]):
            self.person(city, 1970, 1990)

    def universities(self) -> list[UniversityPlan]:
        plans = [
            UniversityPlan(
                key=ds.UNIVERSITY,
                name="北京青年政治学院",
                division="110105",
                uscc=None,
                bachelor=30,
                master=0,
                associate=90,
            )
        ]
        words = [
            a + b for a, b in zip(_UNIVERSITY_WORDS[::2], _UNIVERSITY_WORDS[1::2], strict=True)
        ]
        for i in range(UNIVERSITY_COUNT):
            word = words[i]
            suffix = "大学" if i % 3 else "学院"
            division = _UNIVERSITY_DISTRICTS[i % len(_UNIVERSITY_DISTRICTS)]
            plans.append(
                UniversityPlan(
                    key=f"bj-university-{i + 1:02d}",
                    name=f"北京{word}{suffix}",
                    division=division,
                    uscc=codes.generate_uscc(
                        authority=codes.EXPECTED_PREFIX[LegalForm.PUBLIC_INSTITUTION][0],
                        category=codes.EXPECTED_PREFIX[LegalForm.PUBLIC_INSTITUTION][1],
                        division=division,
                        serial=UNIVERSITY_SERIAL_BLOCK + i + 1,
                    ),
                    bachelor=self.rng.randint(30, 55),
                    master=self.rng.choice((0, 0, 8, 12, 20)),
                    associate=0,
                )
            )
        return plans

    def cohorts(self, universities: Sequence[UniversityPlan]) -> list[tuple[str, int, str, int]]:
        rows: list[tuple[str, int, str, int]] = []
        for university in universities:
            for year in COHORT_YEARS:
                # Departments grew from 2005 to full size by 2008.
                scale = min(1.0, 0.6 + 0.1 * (year - 2004))
                for degree, size in (
                    (DegreeLevel.BACHELOR, university.bachelor),
                    (DegreeLevel.MASTER, university.master),
                    (DegreeLevel.ASSOCIATE, university.associate),
                ):
                    if size:
                        graduates = max(1, round(size * scale) + self.rng.randint(-3, 3))
                        rows.append((university.key, year, degree, graduates))
        return rows

    def placements(
        self, universities: Sequence[UniversityPlan]
    ) -> list[tuple[int, str, str, dt.date, dt.date | None]]:
        """The 2009 programme: graduates of 2008-2009, some certified later."""
        beijing = [i for i, p in enumerate(self.people) if p.city == ds.BEIJING]
        candidates = [
            i
            for i in beijing
            if self.people[i].birth.year >= 1980
            and all(
                c.exam_year >= 2009 and c.revoked_on is None for c in self.people[i].certificates
            )
            and self.people[i].certified_by(SURVEY_DATE)
        ]
        chosen = self.rng.sample(candidates, PLACED_CERTIFIED)
        for _ in range(PLACED - PLACED_CERTIFIED):
            self.person(ds.BEIJING, 1984, 1988)
            chosen.append(len(self.people) - 1)
        districts = [
            code
            for code in REGISTRATION_WEIGHTS[ds.BEIJING]
            if self.divisions[code].is_valid_on(PLACEMENT_START)
        ]
        weights = [REGISTRATION_WEIGHTS[ds.BEIJING][c] for c in districts]
        rows = []
        for index in chosen:
            person = self.people[index]
            person.placed = True
            person.graduation_year = self.rng.choice((2008, 2009, 2009))
            person.education_level = self.rng.choices(
                (EducationLevel.ASSOCIATE, EducationLevel.BACHELOR, EducationLevel.MASTER),
                (25, 65, 10),
            )[0]
            person.major = "社会工作"
            if self.rng.random() < 0.7:
                person.university_key = self.rng.choice(universities).key
            street = self.rng.randrange(0, len(_STREETS) // 2) * 2
            word = self.rng.randrange(0, len(_COMMUNITY_WORDS) // 2) * 2
            community = (
                f"{_STREETS[street : street + 2]}街道{_COMMUNITY_WORDS[word : word + 2]}社区"
            )
            ends = PLACEMENT_END if self.rng.random() < 0.3 else None
            start = self.day(PLACEMENT_START, d(2009, 10, 31))
            rows.append((index, self.rng.choices(districts, weights)[0], community, start, ends))
        return rows

    def education(self, universities: Sequence[UniversityPlan]) -> None:
        """Some Beijing people studied social work at the city's universities."""
        for person in self.people:
            if person.placed or person.city != ds.BEIJING or self.rng.random() >= 0.3:
                continue
            if person.education_level not in (EducationLevel.BACHELOR, EducationLevel.MASTER):
                continue
            year = person.birth.year + 22
            if year < COHORT_YEARS.start or year > 2013:
                continue
            person.university_key = self.rng.choice(universities).key
            person.graduation_year = year
            person.major = "社会工作"


def build_plan(divisions: dict[str, Division]) -> WorkforcePlan:
    """The whole demo workforce except employment (which needs the agencies' dates)."""
    planner = _Planner(divisions)
    for city in (ds.BEIJING, ds.SHANGHAI, ds.SHENZHEN):
        planner.certified(city)
    universities = planner.universities()
    cohorts = planner.cohorts(universities)
    placements = planner.placements(universities)
    planner.education(universities)
    return WorkforcePlan(
        people=planner.people,
        universities=universities,
        cohorts=cohorts,
        placements=placements,
    )


# ---------------------------------------------------------------------------------------
# Employment: agencies staffed from the plan's people
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyLife:
    organization_id: int
    name: str
    city: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None


def _city_of(division: Division, by_id: dict[int, Division]) -> str:
    current: Division | None = division
    while current is not None and current.parent_id is not None:
        current = by_id.get(current.parent_id)
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
STAFF_UNTIL = d(2013, 10, 31)


def plan_employment(
    plan: WorkforcePlan, lives: Sequence[AgencyLife]
) -> list[tuple[int, int, dt.date, dt.date | None, str]]:
    """(person index, organization id, start, end, role) for every job."""
    rng = random.Random(SEED + 1)
    pools: dict[str, list[int]] = defaultdict(list)
    uncertified: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(plan.people):
        (pools if person.certificates else uncertified)[person.city].append(index)
    for city in pools:
        rng.shuffle(pools[city])
        rng.shuffle(uncertified[city])
    worked: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    jobs: list[tuple[int, int, dt.date, dt.date | None, str]] = []
    forever = d(9999, 1, 1)

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


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------


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
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
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


def _summary_audit(actor: Any, model: type[models.Model], table: str, after_id: int) -> Any:
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
    actor: Any,
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
    actor: Any,
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
                f"UPDATE {table} SET id_cipher = %s WHERE id = %s",
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
