"""What the demo dataset holds: the 2012 survey's organizations and figures, and the plan the
synthetic organizations are generated from.

The plan is written out by hand (district, formation, year) rather than drawn at random,
because the statistics must reproduce the survey exactly: 17 Beijing agencies in 8 districts
at the end of 2010, 39 at the end of 2011, 50 in all 16 districts/counties in November 2012,
115 social-work organizations in Shanghai. Only the details that do not change a count
(names, exact days, addresses, inspections) are left to the generator's random numbers.

Dates known only to the month or the year are stored as the first day of that month or year
(with the matching precision), except where that would put them before a fact the survey
states: the Xicheng agencies of 2009 come after Beijing's first agency (June 2009), so they are
stored as 2009-12-31, "by the end of 2009".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shuniu.registry.models import (
    AssociationLevel,
    DatePrecision,
    EventKind,
    Formation,
    Kind,
    LegalForm,
    SupportKind,
)
from shuniu.targets.models import Metric

# Fixed, so that every run generates the same names, codes and dates.
SEED = 20121130

SURVEY = "《公益时报》2012年北京、上海、深圳社会工作服务机构调查"
SYNTHETIC_SOURCE = "演示数据（虚构机构，数字按《公益时报》2012年调查生成）"
ILLUSTRATIVE = "演示数据：面积、金额与期限为示意，非真实记录"
GIVER_SOURCE = "演示数据：扶持方（机构真实存在，其扶持记录为示意）"

BEIJING, SHANGHAI, SHENZHEN = "110000", "310000", "440300"

d = dt.date


@dataclass(frozen=True)
class EventSpec:
    kind: str
    date: dt.date
    precision: str = DatePrecision.DAY
    details: tuple[tuple[str, Any], ...] = ()
    note: str = ""


@dataclass
class OrgSpec:
    """One organization. ``key`` names it inside the dataset (hubs, sponsors, support)."""

    key: str
    name: str
    kind: str
    division: str
    legal_form: str
    source: str
    synthetic: bool = False
    uscc: str | None = None
    name_en: str = ""
    association_level: str = ""
    formation: str = ""
    hub: str | None = None
    sponsors: tuple[str, ...] = ()
    address: str = ""
    service_fields: tuple[str, ...] = ()
    events: list[EventSpec] = field(default_factory=list)


@dataclass(frozen=True)
class SupportSpec:
    giver: str
    receiver: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    amount_yuan: Decimal | None = None
    area_m2: Decimal | None = None
    source: str = ILLUSTRATIVE
    note: str = ""


@dataclass(frozen=True)
class FigureSpec:
    region: str
    metric: str
    value: Decimal
    as_of: dt.date
    as_of_precision: str
    kind: str = ""
    qualifier: str = ""
    note: str = ""
    source: str = SURVEY


@dataclass(frozen=True)
class DocumentSpec:
    title: str
    region: str
    issuer: str = ""
    note: str = ""
    issued_on: dt.date | None = None


@dataclass(frozen=True)
class TargetSpec:
    document: str  # title of a DocumentSpec
    region: str
    metric: str
    kind: str
    value: Decimal
    due_on: dt.date
    description: str
    scope: tuple[str, ...] = ()  # district codes as the plan named them; () = the region


@dataclass
class Dataset:
    organizations: list[OrgSpec]
    support: list[SupportSpec]
    figures: list[FigureSpec]
    documents: list[DocumentSpec]
    targets: list[TargetSpec]


def founding(day: dt.date, precision: str = DatePrecision.DAY) -> list[EventSpec]:
    """Founded and registered on the same (possibly approximate) date."""
    return [
        EventSpec(EventKind.FOUNDED, day, precision),
        EventSpec(EventKind.REGISTERED, day, precision),
    ]


# ---------------------------------------------------------------------------------------
# Named organizations of the survey (real names; their credit codes are not known).
# ---------------------------------------------------------------------------------------

UNIVERSITY = "bj-university-bysp"
FEDERATION = "bj-xicheng-federation"
ZHUREN = "bj-dongcheng-zhuren"
YUEQUN, RENZHU, MUYOU = "bj-xicheng-yuequn", "bj-xicheng-renzhu", "bj-xicheng-muyou"
YOUTH_CENTRE = "bj-haidian-youth-centre"
LEQUN = "sh-pudong-lequn"
PENGXING = "sz-pengxing"

# Government units that give support. They are not registered with civil affairs and the
# survey gives no founding dates, so they carry no lifecycle events (and so no status).
GOVERNMENT_UNITS = (
    ("bj-dongcheng-committee", "东城区社会工作委员会", "110101"),
    ("bj-xicheng-committee", "西城区社会工作委员会", "110102"),
    ("bj-chaoyang-committee", "朝阳区社会工作委员会", "110105"),
    ("bj-donghuamen-street", "东城区东华门街道办事处", "110101"),
    ("bj-desheng-street", "西城区德胜街道办事处", "110102"),
)


def named_organizations() -> list[OrgSpec]:
    specs = [
        OrgSpec(
            key=UNIVERSITY,
            name="北京青年政治学院",
            name_en="Beijing Youth Politics College",
            kind=Kind.UNIVERSITY,
            division="110105",
            legal_form=LegalForm.PUBLIC_INSTITUTION,
            source=SURVEY,
        ),
        *(
            OrgSpec(
                key=key,
                name=name,
                kind=Kind.GOVERNMENT,
                division=code,
                legal_form=LegalForm.GOVERNMENT,
                source=GIVER_SOURCE,
            )
            for key, name, code in GOVERNMENT_UNITS
        ),
        OrgSpec(
            key=FEDERATION,
            name="西城区社会工作者联合会",
            kind=Kind.ASSOCIATION,
            association_level=AssociationLevel.DISTRICT,
            division="110102",
            legal_form=LegalForm.SOCIAL_GROUP,
            source=SURVEY + "：北京首个区级社会工作者联合会",
            service_fields=("community_building",),
            events=founding(d(2008, 7, 1), DatePrecision.MONTH),
        ),
        OrgSpec(
            key=ZHUREN,
            name="东城区助人社工事务所",
            kind=Kind.AGENCY,
            division="110101",
            legal_form=LegalForm.SOCIAL_SERVICE,
            formation=Formation.UNIVERSITY_LOCAL,
            sponsors=(UNIVERSITY,),
            source=SURVEY + "：北京首家专业社工事务所，由北京青年政治学院毕业生创办",
            service_fields=("youth", "community_building"),
            events=founding(d(2009, 6, 1), DatePrecision.MONTH),
        ),
        *(
            OrgSpec(
                key=key,
                name=name,
                kind=Kind.AGENCY,
                division="110102",
                legal_form=LegalForm.SOCIAL_SERVICE,
                formation=Formation.ASSOCIATION_LED,
                hub=FEDERATION,
                source=SURVEY + "：西城区社会工作者联合会以会带所",
                service_fields=fields,
                events=founding(d(2009, 12, 31), DatePrecision.YEAR),
            )
            for key, name, fields in (
                (YUEQUN, "西城区悦群社会工作事务所", ("elderly", "community_building")),
                (RENZHU, "西城区仁助社会工作事务所", ("disability", "family")),
                (MUYOU, "西城区睦友社会工作事务所", ("family", "youth")),
            )
        ),
        OrgSpec(
            key=LEQUN,
            name="上海乐群社工服务社",
            kind=Kind.AGENCY,
            division="310115",
            legal_form=LegalForm.SOCIAL_SERVICE,
            source=SURVEY + "：中国大陆首家专业社工机构（浦东，2003年2月）",
            service_fields=("youth", "family", "community_building"),
            events=founding(d(2003, 2, 1), DatePrecision.MONTH),
        ),
        OrgSpec(
            key=PENGXING,
            name="深圳市鹏星社会工作服务社",
            kind=Kind.AGENCY,
            division=SHENZHEN,
            legal_form=LegalForm.SOCIAL_SERVICE,
            formation=Formation.INDEPENDENT,
            source=SURVEY + "；另据公开资料，2007年7月深圳市民政局向其购买31个社工岗位",
            service_fields=("community_building", "elderly"),
            events=founding(d(2007, 1, 1), DatePrecision.YEAR),
        ),
    ]
    return specs


# The youth-education centre of the survey is not named there: its name and credit code are
# invented (so it is synthetic), its timeline is the survey's.
YOUTH_CENTRE_NAME = "海淀区青苗青少年教育中心"
YOUTH_CENTRE_SOURCE = (
    SURVEY + "：2006年成立的青少年教育中心，2010年7月整合改造为专业社工机构（机构名称为虚构）"
)


# ---------------------------------------------------------------------------------------
# The plan of synthetic organizations.
# ---------------------------------------------------------------------------------------

UL = Formation.UNIVERSITY_LOCAL
AL = Formation.ASSOCIATION_LED
TR = Formation.TRANSFORMATION
IND = Formation.INDEPENDENT


@dataclass(frozen=True)
class AgencyPlan:
    """A synthetic agency: where it registers, how it came to be, and when it starts to count.

    It counts from its registration application (or, for a transformation, from the day it
    became an agency), which falls in ``window``. A transformed one was registered in the
    same division as another kind of organization some years before.
    """

    division: str
    formation: str
    window: tuple[dt.date, dt.date]
    registering: bool = False
    deregistered_on: dt.date | None = None
    key: str = ""


# Windows for the day an agency starts to count. A registration follows its application by at
# most 60 days, so each window ends 60 days before the next figure's date: nothing crosses a
# figure unplanned. 崇文 and 宣武 registrations end before they were merged (2010-07-01).
W2010 = (d(2010, 1, 5), d(2010, 10, 31))
W2010_OLD = (d(2010, 1, 5), d(2010, 4, 30))
W2010_LATE = (d(2010, 8, 1), d(2010, 10, 31))  # after the youth centre's transformation
W2011 = (d(2011, 1, 5), d(2011, 10, 31))
W2012 = (d(2012, 1, 5), d(2012, 9, 30))
W2012_APPLIED = (d(2012, 3, 1), d(2012, 11, 20))

BEIJING_AGENCIES: tuple[AgencyPlan, ...] = (
    # 2010: with the 5 named ones, 17 agencies in 城六区 + 昌平 + 顺义.
    AgencyPlan("110103", UL, W2010_OLD, key="bj-2010-chongwen"),
    AgencyPlan("110101", UL, W2010, key="bj-2010-dongcheng"),
    AgencyPlan("110104", UL, W2010_OLD, key="bj-2010-xuanwu"),
    AgencyPlan("110102", AL, W2010, key="bj-2010-xicheng"),
    AgencyPlan("110108", UL, W2010),
    AgencyPlan("110105", UL, W2010, key="bj-2010-chaoyang"),
    AgencyPlan("110105", TR, W2010_LATE),
    AgencyPlan("110106", UL, W2010),
    AgencyPlan("110107", UL, W2010),
    AgencyPlan("110114", UL, W2010),
    AgencyPlan("110114", IND, W2010),
    AgencyPlan("110113", UL, W2010),
    # 2011: 22 more (39), reaching 门头沟, 房山, 通州 and 大兴 (12 districts).
    AgencyPlan("110101", UL, W2011),
    AgencyPlan("110103", TR, W2011),
    AgencyPlan("110102", AL, W2011),
    AgencyPlan("110102", UL, W2011),
    AgencyPlan("110108", UL, W2011),
    AgencyPlan("110108", IND, W2011),
    AgencyPlan("110105", UL, W2011),
    AgencyPlan("110105", IND, W2011),
    AgencyPlan("110105", TR, W2011),
    AgencyPlan("110106", UL, W2011),
    AgencyPlan("110106", UL, W2011),
    AgencyPlan("110107", UL, W2011),
    AgencyPlan("110114", UL, W2011),
    AgencyPlan("110113", IND, W2011),
    AgencyPlan("110109", UL, W2011),
    AgencyPlan("110109", UL, W2011),
    AgencyPlan("110111", UL, W2011),
    AgencyPlan("110111", TR, W2011),
    AgencyPlan("110112", UL, W2011),
    AgencyPlan("110112", IND, W2011),
    AgencyPlan("110115", UL, W2011),
    AgencyPlan("110115", IND, W2011, deregistered_on=d(2014, 9, 30)),
    # 2012 (to 30 November): 11 more (50), 4 of them still registering; all 16 covered.
    AgencyPlan("110116", UL, W2012),
    AgencyPlan("110116", UL, W2012_APPLIED, registering=True),
    AgencyPlan("110117", UL, W2012),
    AgencyPlan("110117", IND, W2012_APPLIED, registering=True),
    AgencyPlan("110228", UL, W2012),
    AgencyPlan("110228", TR, W2012),
    AgencyPlan("110229", UL, W2012),
    AgencyPlan("110229", TR, W2012),
    AgencyPlan("110105", UL, W2012_APPLIED, registering=True),
    AgencyPlan("110108", IND, W2012_APPLIED, registering=True),
    AgencyPlan("110102", AL, W2012),
)

# Shanghai: new direct-service agencies a year (乐群 is one of 2003's); 51 by 2012-11-30,
# a few more afterwards so that the series goes on.
SHANGHAI_AGENCIES_PER_YEAR = {
    2003: 2,
    2004: 3,
    2005: 3,
    2006: 4,
    2007: 5,
    2008: 5,
    2009: 6,
    2010: 7,
    2011: 7,
    2012: 8,
    2013: 3,
    2014: 2,
}
SHANGHAI_ASSOCIATION_LEVELS = (
    (AssociationLevel.CITY, 2003),
    *((AssociationLevel.DISTRICT, year) for year in (2004, 2006, 2007, 2008, 2009, 2010, 2011)),
    *((AssociationLevel.STREET, year) for year in (2008, 2009, 2010, 2011, 2012)),
)
# Other social-work-related organizations (youth, elderly, family services…): 49 by 2012.
SHANGHAI_OTHERS_PER_YEAR = {
    2000: 2,
    2001: 2,
    2002: 3,
    2003: 3,
    2004: 4,
    2005: 4,
    2006: 4,
    2007: 4,
    2008: 5,
    2009: 5,
    2010: 5,
    2011: 4,
    2012: 4,
}
SHANGHAI_OTHERS_DEREGISTERED = (d(2015, 3, 31), d(2015, 8, 31))
# Registrations in divisions merged away later (南汇 into 浦东 2009, 卢湾 into 黄浦 2011):
# (kind, year, n-th of that year) -> division.
SHANGHAI_FORCED_DIVISIONS: dict[tuple[str, int, int], str] = {
    (Kind.AGENCY, 2004, 0): "310119",
    (Kind.AGENCY, 2006, 0): "310103",
    (Kind.AGENCY, 2008, 0): "310119",
    (Kind.AGENCY, 2009, 0): "310103",
    (Kind.AGENCY, 2010, 0): "310103",
    (Kind.ASSOCIATION, 2006, 0): "310119",
    (Kind.OTHER, 2005, 0): "310103",
    (Kind.OTHER, 2007, 0): "310119",
}
SHANGHAI_DISTRICTS = (
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310108",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310230",
)

# Shenzhen: civil-run agencies from 2007 (鹏星 is one of 2007's); 30 by the end of 2012.
SHENZHEN_AGENCIES_PER_YEAR = {
    2007: 2,
    2008: 5,
    2009: 6,
    2010: 6,
    2011: 5,
    2012: 5,
    2013: 3,
    2014: 2,
}
SHENZHEN_DISTRICTS = ("440303", "440304", "440305", "440306", "440307", "440308")
SHENZHEN_DEREGISTERED_ON = d(2016, 6, 30)


# ---------------------------------------------------------------------------------------
# Support, figures, targets.
# ---------------------------------------------------------------------------------------

SUPPORT = (
    SupportSpec(
        "bj-dongcheng-committee",
        ZHUREN,
        SupportKind.OFFICE_SPACE,
        d(2009, 7, 1),
        d(2012, 6, 30),
        area_m2=Decimal("80"),
    ),
    SupportSpec(
        "bj-dongcheng-committee",
        ZHUREN,
        SupportKind.FUNDS,
        d(2009, 7, 1),
        amount_yuan=Decimal("100000"),
        note="启动资金",
    ),
    SupportSpec(
        UNIVERSITY,
        ZHUREN,
        SupportKind.GUIDANCE,
        d(2009, 6, 1),
        d(2012, 6, 30),
        source=SURVEY,
        note="专业督导，输送社会工作专业毕业生",
    ),
    SupportSpec(
        "bj-xicheng-committee",
        YUEQUN,
        SupportKind.FUNDS,
        d(2010, 1, 15),
        amount_yuan=Decimal("50000"),
        note="启动资金",
    ),
    SupportSpec(
        "bj-desheng-street",
        RENZHU,
        SupportKind.OFFICE_SPACE,
        d(2010, 3, 1),
        d(2013, 2, 28),
        area_m2=Decimal("60"),
    ),
    SupportSpec(
        "bj-donghuamen-street",
        "bj-2010-dongcheng",
        SupportKind.OFFICE_SPACE,
        d(2011, 1, 1),
        d(2013, 12, 31),
        area_m2=Decimal("45"),
    ),
    SupportSpec(
        "bj-chaoyang-committee",
        "bj-2010-chaoyang",
        SupportKind.FUNDS,
        d(2011, 3, 1),
        amount_yuan=Decimal("80000"),
        note="启动资金",
    ),
    SupportSpec(
        UNIVERSITY,
        "bj-2010-xuanwu",
        SupportKind.GUIDANCE,
        d(2010, 9, 1),
        d(2012, 8, 31),
        note="校地合作：专业督导",
    ),
)

_Y, _M, _D = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY
END_2010, END_2011, LATE_2012 = d(2010, 12, 31), d(2011, 12, 31), d(2012, 11, 30)

FIGURES = (
    FigureSpec(
        BEIJING,
        Metric.ORGANIZATIONS,
        Decimal(17),
        END_2010,
        _D,
        Kind.AGENCY,
        note="城六区及昌平、顺义",
    ),
    FigureSpec(
        BEIJING,
        Metric.DISTRICTS_COVERED,
        Decimal(8),
        END_2010,
        _D,
        Kind.AGENCY,
        note="城六区及昌平、顺义",
    ),
    FigureSpec(BEIJING, Metric.ORGANIZATIONS, Decimal(39), END_2011, _Y, Kind.AGENCY),
    FigureSpec(
        BEIJING,
        Metric.ORGANIZATIONS,
        Decimal(50),
        LATE_2012,
        _M,
        Kind.AGENCY,
        note="含正在注册的机构（including those still registering）",
    ),
    FigureSpec(
        BEIJING,
        Metric.DISTRICTS_COVERED,
        Decimal(16),
        LATE_2012,
        _M,
        Kind.AGENCY,
        note="全市16个区县全覆盖",
    ),
    FigureSpec(
        SHANGHAI,
        Metric.ORGANIZATIONS,
        Decimal(115),
        LATE_2012,
        _Y,
        note="从事社会工作相关服务的社会组织",
    ),
    FigureSpec(
        SHANGHAI,
        Metric.ORGANIZATIONS,
        Decimal(51),
        LATE_2012,
        _Y,
        Kind.AGENCY,
        note="直接服务类专业社工机构",
    ),
    FigureSpec(
        SHANGHAI,
        Metric.ORGANIZATIONS,
        Decimal(13),
        LATE_2012,
        _Y,
        Kind.ASSOCIATION,
        note="市、区、街道三级协会",
    ),
    FigureSpec(SHANGHAI, Metric.ORGANIZATIONS, Decimal(1), LATE_2012, _Y, Kind.TRAINING),
    FigureSpec(
        SHANGHAI,
        Metric.ORGANIZATIONS,
        Decimal(1),
        LATE_2012,
        _Y,
        Kind.EVALUATION,
        note="研究评估机构",
    ),
    FigureSpec(
        BEIJING,
        Metric.CERTIFIED_WORKERS,
        Decimal(11723),
        LATE_2012,
        _Y,
        note="持社会工作师、助理社会工作师证书",
    ),
    FigureSpec(
        SHANGHAI, Metric.CERTIFIED_WORKERS, Decimal(14000), LATE_2012, _Y, qualifier="nearly"
    ),
    FigureSpec(
        BEIJING,
        Metric.UNIVERSITIES,
        Decimal(20),
        LATE_2012,
        _Y,
        qualifier="over",
        note="开设社会工作专业的高校",
    ),
    FigureSpec(
        BEIJING,
        Metric.GRADUATES_PER_YEAR,
        Decimal(1000),
        LATE_2012,
        _Y,
        qualifier="over",
        note="每年社会工作专业毕业生",
    ),
    FigureSpec(
        BEIJING,
        Metric.PROGRAMME_PLACEMENTS,
        Decimal(5000),
        d(2009, 12, 31),
        _Y,
        qualifier="over",
        note="大学生社工计划",
    ),
)

PLAN_2010 = "2010年北京市折子工程"
# Demo plans (not real documents) so the demo shows a coverage target met in 2012 and a
# target whose deadline is still ahead on the survey's dates.
PLAN_COVERAGE = "北京市社工事务所区县全覆盖工作方案（演示）"
PLAN_2015 = "北京市社工事务所发展目标（2011—2015，演示）"
# 城八区 as they were in 2010 (崇文 and 宣武 merged into 东城 and 西城 in July 2010) + 顺义 + 昌平.
PLAN_2010_SCOPE = (
    "110101",
    "110102",
    "110103",
    "110104",
    "110105",
    "110106",
    "110107",
    "110108",
    "110113",
    "110114",
)
DOCUMENTS = (
    DocumentSpec(title=PLAN_2010, region=BEIJING, issuer="北京市人民政府", issued_on=d(2010, 1, 1)),
    DocumentSpec(
        title=PLAN_COVERAGE, region=BEIJING, issuer="北京市民政局", issued_on=d(2011, 1, 1)
    ),
    DocumentSpec(title=PLAN_2015, region=BEIJING, issuer="北京市民政局", issued_on=d(2011, 1, 1)),
)
TARGETS = (
    TargetSpec(
        document=PLAN_2010,
        region=BEIJING,
        metric=Metric.ORGANIZATIONS,
        kind=Kind.AGENCY,
        value=Decimal(10),
        due_on=END_2010,
        description="2010年在城八区及顺义、昌平培育10家社工事务所",
        scope=PLAN_2010_SCOPE,
    ),
    TargetSpec(
        document=PLAN_COVERAGE,
        region=BEIJING,
        metric=Metric.DISTRICTS_COVERED,
        kind=Kind.AGENCY,
        value=Decimal(16),
        due_on=d(2012, 12, 31),
        description="2012年底前社工事务所覆盖全市16个区县",
    ),
    TargetSpec(
        document=PLAN_2015,
        region=BEIJING,
        metric=Metric.ORGANIZATIONS,
        kind=Kind.AGENCY,
        value=Decimal(100),
        due_on=d(2015, 12, 31),
        description="2015年底前全市社工事务所达到100家",
    ),
)

# Demo-only accounts: never use them on a real installation.
DEMO_ADMIN = "demo_admin"
DEMO_OFFICER = "demo_officer_xicheng"
DEMO_OFFICER_DIVISION = "110102"
DEMO_PASSWORD_ENV = "SHUNIU_DEMO_PASSWORD"  # noqa: S105 the name of a variable
DEMO_PASSWORD_DEFAULT = "shuniu-demo-2012"  # noqa: S105 demo-only accounts, documented
