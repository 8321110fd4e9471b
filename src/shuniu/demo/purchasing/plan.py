"""What the demo buys: Shenzhen's first posts (2007) and Beijing's district purchases and
post pilot (2010–2012), as plain values with their sources.

The buyers and suppliers are organizations of the registry demo (``dataset`` keys and the
generator's keys) and a few added here: the buyers the survey names that the registry demo
lacks (government units, which carry no lifecycle and so count in no registry figure) and two
evaluation institutions (invented, ``synthetic``). People filling posts are the workforce
demo's certified people, chosen by rule (certificate registered in the city, of the required
level, issued on or before the assignment starts) in certificate-number order.

The survey gives the facts marked ``SOURCE`` (who bought what, when, from whom); amounts,
deliverables, reports and scores are invented and the purchases are all ``synthetic``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shuniu.demo import dataset as ds
from shuniu.procurement.models import Kind, Method, OutputKind, Stage, Status
from shuniu.registry import codes
from shuniu.registry.models import Grade, LegalForm
from shuniu.registry.models import Kind as OrgKind
from shuniu.workforce.models import Level

d = dt.date
D = Decimal

SOURCE = ds.SURVEY
SYNTHETIC_SOURCE = "演示数据（虚构采购，金额、产出与评分为示意）"
SHENZHEN_SOURCE = (
    ds.SURVEY + "：2007年7月深圳市民政局向深圳市鹏星社会工作服务社购买首批31个社工岗位"
    "（金额与产出为示意）"
)
PILOT_SOURCE = ds.SURVEY + "：2010年北京市开展购买社会工作岗位试点（承接机构与金额为示意）"
BEIJING_SOURCE = ds.SURVEY + "：2010年起北京各区购买社会工作服务（项目、金额与产出为示意）"

# Serials of the invented institutions' credit codes (apart from the generator's and the
# universities' blocks).
EVALUATOR_SERIAL_BLOCK = 1_180_000

# Added organizations (keys of this plan).
SZ_CIVIL_AFFAIRS = "sz-civil-affairs"
BJ_COMMITTEE = "bj-city-committee"
BJ_EVALUATOR = "bj-evaluator"
SZ_EVALUATOR = "sz-evaluator"

# Demo accounts for the supplier's and the evaluator's steps (the services let nobody else
# submit a report or score an evaluation): one account per role, acting for each organization
# it is paired with (two password hashes rather than six: argon2 is the slow part of a load).
STAFF_ACCOUNTS = tuple(
    ("demo_staff", key) for key in (ds.PENGXING, ds.YUEQUN, "bj-2010-dongcheng", ds.ZHUREN)
)
EVALUATOR_ACCOUNTS = (("demo_evaluator", BJ_EVALUATOR), ("demo_evaluator", SZ_EVALUATOR))


@dataclass(frozen=True)
class NewOrganization:
    key: str
    name: str
    kind: str
    division: str
    legal_form: str
    source: str
    synthetic: bool
    registered_on: dt.date | None = None  # None: no lifecycle (a government unit)
    uscc: str | None = None  # invented ones get a generated (synthetic) credit code
    address: str = ""
    service_fields: tuple[str, ...] = ()


ORGANIZATIONS = (
    NewOrganization(
        SZ_CIVIL_AFFAIRS,
        "深圳市民政局",
        OrgKind.GOVERNMENT,
        ds.SHENZHEN,
        LegalForm.GOVERNMENT,
        SHENZHEN_SOURCE,
        False,
    ),
    NewOrganization(
        BJ_COMMITTEE,
        "北京市社会工作委员会",
        OrgKind.GOVERNMENT,
        ds.BEIJING,
        LegalForm.GOVERNMENT,
        PILOT_SOURCE,
        False,
    ),
    NewOrganization(
        BJ_EVALUATOR,
        "北京市博衡社会工作评估中心",
        OrgKind.EVALUATION,
        "110108",
        LegalForm.SOCIAL_SERVICE,
        "演示数据（虚构第三方评估机构）",
        True,
        d(2008, 9, 10),
        codes.generate_uscc(category="2", division="110108", serial=EVALUATOR_SERIAL_BLOCK + 1),
        "北京市海淀区博衡路18号",
        ("community_building", "elderly", "youth"),
    ),
    NewOrganization(
        SZ_EVALUATOR,
        "深圳市衡鉴社会服务评估中心",
        OrgKind.EVALUATION,
        ds.SHENZHEN,
        LegalForm.SOCIAL_SERVICE,
        "演示数据（虚构第三方评估机构）",
        True,
        d(2007, 3, 1),
        codes.generate_uscc(category="2", division=ds.SHENZHEN, serial=EVALUATOR_SERIAL_BLOCK + 2),
        "深圳市福田区衡鉴路8号",
        ("community_building", "elderly"),
    ),
)


@dataclass(frozen=True)
class DeliverablePlan:
    kind: str
    description: str
    planned: Decimal | None
    due_on: dt.date


@dataclass(frozen=True)
class ContractPlan:
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    amount: Decimal
    number: str
    deliverables: tuple[DeliverablePlan, ...]
    payments: tuple[tuple[Decimal, int], ...]  # (amount, deliverable position)


@dataclass(frozen=True)
class PostPlan:
    title: str
    count: int
    level: int
    monthly_salary: Decimal
    city: str  # people whose certificate is registered in this city fill them
    filled: int  # how many of the posts the demo fills, from the contract's start


@dataclass(frozen=True)
class ReportPlan:
    period: tuple[dt.date, dt.date]
    submitted_on: dt.date
    lines: tuple[tuple[int, Decimal | None, str], ...]  # (deliverable position, actual, text)
    decided_on: dt.date
    accept: bool = True
    comment: str = ""


@dataclass(frozen=True)
class EvaluationPlan:
    evaluator: str
    assigned_on: dt.date
    scores: dict[str, Decimal]  # the leaves scored by hand (outputs come from the reports)
    completed_on: dt.date
    summary: str
    stage: str = Stage.FINAL


@dataclass(frozen=True)
class PurchasePlan:
    key: str
    buyer: str
    region: str
    kind: str
    title: str
    title_en: str
    method: str
    budget: Decimal
    planned_on: dt.date
    tendering_on: dt.date | None
    source: str
    award: tuple[str, Decimal, dt.date]  # (supplier, amount, awarded on)
    service_fields: tuple[str, ...] = ()
    rules: tuple[dict[str, str], ...] | None = None  # None: the default rules
    bids: tuple[tuple[str, Decimal], ...] = ()
    # Awards the buyer tries first and the service refuses (kept as refused attempts).
    refused: tuple[tuple[str, dt.date], ...] = ()
    override_reason: str = ""
    contract: ContractPlan | None = None
    posts: tuple[PostPlan, ...] = ()
    reports: tuple[ReportPlan, ...] = ()
    paid: tuple[tuple[int, dt.date], ...] = ()  # (payment position, paid on)
    evaluation: EvaluationPlan | None = None
    closed: tuple[str, dt.date] | None = None  # (completed | terminated, date)
    synthetic: bool = True


def _scores(
    completion: str, outcomes: str, satisfaction: str, process: str, staff: str, finance: str
) -> dict[str, Decimal]:
    return {
        "completion": D(completion),
        "outcomes": D(outcomes),
        "satisfaction": D(satisfaction),
        "management-process": D(process),
        "management-staff": D(staff),
        "finance": D(finance),
    }


PEOPLE, SESSIONS, HOURS, OUTCOME = (
    OutputKind.PEOPLE_SERVED,
    OutputKind.SESSIONS,
    OutputKind.SERVICE_HOURS,
    OutputKind.OUTCOME,
)

PURCHASES: tuple[PurchasePlan, ...] = (
    # Shenzhen, July 2007: the first 31 posts, single source (no other agency was registered
    # yet), a one-year term. Nobody held a national certificate before the first exam
    # (2008, issued from October), so the 2007 posts are funded but none can be filled under
    # the certificate rule: they are filled in the renewal below.
    PurchasePlan(
        key="sz-2007-posts",
        buyer=SZ_CIVIL_AFFAIRS,
        region=ds.SHENZHEN,
        kind=Kind.POST,
        title="深圳市民政局购买社会工作岗位（首批31个）",
        title_en="Shenzhen Civil Affairs Bureau: the first 31 social-work posts",
        method=Method.SINGLE_SOURCE,
        budget=D("1860000.00"),
        planned_on=d(2007, 6, 1),
        tendering_on=d(2007, 6, 20),
        source=SHENZHEN_SOURCE,
        award=(ds.PENGXING, D("1860000.00"), d(2007, 7, 10)),
        service_fields=("community_building", "elderly"),
        contract=ContractPlan(
            signed_on=d(2007, 7, 20),
            starts_on=d(2007, 8, 1),
            ends_on=d(2008, 7, 31),
            amount=D("1860000.00"),
            number="SZMZ-2007-GW-001",
            deliverables=(
                DeliverablePlan(HOURS, "上半年社工服务时数", D(24000), d(2008, 1, 31)),
                DeliverablePlan(HOURS, "下半年社工服务时数", D(24000), d(2008, 7, 31)),
            ),
            payments=((D("930000.00"), 0), (D("930000.00"), 1)),
        ),
        posts=(PostPlan("社区社会工作者", 31, Level.JUNIOR, D("5000.00"), ds.SHENZHEN, 0),),
        reports=(
            ReportPlan(
                (d(2007, 8, 1), d(2008, 1, 31)),
                d(2008, 2, 5),
                ((0, D(25100), "驻点社区、养老院开展个案与小组服务"),),
                d(2008, 2, 20),
            ),
            ReportPlan(
                (d(2008, 2, 1), d(2008, 7, 31)),
                d(2008, 8, 5),
                ((1, D(23500), "社区活动与个案跟进"),),
                d(2008, 8, 15),
            ),
        ),
        paid=((0, d(2008, 2, 28)), (1, d(2008, 8, 25))),
        evaluation=EvaluationPlan(
            SZ_EVALUATOR,
            d(2008, 7, 1),
            _scores("9", "16", "13", "7", "6", "8"),
            d(2008, 9, 10),
            "岗位全部到位，服务时数达标；督导体系尚待完善。",
        ),
        closed=(Status.COMPLETED, d(2008, 9, 30)),
    ),
    # Shenzhen, the second year: the same 31 posts, filled by people certified in 2008.
    PurchasePlan(
        key="sz-2008-posts",
        buyer=SZ_CIVIL_AFFAIRS,
        region=ds.SHENZHEN,
        kind=Kind.POST,
        title="深圳市民政局购买社会工作岗位（续购31个）",
        title_en="Shenzhen Civil Affairs Bureau: the 31 posts, second year",
        method=Method.SINGLE_SOURCE,
        budget=D("1860000.00"),
        planned_on=d(2008, 10, 10),
        tendering_on=d(2008, 10, 20),
        source=SYNTHETIC_SOURCE,
        award=(ds.PENGXING, D("1860000.00"), d(2008, 11, 10)),
        service_fields=("community_building", "elderly"),
        contract=ContractPlan(
            signed_on=d(2008, 11, 20),
            starts_on=d(2008, 12, 1),
            ends_on=d(2009, 11, 30),
            amount=D("1860000.00"),
            number="SZMZ-2008-GW-002",
            deliverables=(DeliverablePlan(HOURS, "全年社工服务时数", D(48000), d(2009, 11, 30)),),
            payments=((D("1860000.00"), 0),),
        ),
        posts=(PostPlan("社区社会工作者", 31, Level.JUNIOR, D("5000.00"), ds.SHENZHEN, 31),),
    ),
    # Beijing, Xicheng 2010: a full service cycle, graded good.
    PurchasePlan(
        key="bj-xicheng-2010-elderly",
        buyer="bj-xicheng-committee",
        region="110102",
        kind=Kind.SERVICE,
        title="西城区社区居家养老社会工作服务项目",
        title_en="Xicheng: home-based elderly care social work",
        method=Method.OPEN,
        budget=D("500000.00"),
        planned_on=d(2010, 3, 1),
        tendering_on=d(2010, 3, 20),
        source=BEIJING_SOURCE,
        service_fields=("elderly",),
        bids=((ds.YUEQUN, D("480000.00")), (ds.RENZHU, D("495000.00"))),
        award=(ds.YUEQUN, D("480000.00"), d(2010, 4, 15)),
        contract=ContractPlan(
            signed_on=d(2010, 4, 25),
            starts_on=d(2010, 5, 1),
            ends_on=d(2011, 4, 30),
            amount=D("480000.00"),
            number="XCSGW-2010-003",
            deliverables=(
                DeliverablePlan(PEOPLE, "服务社区老人", D(300), d(2010, 10, 31)),
                DeliverablePlan(SESSIONS, "小组与社区活动", D(120), d(2011, 4, 30)),
            ),
            payments=((D("192000.00"), 0), (D("288000.00"), 1)),
        ),
        reports=(
            ReportPlan(
                (d(2010, 5, 1), d(2010, 10, 31)),
                d(2010, 11, 5),
                ((0, D(312), "建立老人档案，开展入户探访"),),
                d(2010, 11, 20),
            ),
            ReportPlan(
                (d(2010, 11, 1), d(2011, 4, 30)),
                d(2011, 5, 6),
                ((1, D(104), "开展健康讲座与互助小组"),),
                d(2011, 5, 20),
            ),
        ),
        paid=((0, d(2010, 11, 30)), (1, d(2011, 5, 31))),
        evaluation=EvaluationPlan(
            BJ_EVALUATOR,
            d(2011, 4, 1),
            _scores("9", "16", "13", "7", "6", "9"),
            d(2011, 6, 10),
            "服务对象覆盖达标，活动场次略少于计划。",
        ),
        closed=(Status.COMPLETED, d(2011, 6, 30)),
    ),
    # Beijing, Dongcheng 2010: delivered far short of plan, graded fail.
    PurchasePlan(
        key="bj-dongcheng-2010-correction",
        buyer="bj-dongcheng-committee",
        region="110101",
        kind=Kind.SERVICE,
        title="东城区社区矫正社会工作服务项目",
        title_en="Dongcheng: community correction social work",
        method=Method.NEGOTIATION,
        budget=D("300000.00"),
        planned_on=d(2010, 9, 1),
        tendering_on=d(2010, 9, 20),
        source=BEIJING_SOURCE,
        service_fields=("community_correction",),
        award=("bj-2010-dongcheng", D("300000.00"), d(2010, 10, 20)),
        contract=ContractPlan(
            signed_on=d(2010, 10, 28),
            starts_on=d(2010, 11, 1),
            ends_on=d(2011, 10, 31),
            amount=D("300000.00"),
            number="DCSGW-2010-011",
            deliverables=(
                DeliverablePlan(PEOPLE, "社区服刑人员个案服务", D(80), d(2011, 4, 30)),
                DeliverablePlan(SESSIONS, "矫正教育小组活动", D(60), d(2011, 10, 31)),
            ),
            payments=((D("120000.00"), 0), (D("180000.00"), 1)),
        ),
        reports=(
            ReportPlan(
                (d(2010, 11, 1), d(2011, 4, 30)),
                d(2011, 5, 10),
                ((0, D(41), "个案服务，人员流失较多"),),
                d(2011, 5, 25),
            ),
            ReportPlan(
                (d(2011, 5, 1), d(2011, 10, 31)),
                d(2011, 11, 5),
                ((1, D(22), "小组活动开展不足"),),
                d(2011, 11, 12),
            ),
        ),
        paid=((0, d(2011, 6, 10)), (1, d(2011, 11, 15))),
        evaluation=EvaluationPlan(
            BJ_EVALUATOR,
            d(2011, 10, 15),
            _scores("4", "8", "7", "3", "3", "5"),
            d(2011, 11, 20),
            "产出不足计划六成，档案与督导缺失，评为不合格。",
        ),
        closed=(Status.COMPLETED, d(2011, 11, 30)),
    ),
    # Beijing, the 2010 post pilot: 20 posts bought by the city's social work committee.
    PurchasePlan(
        key="bj-2010-post-pilot",
        buyer=BJ_COMMITTEE,
        region=ds.BEIJING,
        kind=Kind.POST,
        title="北京市购买社会工作岗位试点",
        title_en="Beijing pilot purchase of social-work posts",
        method=Method.INVITED,
        budget=D("960000.00"),
        planned_on=d(2010, 6, 1),
        tendering_on=d(2010, 7, 1),
        source=PILOT_SOURCE,
        award=(ds.ZHUREN, D("960000.00"), d(2010, 8, 20)),
        contract=ContractPlan(
            signed_on=d(2010, 9, 1),
            starts_on=d(2010, 10, 1),
            ends_on=d(2011, 9, 30),
            amount=D("960000.00"),
            number="BJSGW-2010-GW-01",
            deliverables=(
                DeliverablePlan(HOURS, "岗位社工服务时数", D(32000), d(2011, 9, 30)),
                DeliverablePlan(OUTCOME, "试点经验总结报告", None, d(2011, 9, 30)),
            ),
            payments=((D("480000.00"), 0), (D("480000.00"), 1)),
        ),
        posts=(PostPlan("社区社会工作者", 20, Level.JUNIOR, D("4000.00"), ds.BEIJING, 20),),
        reports=(
            ReportPlan(
                (d(2010, 10, 1), d(2011, 9, 30)),
                d(2011, 10, 8),
                (
                    (0, D(33100), "20个岗位全年在岗"),
                    (1, None, "形成岗位设置、薪酬与督导的试点经验"),
                ),
                d(2011, 10, 20),
            ),
        ),
        paid=((0, d(2011, 10, 31)), (1, d(2011, 10, 31))),
    ),
    # Beijing, Chaoyang 2011: the committee asks for a 3A grade nobody had yet, and
    # overrides the rule with a written reason.
    PurchasePlan(
        key="bj-chaoyang-2011-disability",
        buyer="bj-chaoyang-committee",
        region="110105",
        kind=Kind.SERVICE,
        title="朝阳区残疾人康复社会工作服务项目",
        title_en="Chaoyang: disability rehabilitation social work",
        method=Method.CONSULTATION,
        budget=D("400000.00"),
        planned_on=d(2011, 3, 1),
        tendering_on=d(2011, 3, 15),
        source=BEIJING_SOURCE,
        service_fields=("disability",),
        rules=(
            {"code": "not_registered"},
            {"code": "inspection_failed"},
            {"code": "on_credit_list"},
            {"code": "grade_below_minimum", "grade": Grade.A3},
            {"code": "barred_by_evaluation"},
        ),
        award=("bj-2010-chaoyang", D("390000.00"), d(2011, 4, 20)),
        override_reason=(
            "本区专业社工机构均成立于2010年，尚未参加社会组织等级评估；"
            "经区社工委集体研究，同意在等级要求之外授予。"
        ),
        contract=ContractPlan(
            signed_on=d(2011, 5, 5),
            starts_on=d(2011, 5, 15),
            ends_on=d(2012, 5, 14),
            amount=D("390000.00"),
            number="CYSGW-2011-007",
            deliverables=(DeliverablePlan(PEOPLE, "残疾人康复个案", D(150), d(2012, 5, 14)),),
            payments=((D("390000.00"), 0),),
        ),
    ),
    # Beijing, Xicheng 2011 and 2012: the federation-led 益林.
    PurchasePlan(
        key="bj-xicheng-2011-community",
        buyer="bj-xicheng-committee",
        region="110102",
        kind=Kind.SERVICE,
        title="西城区社区建设社会工作服务项目",
        title_en="Xicheng: community-building social work",
        method=Method.OPEN,
        budget=D("350000.00"),
        planned_on=d(2011, 2, 15),
        tendering_on=d(2011, 3, 1),
        source=BEIJING_SOURCE,
        service_fields=("community_building",),
        bids=(("bj-2010-xicheng", D("340000.00")), (ds.MUYOU, D("350000.00"))),
        award=("bj-2010-xicheng", D("340000.00"), d(2011, 3, 30)),
        contract=ContractPlan(
            signed_on=d(2011, 4, 10),
            starts_on=d(2011, 4, 15),
            ends_on=d(2012, 4, 14),
            amount=D("340000.00"),
            number="XCSGW-2011-002",
            deliverables=(DeliverablePlan(SESSIONS, "社区议事与居民活动", D(100), d(2012, 4, 14)),),
            payments=((D("340000.00"), 0),),
        ),
    ),
    PurchasePlan(
        key="bj-xicheng-2012-family",
        buyer="bj-xicheng-committee",
        region="110102",
        kind=Kind.SERVICE,
        title="西城区家庭综合社会工作服务项目",
        title_en="Xicheng: integrated family social work",
        method=Method.OPEN,
        budget=D("450000.00"),
        planned_on=d(2012, 4, 1),
        tendering_on=d(2012, 5, 10),
        source=BEIJING_SOURCE,
        bids=(("bj-2010-xicheng", D("430000.00")), ("110000-1100017", D("445000.00"))),
        award=("bj-2010-xicheng", D("430000.00"), d(2012, 6, 15)),
        contract=ContractPlan(
            signed_on=d(2012, 6, 28),
            starts_on=d(2012, 7, 1),
            ends_on=d(2013, 6, 30),
            amount=D("430000.00"),
            number="XCSGW-2012-005",
            deliverables=(DeliverablePlan(PEOPLE, "服务家庭", D(200), d(2013, 6, 30)),),
            payments=((D("430000.00"), 0),),
        ),
    ),
    # Beijing, Dongcheng 2012: the supplier graded fail in November 2011 is refused (barred
    # by the evaluation, and without a 2011 inspection); another agency gets it.
    PurchasePlan(
        key="bj-dongcheng-2012-correction",
        buyer="bj-dongcheng-committee",
        region="110101",
        kind=Kind.SERVICE,
        title="东城区社区矫正社会工作服务项目（2012年度）",
        title_en="Dongcheng: community correction social work, 2012",
        method=Method.NEGOTIATION,
        budget=D("320000.00"),
        planned_on=d(2012, 2, 1),
        tendering_on=d(2012, 2, 20),
        source=BEIJING_SOURCE,
        refused=(("bj-2010-dongcheng", d(2012, 3, 10)),),
        award=("110000-1100014", D("310000.00"), d(2012, 3, 20)),
        contract=ContractPlan(
            signed_on=d(2012, 3, 30),
            starts_on=d(2012, 4, 1),
            ends_on=d(2013, 3, 31),
            amount=D("310000.00"),
            number="DCSGW-2012-004",
            deliverables=(DeliverablePlan(PEOPLE, "社区服刑人员个案服务", D(80), d(2013, 3, 31)),),
            payments=((D("310000.00"), 0),),
        ),
    ),
)
