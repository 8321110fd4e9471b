"""An exactly known registry around 东城区助人社工事务所, shared by the directory, organization
page and browser tests, and helpers to read what a page shows. (No tests in this module.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

from django.contrib.auth import get_user_model

from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_event_add, organization_update, support_record
from tests.factories import make_organization

# A fixed code, so that a test can search for a fragment of it.
ZHUREN_USCC = codes.generate_uscc(category="2", division="110101", serial=4_242_424)
ZHUREN_NAME = "东城区助人社工事务所"
ZHUREN_FORMER_NAME = "东城助人社工事务所"
ZHUREN_NAME_EN = "Dongcheng Zhuren Social Work Agency"
ZHUREN_ADDRESS = "北京市东城区东四北大街107号"
ZHUREN_SOURCE = "《公益时报》2012年调查：北京首家专业社工事务所"
EVENT_NOTE = "内部备注：联系人手机 13800000000"
SUPPORT_NOTE = "内部备注：场地合同待续签"


def factory_admin():
    # make_organization registers through the service as this superuser.
    return get_user_model().objects.get(username="factory-admin")


def make_zhuren_world() -> dict[str, Organization]:
    """Seven organizations: 助人 and the bodies it is tied to, plus two in other districts.

    助人 (东城区) was founded and registered in June 2009 (known to the month), joined the
    东城区 association's hub in 2010 (known to the year), passed its 2009 inspection on
    2010-05-20, was renamed from 东城助人社工事务所 on 2011-03-15 and graded 4A in December
    2012. 北京青年政治学院 sponsors it; the 东城区 social-work committee gave it office
    space and funds; it gave guidance to 启明, the hub's other member.
    """
    association = make_organization(
        name="东城区社会工作者协会",
        kind="association",
        legal_form="social_group",
        association_level="district",
        division="110101",
        registered_on=dt.date(2008, 3, 1),
        service_fields=["community_building"],
    )
    actor = factory_admin()
    university = make_organization(
        name="北京青年政治学院",
        kind="university",
        legal_form="public_institution",
        division="110105",
        registered_on=None,
        with_uscc=False,
    )
    committee = make_organization(
        name="东城区社会工作委员会",
        kind="government",
        legal_form="government",
        division="110101",
        registered_on=None,
        with_uscc=False,
    )
    zhuren = make_organization(
        name=ZHUREN_FORMER_NAME,
        name_en=ZHUREN_NAME_EN,
        address=ZHUREN_ADDRESS,
        uscc=ZHUREN_USCC,
        division="110101",
        registered_on=None,
        formation="university_local",
        service_fields=["youth", "community_building"],
        sponsors=[university],
    )
    zhuren = organization_update(
        actor=actor, organization=zhuren, expected_version=zhuren.version, source=ZHUREN_SOURCE
    )
    for kind, date, precision, details in (
        ("founded", dt.date(2009, 6, 1), "month", {}),
        ("registered", dt.date(2009, 6, 1), "month", {}),
        ("joined_hub", dt.date(2010, 1, 1), "year", {"hub": association}),
        (
            "annual_inspection",
            dt.date(2010, 5, 20),
            "day",
            {"inspection_year": 2009, "inspection_result": "passed"},
        ),
        ("renamed", dt.date(2011, 3, 15), "day", {"name_after": ZHUREN_NAME}),
        ("graded", dt.date(2012, 12, 1), "month", {"grade": "4A", "grade_score": 880}),
    ):
        organization_event_add(
            actor=actor,
            organization=zhuren,
            kind=kind,
            date=date,
            date_precision=precision,
            source="东城区民政局公告",
            note=EVENT_NOTE,
            **details,
        )
    qiming = make_organization(
        name="东城区启明社工事务所",
        division="110101",
        registered_on=dt.date(2010, 3, 1),
        founded_on=dt.date(2010, 1, 15),
        formation="transformation",
        hub=association,
        synthetic=True,
    )
    renzhu = make_organization(
        name="西城区仁助社会工作事务所",
        division="110102",
        registered_on=dt.date(2009, 12, 31),
        formation="association_led",
        service_fields=["disability"],
    )
    lequn = make_organization(
        name="上海乐群社工服务社",
        division="310115",
        registered_on=dt.date(2003, 2, 1),
        service_fields=["youth", "family"],
    )
    zhuren.refresh_from_db()
    support_record(
        actor=actor,
        giver=committee,
        receiver=zhuren,
        kind="office_space",
        area_m2=Decimal("80"),
        starts_on=dt.date(2009, 6, 1),
        ends_on=dt.date(2012, 5, 31),
        policy_reference="东社工委发〔2009〕3号",
        source="东城区社工委年报",
        note=SUPPORT_NOTE,
    )
    support_record(
        actor=actor,
        giver=committee,
        receiver=zhuren,
        kind="funds",
        amount_yuan=Decimal("100000"),
        starts_on=dt.date(2010, 1, 1),
        source="东城区社工委年报",
    )
    support_record(
        actor=actor,
        giver=zhuren,
        receiver=qiming,
        kind="guidance",
        starts_on=dt.date(2011, 1, 1),
        ends_on=dt.date(2011, 12, 31),
    )
    return {
        "association": association,
        "university": university,
        "committee": committee,
        "zhuren": zhuren,
        "qiming": qiming,
        "renzhu": renzhu,
        "lequn": lequn,
    }


def division(code: str) -> Division:
    return Division.objects.get(code=code)


class _ElementText(HTMLParser):
    """The text inside the element with a given id, and of each of its <li> or <tr>."""

    def __init__(self, element_id: str, item_tag: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.item_tag = item_tag
        self.depth = 0
        self.text: list[str] = []
        self.items: list[list[str]] = []
        self.item_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            if tag not in VOID_TAGS:
                self.depth += 1
            if tag == self.item_tag and self.item_depth == 0:
                self.items.append([])
                self.item_depth = self.depth
        elif dict(attrs).get("id") == self.element_id and tag not in VOID_TAGS:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if self.item_depth and self.depth == self.item_depth and tag == self.item_tag:
            self.item_depth = 0
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)
            if self.item_depth:
                self.items[-1].append(data)


VOID_TAGS = {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}


def _squash(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def element_text(html: str, element_id: str) -> str:
    parser = _ElementText(element_id, "li")
    parser.feed(html)
    return _squash(parser.text)


def list_items(html: str, element_id: str) -> list[str]:
    """The text of each <li> of the element with ``element_id``."""
    parser = _ElementText(element_id, "li")
    parser.feed(html)
    return [_squash(item) for item in parser.items]


def main_html(html: str) -> str:
    """The page's <main>: what differs only in the header (user name, CSRF token) is left out."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]
