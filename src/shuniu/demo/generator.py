"""Turns the plan of ``dataset`` into organizations with names, codes, addresses and events.

Pure: it reads no database, so the same divisions give the same dataset on every run and
every machine (``random.Random(SEED)``, never the global generator).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shuniu.demo import dataset as ds
from shuniu.demo.dataset import AgencyPlan, Dataset, EventSpec, OrgSpec
from shuniu.registry import codes
from shuniu.registry.models import (
    AssociationLevel,
    DatePrecision,
    EventKind,
    Formation,
    Grade,
    InspectionResult,
    Kind,
    LegalForm,
)


@dataclass(frozen=True)
class DivisionInfo:
    code: str
    name: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


# Invented two-character words for names and roads. The survey's own words are left out so
# that no synthetic name reads like a copy of a real agency.
_FIRST = "启明同和睿恒朗博欣馨晨益众惠善德翔青蓝嘉卓协新安宁康泰彩暖知"
_SECOND = "航源行禾桥光远苗帆阳谷林川溪舟石田园晖岩韵程然心"
_RESERVED = {"悦群", "仁助", "睦友", "助人", "乐群", "鹏星", "青苗"}

_BEIJING_AGENCY_SUFFIXES = ("社会工作事务所", "社工事务所", "社会工作服务中心", "社工服务中心")
_SHANGHAI_AGENCY_SUFFIXES = ("社工服务社", "社会工作服务社", "社工服务中心", "社会工作服务中心")
_SHENZHEN_AGENCY_SUFFIXES = ("社会工作服务中心", "社工服务社", "社会工作服务社")
# Names of the organizations agencies are transformed from, and of other related bodies.
_SERVICE_SUFFIXES = (
    "青少年服务中心",
    "助老服务社",
    "家庭服务中心",
    "社区服务社",
    "助残服务中心",
    "心理咨询服务中心",
)
_GROUP_SUFFIXES = ("公益促进会", "志愿服务协会", "邻里互助会")
_ROAD_SUFFIXES = ("路", "街", "大街", "大道")
_FIELDS = (
    "youth",
    "elderly",
    "disability",
    "family",
    "community_correction",
    "community_building",
    "medical",
    "school",
)
_ADDRESS_DISTRICTS = {ds.SHANGHAI: ds.SHANGHAI_DISTRICTS, ds.SHENZHEN: ds.SHENZHEN_DISTRICTS}
_CITY_NAMES = {ds.BEIJING: "北京市", ds.SHANGHAI: "上海市", ds.SHENZHEN: "深圳市"}
# Serial blocks of the synthetic credit codes, one per city, so that codes of one city do
# not move when another city's plan changes.
_SERIAL_BLOCKS = {ds.BEIJING: 1_100_000, ds.SHANGHAI: 3_100_000, ds.SHENZHEN: 4_403_000}
LAST_INSPECTED_YEAR = 2012


class _Generator:
    def __init__(self, divisions: Mapping[str, DivisionInfo]) -> None:
        self.rng = random.Random(ds.SEED)  # noqa: S311 seeded on purpose: a reproducible demo, not a secret
        self.divisions = divisions
        words = [a + b for a in _FIRST for b in _SECOND if a + b not in _RESERVED]
        self.rng.shuffle(words)
        self._words = iter(words)
        self._serials = dict(_SERIAL_BLOCKS)
        self.specs: list[OrgSpec] = []

    # -- small helpers ---------------------------------------------------------------

    def word(self) -> str:
        return next(self._words)

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(lo.toordinal(), hi.toordinal()))

    def name_of(self, code: str) -> str:
        return self.divisions[code].name

    def uscc(self, city: str, division: str, legal_form: str) -> str:
        self._serials[city] += 1
        return codes.generate_uscc(
            category=codes.CIVIL_AFFAIRS_CATEGORY[legal_form],
            division=division,
            serial=self._serials[city],
        )

    def address(self, city: str, division: str) -> str:
        if division == city:  # registered with the city: it still sits in some district
            division = self.rng.choice(_ADDRESS_DISTRICTS[city])
        district = self.name_of(division)
        road = self.word() + self.rng.choice(_ROAD_SUFFIXES)
        return f"{_CITY_NAMES[city]}{district}{road}{self.rng.randint(1, 299)}号"

    def fields(self) -> tuple[str, ...]:
        return tuple(self.rng.sample(_FIELDS, self.rng.choice((1, 1, 2, 2, 3))))

    def pick_district(self, choices: Sequence[str], on: dt.date) -> str:
        return self.rng.choice([c for c in choices if self.divisions[c].valid_on(on)])

    def lifecycle(
        self,
        counted_from: dt.date,
        *,
        registering: bool = False,
        not_before: dt.date | None = None,
    ) -> list[EventSpec]:
        """Founded, applied on ``counted_from``, registered up to 60 days later (or in 2013).

        Founding stays on or after ``not_before`` (by default 1 January of the same year) so
        that no synthetic body appears, even as preparing, before the firsts of the survey.
        """
        earliest = not_before or dt.date(counted_from.year, 1, 1)
        lead = min(90, (counted_from - earliest).days)
        founded = counted_from - dt.timedelta(days=self.rng.randint(0, max(lead, 0)))
        if registering:
            registered = self.day(dt.date(2013, 1, 10), dt.date(2013, 4, 30))
        else:
            registered = counted_from + dt.timedelta(days=self.rng.randint(10, 60))
        return [
            EventSpec(EventKind.FOUNDED, founded),
            EventSpec(EventKind.REGISTRATION_APPLIED, counted_from),
            EventSpec(EventKind.REGISTERED, registered),
        ]

    def oversight(self, registered: dt.date, *, gradable: bool) -> list[EventSpec]:
        """A sprinkling of annual inspections and grades: they never change a status."""
        events: list[EventSpec] = []
        for year in range(registered.year, LAST_INSPECTED_YEAR + 1):
            if self.rng.random() >= 0.2:
                continue
            result = self.rng.choices(
                (
                    InspectionResult.PASSED,
                    InspectionResult.BASICALLY_PASSED,
                    InspectionResult.FAILED,
                ),
                weights=(85, 12, 3),
            )[0]
            on = self.day(dt.date(year + 1, 3, 15), dt.date(year + 1, 6, 15))
            events.append(
                EventSpec(
                    EventKind.ANNUAL_INSPECTION,
                    on,
                    details=(("inspection_year", year), ("inspection_result", result)),
                )
            )
        if gradable and registered <= dt.date(2010, 12, 31) and self.rng.random() < 0.3:
            grade = self.rng.choices((Grade.A2, Grade.A3, Grade.A4, Grade.A5), (15, 50, 30, 5))[0]
            low = {Grade.A2: 600, Grade.A3: 700, Grade.A4: 800, Grade.A5: 900}[grade]
            events.append(
                EventSpec(
                    EventKind.GRADED,
                    self.day(dt.date(2012, 5, 1), dt.date(2012, 10, 31)),
                    details=(("grade", grade), ("grade_score", low + self.rng.randint(0, 95))),
                )
            )
        return events

    def add(self, spec: OrgSpec) -> OrgSpec:
        self.specs.append(spec)
        return spec

    # -- agencies --------------------------------------------------------------------

    def agency(
        self,
        *,
        city: str,
        division: str,
        formation: str,
        window: tuple[dt.date, dt.date],
        suffixes: Sequence[str],
        registering: bool = False,
        deregistered_on: dt.date | None = None,
        key: str = "",
        hub: str | None = None,
    ) -> OrgSpec:
        prefix = "" if city == ds.BEIJING else _CITY_NAMES[city]
        district = "" if division == city else self.name_of(division)
        word = self.word()
        agency_name = f"{prefix}{district}{word}{self.rng.choice(suffixes)}"
        counted_from = self.day(*window)
        spec = OrgSpec(
            key=key or f"{city}-{self._serials[city] + 1}",
            name=agency_name,
            kind=Kind.AGENCY,
            division=division,
            legal_form=LegalForm.SOCIAL_SERVICE,
            source=ds.SYNTHETIC_SOURCE,
            synthetic=True,
            uscc=self.uscc(city, division, LegalForm.SOCIAL_SERVICE),
            formation=formation,
            hub=hub,
            address=self.address(city, division),
            service_fields=self.fields(),
        )
        if formation == Formation.TRANSFORMATION:
            # Registered as another kind of organization years before, then upgraded.
            earlier_year = self.rng.randint(max(2001, counted_from.year - 6), counted_from.year - 2)
            first = self.day(dt.date(earlier_year, 1, 10), dt.date(earlier_year, 10, 31))
            spec.kind = Kind.OTHER
            spec.name = f"{prefix}{district}{word}{self.rng.choice(_SERVICE_SUFFIXES)}"
            spec.events = self.lifecycle(first)
            transformed = [
                EventSpec(
                    EventKind.TRANSFORMED,
                    counted_from,
                    details=(("kind_after", Kind.AGENCY),),
                    note="整合改造为专业社工机构",
                )
            ]
            if self.rng.random() < 0.6:
                transformed.insert(
                    0,
                    EventSpec(
                        EventKind.RENAMED, counted_from, details=(("name_after", agency_name),)
                    ),
                )
            else:
                spec.name = agency_name  # kept its name
            spec.events += transformed
        else:
            spec.events = self.lifecycle(
                counted_from, registering=registering, not_before=window[0]
            )
        registered_on = spec.events[2].date  # founded, applied, registered come first
        spec.events += self.oversight(registered_on, gradable=True)
        if deregistered_on is not None:
            spec.events.append(EventSpec(EventKind.DEREGISTERED, deregistered_on))
        return self.add(spec)

    def beijing(self) -> None:
        # The survey's youth-education centre: founded and registered 2006, transformed into
        # a professional agency in July 2010 (name and code invented).
        self.add(
            OrgSpec(
                key=ds.YOUTH_CENTRE,
                name=ds.YOUTH_CENTRE_NAME,
                kind=Kind.OTHER,
                division="110108",
                legal_form=LegalForm.SOCIAL_SERVICE,
                source=ds.YOUTH_CENTRE_SOURCE,
                synthetic=True,
                uscc=self.uscc(ds.BEIJING, "110108", LegalForm.SOCIAL_SERVICE),
                formation=Formation.TRANSFORMATION,
                address=self.address(ds.BEIJING, "110108"),
                service_fields=("youth", "school"),
                events=[
                    *ds.founding(dt.date(2006, 1, 1), DatePrecision.YEAR),
                    EventSpec(
                        EventKind.TRANSFORMED,
                        dt.date(2010, 7, 1),
                        DatePrecision.MONTH,
                        details=(("kind_after", Kind.AGENCY),),
                        note="整合改造为专业社工机构",
                    ),
                ],
            )
        )
        for plan in ds.BEIJING_AGENCIES:
            self.beijing_agency(plan)

    def beijing_agency(self, plan: AgencyPlan) -> None:
        self.agency(
            city=ds.BEIJING,
            division=plan.division,
            formation=plan.formation,
            window=plan.window,
            suffixes=_BEIJING_AGENCY_SUFFIXES,
            registering=plan.registering,
            deregistered_on=plan.deregistered_on,
            key=plan.key,
            hub=ds.FEDERATION if plan.formation == Formation.ASSOCIATION_LED else None,
        )

    # -- Shanghai --------------------------------------------------------------------

    def window(self, year: int, city: str) -> tuple[dt.date, dt.date]:
        lo, hi = dt.date(year, 1, 5), dt.date(year, 10, 31)
        if year == 2012:
            hi = dt.date(2012, 9, 30)  # registered before the survey's 2012-11-30
        if city == ds.SHANGHAI and year == 2003:
            lo = dt.date(2003, 4, 1)  # after 乐群, the first (February 2003)
        if city == ds.SHENZHEN and year == 2007:
            lo = dt.date(2007, 3, 1)
        return lo, hi

    def shanghai_division(self, kind: str, year: int, nth: int) -> str:
        forced = ds.SHANGHAI_FORCED_DIVISIONS.get((kind, year, nth))
        return forced or self.pick_district(ds.SHANGHAI_DISTRICTS, dt.date(year, 1, 5))

    def shanghai(self) -> None:
        for year, count in ds.SHANGHAI_AGENCIES_PER_YEAR.items():
            for nth in range(count):
                division = self.shanghai_division(Kind.AGENCY, year, nth)
                formation = self.rng.choices(
                    (Formation.INDEPENDENT, Formation.TRANSFORMATION, Formation.UNIVERSITY_LOCAL),
                    (55, 25, 20),
                )[0]
                if formation == Formation.TRANSFORMATION and (
                    year < 2004
                    or year > 2012  # would be one of 2012's "other" organizations
                    or not self.divisions[division].valid_on(dt.date(year - 6, 1, 1))
                ):
                    formation = Formation.INDEPENDENT
                self.agency(
                    city=ds.SHANGHAI,
                    division=division,
                    formation=formation,
                    window=self.window(year, ds.SHANGHAI),
                    suffixes=_SHANGHAI_AGENCY_SUFFIXES,
                )
        by_year: dict[int, int] = {}
        for level, year in ds.SHANGHAI_ASSOCIATION_LEVELS:
            nth = by_year.get(year, 0)
            by_year[year] = nth + 1
            if level == AssociationLevel.CITY:
                division, place = ds.SHANGHAI, ""
            else:
                division = self.shanghai_division(Kind.ASSOCIATION, year, nth)
                place = self.name_of(division)
            street = "街道" if level == AssociationLevel.STREET else ""
            self.related(
                division=division,
                kind=Kind.ASSOCIATION,
                name=f"上海市{place}{self.word()}{street}社会工作者协会",
                legal_form=LegalForm.SOCIAL_GROUP,
                year=year,
                level=level,
            )
        for kind, year, suffix in (
            (Kind.TRAINING, 2008, "社会工作培训中心"),
            (Kind.EVALUATION, 2009, "社会工作研究评估中心"),
        ):
            division = self.pick_district(ds.SHANGHAI_DISTRICTS, dt.date(year, 1, 5))
            self.related(
                division=division,
                kind=kind,
                name=f"上海市{self.name_of(division)}{self.word()}{suffix}",
                legal_form=LegalForm.SOCIAL_SERVICE,
                year=year,
            )
        deregistrations = iter(ds.SHANGHAI_OTHERS_DEREGISTERED)
        for year, count in ds.SHANGHAI_OTHERS_PER_YEAR.items():
            for nth in range(count):
                division = self.shanghai_division(Kind.OTHER, year, nth)
                group = self.rng.random() < 0.2
                suffix = self.rng.choice(_GROUP_SUFFIXES if group else _SERVICE_SUFFIXES)
                spec = self.related(
                    division=division,
                    kind=Kind.OTHER,
                    name=f"上海市{self.name_of(division)}{self.word()}{suffix}",
                    legal_form=LegalForm.SOCIAL_GROUP if group else LegalForm.SOCIAL_SERVICE,
                    year=year,
                )
                if year == 2001:
                    spec.events.append(EventSpec(EventKind.DEREGISTERED, next(deregistrations)))

    def related(
        self, *, division: str, kind: str, name: str, legal_form: str, year: int, level: str = ""
    ) -> OrgSpec:
        """An association, training or evaluation institution or other related body."""
        city = ds.SHANGHAI
        lo, hi = self.window(year, city)
        if year < 2003:
            lo = dt.date(year, 1, 10)  # none of these is an agency: 乐群 stays the first
        events = self.lifecycle(self.day(lo, hi))
        events += self.oversight(events[2].date, gradable=kind != Kind.OTHER)
        return self.add(
            OrgSpec(
                key=f"{city}-{self._serials[city] + 1}",
                name=name,
                kind=kind,
                association_level=level,
                division=division,
                legal_form=legal_form,
                source=ds.SYNTHETIC_SOURCE,
                synthetic=True,
                uscc=self.uscc(city, division, legal_form),
                address=self.address(city, division),
                service_fields=self.fields(),
                events=events,
            )
        )

    # -- Shenzhen --------------------------------------------------------------------

    def shenzhen(self) -> None:
        for year, count in ds.SHENZHEN_AGENCIES_PER_YEAR.items():
            for nth in range(count):
                at_city = self.rng.random() < 0.7
                division = ds.SHENZHEN if at_city else self.rng.choice(ds.SHENZHEN_DISTRICTS)
                self.agency(
                    city=ds.SHENZHEN,
                    division=division,
                    formation=Formation.INDEPENDENT,
                    window=self.window(year, ds.SHENZHEN),
                    suffixes=_SHENZHEN_AGENCY_SUFFIXES,
                    deregistered_on=(
                        ds.SHENZHEN_DEREGISTERED_ON if (year, nth) == (2008, 0) else None
                    ),
                )


def build_dataset(divisions: Mapping[str, DivisionInfo]) -> Dataset:
    """The whole demo dataset, in an order where hubs and sponsors come before their members."""
    generator = _Generator(divisions)
    named = ds.named_organizations()
    generator.specs.extend(named)
    generator.beijing()
    generator.shanghai()
    generator.shenzhen()
    return Dataset(
        organizations=generator.specs,
        support=list(ds.SUPPORT),
        figures=list(ds.FIGURES),
        documents=list(ds.DOCUMENTS),
        targets=list(ds.TARGETS),
    )
