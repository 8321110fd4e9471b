"""The demo dataset reproduces the 2012 survey's figures through the statistics selector.

The dataset is loaded once for the tests that read it, inside a transaction rolled back
afterwards, so other tests never see it (``demo`` in tests/demo/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.demo.dataset import SURVEY
from shuniu.demo.purchasing.plan import EVALUATOR_ACCOUNTS, STAFF_ACCOUNTS
from shuniu.demo.services import demo_dataset
from shuniu.registry import codes
from shuniu.registry.models import (
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    Support,
)
from shuniu.stats.selectors import organization_stats
from shuniu.targets.models import PublishedFigure, Target

d = dt.date
BEIJING, SHANGHAI, SHENZHEN = "110000", "310000", "440300"
END_2010, END_2011, LATE_2012 = d(2010, 12, 31), d(2011, 12, 31), d(2012, 11, 30)


@pytest.fixture
def loaded(demo, db):
    return demo.report


def agencies(region: str, on: dt.date, **kwargs):
    return organization_stats(region_code=region, as_of=on, kind="agency", **kwargs)


def covered(stats) -> dict[str, int]:
    return {row.code: row.count for row in stats.by_district if row.count}


def formations(stats) -> dict[str, int]:
    return {row.formation: row.count for row in stats.by_formation}


def org(name: str) -> Organization:
    return Organization.objects.get(name=name)


# ---------------------------------------------------------------------------------------
# Beijing
# ---------------------------------------------------------------------------------------


def test_beijing_end_2010_has_17_agencies_in_the_8_districts(loaded):
    # when
    stats = agencies(BEIJING, END_2010)
    # then: 城六区 + 昌平 + 顺义
    assert (stats.total, stats.districts_covered, stats.districts_total) == (17, 8, 16)
    assert set(covered(stats)) == {
        "110101",
        "110102",
        "110105",
        "110108",
        "110106",
        "110107",
        "110114",
        "110113",
    }
    assert stats.by_status["registering"] == 0


def test_chongwen_and_xuanwu_registrations_count_in_dongcheng_and_xicheng(loaded):
    # given agencies registered in 崇文 and 宣武 before the merger
    old = Organization.objects.filter(
        kind="agency", registrar_division__code__in=["110103", "110104"]
    )
    registered = sorted(o.registrar_division.code for o in old if o.registered_on < d(2010, 7, 1))
    # one each in 2010, and one 崇文 organization transformed into an agency in 2011
    assert registered == ["110103", "110103", "110104"]
    # when: the day before the merger, and at the end of 2010
    before = agencies(BEIJING, d(2010, 6, 30))
    after = agencies(BEIJING, END_2010)
    # then: counted in the old districts, later in their successors
    assert before.districts_total == 18
    assert covered(before)["110103"] == 1
    assert covered(before)["110104"] == 1
    assert "110103" not in {row.code for row in after.by_district}
    assert covered(after)["110101"] == 3  # 助人, one registered in 东城, one in 崇文
    assert covered(after)["110102"] == 5  # 悦群, 仁助, 睦友 and two more (one in 宣武)


def test_beijing_end_2011_has_39_agencies(loaded):
    stats = agencies(BEIJING, END_2011)
    assert (stats.total, stats.districts_covered) == (39, 12)


def test_beijing_late_2012_has_50_agencies_in_all_16_districts_including_registering(loaded):
    # when
    stats = agencies(BEIJING, LATE_2012)
    registered_only = agencies(BEIJING, LATE_2012, include_registering=False)
    # then
    assert stats.total == 50
    assert (stats.by_status["registered"], stats.by_status["registering"]) == (46, 4)
    assert (stats.districts_covered, stats.districts_total) == (16, 16)
    assert {"110228", "110229"} <= set(covered(stats))
    assert not {"110118", "110119"} & {row.code for row in stats.by_district}
    # the registering ones sit in districts that are covered anyway
    assert (registered_only.total, registered_only.districts_covered) == (46, 16)


def test_beijing_formation_paths_all_represented_university_local_most_common(loaded):
    for on in (END_2010, LATE_2012):
        counts = formations(agencies(BEIJING, on))
        assert set(counts) == {
            "transformation",
            "university_local",
            "association_led",
            "independent",
        }
        assert max(counts, key=lambda f: counts[f]) == "university_local"
    assert formations(agencies(BEIJING, LATE_2012)) == {
        "transformation": 7,
        "university_local": 29,
        "association_led": 6,
        "independent": 8,
    }


def test_beijing_2009_has_18_districts_and_no_agency_before_zhuren(loaded):
    assert agencies(BEIJING, d(2009, 12, 31)).districts_total == 18
    assert agencies(BEIJING, d(2009, 5, 31)).total == 0
    first = agencies(BEIJING, d(2009, 6, 30))
    assert (first.total, covered(first)) == (1, {"110101": 1})


# ---------------------------------------------------------------------------------------
# Named organizations
# ---------------------------------------------------------------------------------------


def test_zhuren_is_beijings_first_agency_founded_by_university_graduates(loaded):
    # when
    zhuren = org("东城区助人社工事务所")
    founded = zhuren.events.get(kind="founded")
    # then
    assert (zhuren.kind, zhuren.formation, zhuren.registrar_division.code) == (
        "agency",
        "university_local",
        "110101",
    )
    assert (zhuren.synthetic, zhuren.uscc) == (False, None)
    assert SURVEY in zhuren.source
    assert (founded.date, founded.date_precision) == (d(2009, 6, 1), "month")
    [sponsor] = zhuren.sponsors.all()
    assert (sponsor.name, sponsor.kind, sponsor.legal_form) == (
        "北京青年政治学院",
        "university",
        "public_institution",
    )


def test_xicheng_federation_leads_its_three_agencies(loaded):
    # given
    federation = org("西城区社会工作者联合会")
    # then
    assert (federation.kind, federation.association_level) == ("association", "district")
    assert (federation.founded_on, federation.registered_on) == (d(2008, 7, 1), d(2008, 7, 1))
    assert set(federation.events.values_list("date_precision", flat=True)) == {"month"}
    for word in ("悦群", "仁助", "睦友"):
        agency = org(f"西城区{word}社会工作事务所")
        assert (agency.hub, agency.formation, agency.registered_on.year) == (
            federation,
            "association_led",
            2009,
        )
        assert (agency.synthetic, agency.uscc) == (False, None)


def test_youth_centre_becomes_an_agency_in_july_2010(loaded):
    # given the survey's youth-education centre, registered 2006 as another kind
    centre = Organization.objects.get(source__contains="青少年教育中心")
    transformed = centre.events.get(kind="transformed")
    # then
    assert (centre.kind, centre.formation, centre.registered_on) == (
        "agency",
        "transformation",
        d(2006, 1, 1),
    )
    assert (transformed.kind_before, transformed.kind_after) == ("other", "agency")
    assert (transformed.date, transformed.date_precision) == (d(2010, 7, 1), "month")

    def kind_on(on: dt.date) -> str:
        period = OrganizationPeriod.objects.filter(organization=centre, start__lte=on).latest(
            "start"
        )
        return period.kind

    assert (kind_on(d(2010, 6, 30)), kind_on(END_2010)) == ("other", "agency")
    # and no transformed agency counts before July 2010
    assert "transformation" not in formations(agencies(BEIJING, d(2010, 6, 30)))
    assert formations(agencies(BEIJING, END_2010))["transformation"] == 2


def test_lequn_is_shanghais_first_agency(loaded):
    lequn = org("上海乐群社工服务社")
    assert (lequn.registrar_division.code, lequn.kind, lequn.registered_on) == (
        "310115",
        "agency",
        d(2003, 2, 1),
    )
    assert agencies(SHANGHAI, d(2003, 1, 31)).total == 0
    assert covered(agencies(SHANGHAI, d(2003, 3, 31))) == {"310115": 1}


def test_pengxing_is_an_independent_shenzhen_agency_of_2007(loaded):
    pengxing = org("深圳市鹏星社会工作服务社")
    assert (pengxing.kind, pengxing.formation, pengxing.registered_on.year) == (
        "agency",
        "independent",
        2007,
    )


# ---------------------------------------------------------------------------------------
# Shanghai and Shenzhen
# ---------------------------------------------------------------------------------------


def test_shanghai_2012_has_115_organizations_66_professional(loaded):
    # when
    stats = organization_stats(region_code=SHANGHAI, as_of=LATE_2012)
    # then
    assert stats.total == 115
    assert stats.by_kind == {
        "agency": 51,
        "association": 13,
        "training": 1,
        "evaluation": 1,
        "other": 49,
    }
    assert set(stats.by_association_level) == {"city", "district", "street"}
    assert sum(stats.by_association_level.values()) == 13


def test_shanghai_registrations_in_luwan_and_nanhui_before_their_mergers(loaded):
    luwan = Organization.objects.filter(registrar_division__code="310103")
    nanhui = Organization.objects.filter(registrar_division__code="310119")
    assert luwan.exists()
    assert nanhui.exists()
    assert all(o.registered_on < d(2011, 6, 8) for o in luwan)
    assert all(o.registered_on < d(2009, 5, 6) for o in nanhui)


def test_shenzhen_agencies_are_independent_from_2007_and_grow_every_year(loaded):
    assert agencies(SHENZHEN, d(2006, 12, 31)).total == 0
    totals = [agencies(SHENZHEN, d(year, 12, 31)).total for year in range(2007, 2013)]
    assert totals == sorted(set(totals))  # strictly growing
    assert totals[-1] == 30
    assert set(formations(agencies(SHENZHEN, d(2014, 12, 31)))) == {"independent"}


def test_no_deregistration_before_the_survey(loaded):
    dates = OrganizationEvent.objects.filter(kind="deregistered").values_list("date", flat=True)
    assert dates
    assert min(dates) > LATE_2012


# ---------------------------------------------------------------------------------------
# Synthetic organizations
# ---------------------------------------------------------------------------------------


def test_synthetic_organizations_have_valid_generated_credit_codes(loaded):
    # The demo workforce's invented universities are public institutions (tested there).
    synthetic = list(Organization.objects.filter(synthetic=True).exclude(kind="university"))
    assert len(synthetic) > 150
    for organization in synthetic:
        assert organization.uscc is not None
        assert codes.uscc_problems(organization.uscc, legal_form=organization.legal_form) == []
        assert codes.is_synthetic_uscc(organization.uscc)
        category = {"social_service": "2", "social_group": "1"}[organization.legal_form]
        assert organization.uscc[:2] == "5" + category
    assert not Organization.objects.filter(synthetic=False, uscc__isnull=False).exists()


def test_synthetic_names_never_reuse_the_surveys_names(loaded):
    names = Organization.objects.filter(synthetic=True).values_list("name", flat=True)
    assert len(set(names)) == len(names)
    for word in ("助人", "悦群", "仁助", "睦友", "乐群", "鹏星"):
        assert not [n for n in names if word in n]


def test_synthetic_organizations_have_events_addresses_and_fields(loaded):
    kinds = set(OrganizationEvent.objects.values_list("kind", flat=True))
    assert {
        "founded",
        "registration_applied",
        "registered",
        "annual_inspection",
        "graded",
        "transformed",
        "renamed",
    } <= kinds
    synthetic = Organization.objects.filter(synthetic=True).exclude(kind="university")
    assert not synthetic.filter(address="").exists()
    assert not synthetic.filter(service_fields__isnull=True).exists()


def test_dataset_is_deterministic(loaded):
    first, second = demo_dataset(), demo_dataset()
    assert [(o.name, o.uscc, o.events) for o in first.organizations] == [
        (o.name, o.uscc, o.events) for o in second.organizations
    ]


# ---------------------------------------------------------------------------------------
# Support, figures, target, accounts
# ---------------------------------------------------------------------------------------


def test_beijing_support_from_government_and_university(loaded):
    rows = list(Support.objects.select_related("giver", "receiver"))
    assert len(rows) == 8
    assert {r.giver.kind for r in rows} == {"government", "university"}
    assert {r.kind for r in rows} == {"office_space", "funds", "guidance"}
    for row in rows:
        assert row.receiver.registrar_division.code.startswith("1101")
        if row.kind == "office_space":
            assert row.area_m2 is not None
            assert row.ends_on is not None
        if row.kind == "funds":
            assert row.amount_yuan > 0
        if row.kind == "guidance":
            assert row.giver.name == "北京青年政治学院"
    committee = org("东城区社会工作委员会")
    assert (committee.kind, committee.legal_form) == ("government", "government")


@pytest.mark.parametrize(
    ("region", "metric", "kind", "as_of", "value"),
    [
        (BEIJING, "organizations", "agency", END_2010, 17),
        (BEIJING, "districts_covered", "agency", END_2010, 8),
        (BEIJING, "organizations", "agency", END_2011, 39),
        (BEIJING, "organizations", "agency", LATE_2012, 50),
        (BEIJING, "districts_covered", "agency", LATE_2012, 16),
        (SHANGHAI, "organizations", "", LATE_2012, 115),
        (SHANGHAI, "organizations", "agency", LATE_2012, 51),
        (SHANGHAI, "organizations", "association", LATE_2012, 13),
    ],
)
def test_published_figures_equal_computed_ones(loaded, region, metric, kind, as_of, value):
    # given the published figure
    figure = PublishedFigure.objects.get(region__code=region, metric=metric, kind=kind, as_of=as_of)
    # when computed from the records
    stats = organization_stats(region_code=region, as_of=as_of, kind=kind or None)
    computed = stats.total if metric == "organizations" else stats.districts_covered
    # then
    assert figure.value == Decimal(value)
    assert computed == value
    assert figure.source == SURVEY


def test_published_figures_keep_their_qualifiers(loaded):
    rows = {
        (f.region.code, f.metric): (f.value, f.qualifier, f.as_of)
        for f in PublishedFigure.objects.filter(kind="").select_related("region")
        if f.metric != "organizations"
    }
    assert rows == {
        (BEIJING, "certified_workers"): (Decimal(11723), "", LATE_2012),
        (SHANGHAI, "certified_workers"): (Decimal(14000), "nearly", LATE_2012),
        (BEIJING, "universities"): (Decimal(20), "over", LATE_2012),
        (BEIJING, "graduates_per_year"): (Decimal(1000), "over", LATE_2012),
        (BEIJING, "programme_placements"): (Decimal(5000), "over", d(2009, 12, 31)),
    }
    note = PublishedFigure.objects.get(region__code=BEIJING, as_of=LATE_2012, value=50).note
    assert "including those still registering" in note


def test_target_of_the_2010_plan(loaded):
    assert (
        Target.objects.count() == 3
    )  # with the two demo plans of tests/demo/test_targets_progress
    target = Target.objects.select_related("document", "region").get(
        document__title="2010年北京市折子工程"
    )
    assert (target.region.code, target.metric, target.kind, target.value, target.due_on) == (
        BEIJING,
        "organizations",
        "agency",
        Decimal(10),
        END_2010,
    )
    assert target.document.title == "2010年北京市折子工程"
    assert "城八区" in target.description


def test_demo_accounts(loaded):
    User = get_user_model()
    admin = User.objects.get(username="demo_admin")
    officer = User.objects.get(username="demo_officer_xicheng")
    assert admin.is_superuser
    assert not officer.is_superuser
    assert admin.check_password("shuniu-demo-2012")
    assert list(
        RoleAssignment.objects.filter(user=officer).values_list("role", "division__code")
    ) == [(Role.OFFICER, "110102")]


def test_everything_is_audited_as_the_demo_command(loaded):
    registered = AuditRecord.objects.filter(action="organization.register")
    assert registered.count() == Organization.objects.count()
    # The supplier's reports and the evaluator's scores are by the demo's accounts of the
    # supplier and of the evaluation institution (the services let nobody else take them).
    accounts = {username for username, _key in (*STAFF_ACCOUNTS, *EVALUATOR_ACCOUNTS)}
    by_accounts = AuditRecord.objects.filter(actor_label__in=accounts)
    assert set(by_accounts.values_list("action", flat=True)) == {
        "service_report.submit",
        "evaluation.score",
        "evaluation.complete",
    }
    labels = set(AuditRecord.objects.values_list("actor_label", flat=True)) - accounts
    assert len(labels) == 1
    assert labels.pop().endswith("(demo load)")
    assert AuditRecord.objects.filter(action="organization_event.add").count() == (
        OrganizationEvent.objects.count()
    )


def test_summary_goes_to_stderr(loaded):
    assert "212" in loaded


# ---------------------------------------------------------------------------------------
# Idempotence
# ---------------------------------------------------------------------------------------


def test_second_load_creates_nothing(loaded):
    # given
    models = (Organization, OrganizationEvent, AuditRecord, Support, PublishedFigure, Target)
    before = [m.objects.count() for m in models]
    out = io.StringIO()
    # when
    call_command("demo", "load", "--format", "json", stdout=out, stderr=io.StringIO())
    # then
    assert [m.objects.count() for m in models] == before
    summary = json.loads(out.getvalue())
    assert summary["organizations"] == {"created": 0, "updated": 0, "unchanged": 212}
    assert sum(t["created"] + t["updated"] for k, t in summary.items() if k != "seconds") == 0


def test_load_keeps_an_existing_demo_password(loaded):
    # given an operator changed the demo admin's password
    admin = get_user_model().objects.get(username="demo_admin")
    admin.set_password("changed-by-operator-1")
    admin.save()
    # when
    call_command("demo", "load", stderr=io.StringIO())
    # then
    admin.refresh_from_db()
    assert admin.check_password("changed-by-operator-1")


def test_load_restores_a_missing_event(loaded):
    # given an event of a synthetic organization was removed
    event = OrganizationEvent.objects.filter(kind="annual_inspection").first()
    key = (event.organization_id, event.kind, event.date)
    event.delete()
    # when
    out = io.StringIO()
    call_command("demo", "load", "--format", "json", stdout=out, stderr=io.StringIO())
    # then only that event is written again
    assert json.loads(out.getvalue())["events"]["created"] == 1
    assert OrganizationEvent.objects.filter(
        organization_id=key[0], kind=key[1], date=key[2]
    ).exists()
