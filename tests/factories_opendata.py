"""A small registry for the open-data exports: agencies in two Beijing districts and one in
Shanghai, a government funder, money and non-money support, and people working at an agency
(whose names and ID numbers no export may contain)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shuniu.core.actors import cli_actor
from shuniu.registry.models import Organization, Support
from shuniu.registry.services import support_record
from shuniu.workforce.models import Person
from tests.factories import make_organization
from tests.workforce.factories import employ, id_number, make_person


@dataclass
class OpenScene:
    here: Organization
    there: Organization
    shanghai: Organization
    funder: Organization
    funds: Support
    space: Support
    people: list[Person]
    numbers: list[str]  # every person's ID number, its stored mask and its shown form


def open_scene() -> OpenScene:
    here = make_organization(
        name="东城开放数据社工事务所",
        division="110101",
        name_en="Dongcheng Open Data Social Work",
        address="北京市东城区甲路1号",
        service_fields=["youth", "elderly"],
        founded_on=dt.date(2009, 3, 1),
        registered_on=dt.date(2009, 6, 1),
    )
    there = make_organization(
        name="朝阳开放数据社工事务所",
        division="110105",
        with_uscc=False,
        registered_on=dt.date(2011, 5, 1),
    )
    shanghai = make_organization(name="黄浦开放数据社工事务所", division="310101")
    funder = make_organization(
        name="东城区社会工作委员会测试",
        division="110101",
        kind="government",
        legal_form="government",
    )
    actor = cli_actor("test")
    funds = support_record(
        actor=actor,
        giver=funder,
        receiver=here,
        kind="funds",
        amount_yuan=Decimal("150000.00"),
        starts_on=dt.date(2010, 3, 1),
        ends_on=dt.date(2010, 12, 31),
        policy_reference="东社工发〔2010〕1号",
        note="内部备注：不公开",
    )
    space = support_record(
        actor=actor,
        giver=funder,
        receiver=here,
        kind="office_space",
        area_m2=Decimal("120.00"),
        starts_on=dt.date(2010, 3, 1),
    )
    people, numbers = [], []
    for name in ("张开放", "李数据"):
        number = id_number()
        person = make_person(name=name, number=number)
        employ(person, here, starts_on=dt.date(2010, 1, 1))
        people.append(person)
        numbers += [number, person.id_masked, person.id_shown]
    return OpenScene(
        here=here,
        there=there,
        shanghai=shanghai,
        funder=funder,
        funds=funds,
        space=space,
        people=people,
        numbers=numbers,
    )
