"""Synthetic people for the workforce benchmarks: employers, universities and a CSV file
of people with certificates and jobs, as an officer would import it.

Deterministic for a seed. ID numbers are valid (check character right) and unique by
construction (district, birth date and sequence number come from the row's serial);
certificate numbers start with ``JZ`` (基准), a prefix no real certificate uses. About 1 in
100 people has a 15-digit legacy ID number, so the conversion is part of what is timed.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from bench.harness import Context
from shuniu.divisions.models import COUNTY_LEVELS, Division
from shuniu.registry import codes
from shuniu.registry.models import EventKind, Kind, LegalForm, Organization, OrganizationEvent
from shuniu.registry.services import organization_periods_rebuild, search_text_for
from shuniu.workforce.identity import generate_id_number

# At --scale 1 (the default of ``make bench``) 100,000 people; --scale 10 is the national
# million of the issue.
PEOPLE_AT_SCALE_1 = 100_000
AGENCIES = 1_000
UNIVERSITIES = 30
CITIES = ("110000", "310000", "440300")
SOURCE = "基准测试数据（虚构）"
# Credit-code serials far above those of the synthetic registry (bench.synthetic).
SERIAL_BASE = 7_000_000

HEADERS = (
    "姓名",
    "身份证号",
    "性别",
    "学历",
    "毕业院校",
    "专业",
    "毕业年份",
    "联系电话",
    "证书等级",
    "证书编号",
    "考试年度",
    "发证日期",
    "登记地",
    "工作单位",
    "岗位",
    "入职日期",
    "离职日期",
    "来源",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩"
LEVELS = (("助理社会工作师", 70), ("社会工作师", 28), ("高级社会工作师", 2))
EDUCATION = (("本科", 55), ("大专", 25), ("硕士", 15), ("中专", 4), ("博士", 1))
ROLES = ("", "", "", "社工", "督导", "负责人")


@dataclass
class Organizations:
    """The employers and universities rows name (by credit code or by name)."""

    agencies: list[tuple[int, str, str, int]]  # id, credit code, name, division id
    universities: list[tuple[int, str, str]]  # id, credit code, name
    districts: list[Division]  # county-level divisions valid today, of the three cities


@dataclass
class PeopleFile:
    path: Path
    rows: int
    first_serial: int


_organizations: dict[int, Organizations] = {}


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "市区县" else name


def organizations(ctx: Context) -> Organizations:
    """The benchmark's employers and universities, created once per run (with the events
    and periods the registry keeps, so that statistics see them as registered)."""
    if id(ctx) in _organizations:
        return _organizations[id(ctx)]
    rng = random.Random(ctx.seed + 1)
    today = timezone.localdate()
    cities = {d.code: d for d in Division.objects.filter(code__in=CITIES)}
    districts = sorted(
        (
            d
            for d in Division.objects.filter(parent__code__in=CITIES, level__in=COUNTY_LEVELS)
            if d.is_valid_on(today)
        ),
        key=lambda d: d.code,
    )
    orgs: list[Organization] = []
    for serial in range(AGENCIES + UNIVERSITIES):
        division = districts[serial % len(districts)]
        city = cities[division.code[:2] + "0000"] if division.code[:2] != "44" else None
        place = _short(city.name if city else "深圳市") + _short(division.name)
        university = serial >= AGENCIES
        legal_form = LegalForm.PUBLIC_INSTITUTION if university else LegalForm.SOCIAL_SERVICE
        category = codes.CIVIL_AFFAIRS_CATEGORY.get(legal_form, "9")
        org = Organization(
            uscc=codes.generate_uscc(
                category=category, division=division.code, serial=SERIAL_BASE + serial
            ),
            name=f"{place}基准{serial}" + ("学院" if university else "社会工作服务中心"),
            kind=Kind.UNIVERSITY if university else Kind.AGENCY,
            legal_form=legal_form,
            registrar_division_id=division.pk,
            source=SOURCE,
            synthetic=True,
        )
        org.search_text = search_text_for(org)
        orgs.append(org)
    with transaction.atomic():
        Organization.objects.bulk_create(orgs, batch_size=500)
        events = []
        for org in orgs:
            founded = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(3650))
            events.append(
                OrganizationEvent(
                    organization=org, kind=EventKind.FOUNDED, date=founded, source=SOURCE
                )
            )
            events.append(
                OrganizationEvent(
                    organization=org,
                    kind=EventKind.REGISTERED,
                    date=founded + dt.timedelta(days=rng.randrange(30, 300)),
                    source=SOURCE,
                )
            )
        OrganizationEvent.objects.bulk_create(events, batch_size=500)
        organization_periods_rebuild(organizations=orgs)
    result = Organizations(
        agencies=[
            (o.pk, o.uscc or "", o.name, o.registrar_division_id)
            for o in orgs
            if o.kind == Kind.AGENCY
        ],
        universities=[(o.pk, o.uscc or "", o.name) for o in orgs if o.kind == Kind.UNIVERSITY],
        districts=districts,
    )
    _organizations[id(ctx)] = result
    return result


def people_count(ctx: Context) -> int:
    return max(100, round(PEOPLE_AT_SCALE_1 * ctx.scale))


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


def write_people_csv(
    path: Path, *, orgs: Organizations, rows: int, first_serial: int, seed: int
) -> PeopleFile:
    """One row per person, each with a certificate and a job. ``first_serial`` keeps the ID
    numbers and certificate numbers of two files apart."""
    rng = random.Random(seed)
    districts = orgs.districts
    ndistricts = len(districts)
    base = dt.date(1960, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for serial in range(first_serial, first_serial + rows):
            district = districts[serial % ndistricts]
            k = serial // ndistricts
            # Distinct (district, birth date, sequence) for distinct serials below 14
            # million per district: 397 is prime to 14,000, so k % 14,000 gives distinct
            # days over 38 years, and k // 14,000 the sequence.
            born = base + dt.timedelta(days=(k % 14_000) * 397 % 14_000)
            number = generate_id_number(
                address_code=district.code, birth_date=born, sequence=k // 14_000
            )
            id_cell = number[:6] + number[8:17] if serial % 100 == 7 else number
            male = int(number[16]) % 2 == 1
            exam_year = min(max(2008, born.year + 22 + rng.randrange(8)), 2024)
            university = rng.choice(orgs.universities)
            agency = rng.choice(orgs.agencies)
            starts = dt.date(exam_year, 1, 1) + dt.timedelta(days=rng.randrange(700))
            ends = (
                starts + dt.timedelta(days=rng.randrange(200, 2000)) if rng.random() < 0.2 else None
            )
            issued = (
                f"{exam_year}-{rng.choice(('06-30', '09-15', '12-20'))}"
                if rng.random() < 0.5
                else ""
            )
            # A district given must have existed when the certificate was issued.
            division_cell = ""
            roll = rng.random()
            if district.is_valid_on(dt.date(exam_year, 1, 1)):
                if roll < 0.3:
                    division_cell = district.code
                elif roll < 0.4:
                    division_cell = district.name
            writer.writerow(
                (
                    rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                    id_cell,
                    "男" if male else "女",
                    _weighted(rng, EDUCATION),
                    university[1] if serial % 2 else university[2],
                    "社会工作",
                    str(min(born.year + 22, 2024)),
                    f"13{rng.randrange(10**9):09d}",
                    _weighted(rng, LEVELS),
                    f"JZ{exam_year}{serial:010d}",
                    str(exam_year),
                    issued,
                    division_cell,
                    agency[1] if serial % 3 else agency[2],
                    rng.choice(ROLES),
                    starts.isoformat(),
                    ends.isoformat() if ends else "",
                    SOURCE,
                )
            )
    return PeopleFile(path=path, rows=rows, first_serial=first_serial)
