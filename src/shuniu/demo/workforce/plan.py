"""What people the demo workforce makes: the survey's figures as targets, and a seeded plan
of people, certificates, universities, cohorts and placements that meets them."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from shuniu.demo import dataset as ds
from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import LegalForm
from shuniu.workforce import identity
from shuniu.workforce.models import DegreeLevel, EducationLevel, Level

d = dt.date
SEED = ds.SEED + 4
SURVEY_DATE = ds.LATE_2012
CERTIFICATE_PREFIX = "SYN-"
SOURCE = "演示数据（虚构人员，数字按《公益时报》2012年调查生成）"
UNIVERSITY_SOURCE = "演示数据（虚构高校，毕业生人数为示意）"
PROGRAMME_NAME = "北京市大学生社工计划"
PROGRAMME_SOURCE = ds.SURVEY + "：大学生社工计划为社区输送5000余名毕业生（名单为虚构）"

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
        self.rng = random.Random(SEED)  # noqa: S311 seeded on purpose: a reproducible demo, not a secret
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
