from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.registry.models import Organization, OrganizationEvent, Support
from shuniu.registry.services import organization_event_add, support_record
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.web.test_directory_data import (
    EVENT_NOTE,
    SUPPORT_NOTE,
    ZHUREN_NAME,
    ZHUREN_USCC,
    element_text,
    factory_admin,
    list_items,
    main_html,
    make_zhuren_world,
)

SOURCE = "Source: 东城区民政局公告"


@pytest.fixture
def world(db):
    return make_zhuren_world()


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def page_url(org: Organization, **query: str) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/organizations/{org.pk}/{suffix}"


def test_profile(english, world):
    # given / when
    response = english.get(page_url(world["zhuren"]))
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert element_text(html, "org-name") == ZHUREN_NAME
    assert element_text(html, "org-name-en") == "Dongcheng Zhuren Social Work Agency"
    assert table_rows(html, "profile-table") == [
        ["Name", ZHUREN_NAME],
        ["English name", "Dongcheng Zhuren Social Work Agency"],
        ["Unified social credit code", ZHUREN_USCC],
        ["Kind", "Social-work agency"],
        ["Legal form", "Private non-enterprise unit / social service organization"],
        ["Registrar division", "Dongcheng District"],
        ["Address", "北京市东城区东四北大街107号"],
        ["Service fields", "Youth, Community building"],
        ["Formation", "University-local cooperation"],
        ["Source", "《公益时报》2012年调查：北京首家专业社工事务所"],
    ]


def test_association_level_is_shown_for_associations(english, world):
    # given / when
    html = english.get(page_url(world["association"])).content.decode()
    # then
    rows = table_rows(html, "profile-table")
    assert ["Association level", "District level"] in rows
    assert ["Kind", "Association"] in rows
    assert ["Legal form", "Social group"] in rows


def test_timeline_in_order_with_the_precision_of_each_date(english, world):
    # given 助人's six events, entered in a different order from the one they took effect
    # when
    html = english.get(page_url(world["zhuren"])).content.decode()
    # then month- and year-precision dates are written as a month or a year
    assert list_items(html, "timeline") == [
        f"June 2009 Founded {SOURCE}",
        f"June 2009 Registered {SOURCE}",
        f"2010 Joined hub Hub 东城区社会工作者协会 {SOURCE}",
        f"May 20, 2010 Annual inspection Inspection year 2009 Inspection result Passed {SOURCE}",
        f"March 15, 2011 Renamed New name {ZHUREN_NAME} Former name 东城助人社工事务所 {SOURCE}",
        f"December 2012 Evaluation grade Grade 4A Score 880 {SOURCE}",
    ]
    hub_url = f"/organizations/{world['association'].pk}/"
    assert f'<dd><a href="{hub_url}">东城区社会工作者协会</a></dd>' in html


def test_timeline_dates_in_chinese(client, world):
    # given / when
    html = client.get(page_url(world["zhuren"])).content.decode()
    # then
    assert [item.split(" ")[0] for item in list_items(html, "timeline")] == [
        "2009年6月",
        "2009年6月",
        "2010年",
        "2010年5月20日",
        "2011年3月15日",
        "2012年12月",
    ]
    assert '<time datetime="2009-06">2009年6月</time>' in html
    assert '<time datetime="2010">2010年</time>' in html
    assert '<time datetime="2010-05-20">2010年5月20日</time>' in html


@pytest.fixture
def deregistered(db):
    """An agency registered in 崇文区 in 2009 (东城区 from 2010-07-01), deregistered in 2013."""
    org = make_organization(
        name="崇文康乐社工事务所", division="110103", registered_on=dt.date(2009, 3, 1)
    )
    organization_event_add(
        actor=factory_admin(),
        organization=org,
        kind="deregistered",
        date=dt.date(2013, 6, 30),
        source="崇文区民政局",
    )
    return org


@pytest.mark.parametrize(
    ("as_of", "status", "district", "heading"),
    [
        (
            "2009-01-01",
            "Not in the registry on this date",
            "Chongwen District, Beijing",
            "Jan. 1, 2009",
        ),
        ("2009-12-31", "Registered", "Chongwen District, Beijing", "Dec. 31, 2009"),
        ("2012-12-31", "Registered", "Dongcheng District, Beijing", "Dec. 31, 2012"),
        ("2013-06-30", "Deregistered", "Dongcheng District, Beijing", "June 30, 2013"),
    ],
)
def test_status_as_of_a_date(english, deregistered, as_of, status, district, heading):
    # given / when
    response = english.get(page_url(deregistered, as_of=as_of))
    html = response.content.decode()
    # then
    assert response.status_code == 200
    assert element_text(html, "status-heading") == f"On {heading}"
    assert element_text(html, "status-value") == status
    assert element_text(html, "district-value") == district
    assert f'value="{as_of}"' in html


def test_status_defaults_to_today(english, deregistered):
    # given / when no date is asked for
    response = english.get(page_url(deregistered))
    # then today's state, and the picker shows today
    assert response.context["as_of"] == timezone.localdate()
    assert element_text(response.content.decode(), "status-value") == "Deregistered"
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()


def test_hub_and_members(english, world):
    # given 助人 and 启明 are led by the 东城区 association
    # when
    association = english.get(page_url(world["association"])).content.decode()
    zhuren = english.get(page_url(world["zhuren"])).content.decode()
    # then the association lists its members with their status, each a link
    assert list_items(association, "members") == [
        f"{ZHUREN_NAME} (Registered)",
        "东城区启明社工事务所 (Registered)",
    ]
    assert f'<a href="/organizations/{world["qiming"].pk}/">东城区启明社工事务所</a>' in association
    assert element_text(association, "hub") == "None recorded"
    # and the member names its hub
    assert element_text(zhuren, "hub") == "东城区社会工作者协会"
    assert f'<p id="hub"><a href="/organizations/{world["association"].pk}/">' in zhuren
    assert element_text(zhuren, "members") == "None recorded"


def test_sponsors_both_ways(english, world):
    # given 北京青年政治学院 sponsors 助人 / when
    zhuren = english.get(page_url(world["zhuren"])).content.decode()
    university = english.get(page_url(world["university"])).content.decode()
    # then
    assert list_items(zhuren, "sponsors") == ["北京青年政治学院"]
    assert element_text(zhuren, "sponsored") == "None recorded"
    assert list_items(university, "sponsored") == [ZHUREN_NAME]
    assert f'<li><a href="/organizations/{world["zhuren"].pk}/">{ZHUREN_NAME}</a></li>' in (
        university
    )


def test_support_received_and_given(english, world):
    # given / when
    zhuren = english.get(page_url(world["zhuren"])).content.decode()
    committee = english.get(page_url(world["committee"])).content.decode()
    # then
    header = ["Kind of support", "Amount", "Area", "Term", "Policy document", "Source"]
    assert table_rows(zhuren, "support-received") == [
        ["Giver", *header],
        [
            "东城区社会工作委员会",
            "Office space",
            "",
            "80 m²",
            "June 1, 2009 – May 31, 2012",
            "东社工委发〔2009〕3号",
            "东城区社工委年报",
        ],
        [
            "东城区社会工作委员会",
            "Funds",
            "¥100,000",
            "",
            "from Jan. 1, 2010",
            "",
            "东城区社工委年报",
        ],
    ]
    assert table_rows(zhuren, "support-given") == [
        ["Receiver", *header],
        [
            "东城区启明社工事务所",
            "Professional guidance",
            "",
            "",
            "Jan. 1, 2011 – Dec. 31, 2011",
            "",
            "",
        ],
    ]
    assert table_rows(committee, "support-given")[1][0] == ZHUREN_NAME
    assert element_text(committee, "support-received") == "None recorded"


def test_unknown_organization_is_404(client, db):
    # given / when
    response = client.get("/organizations/999999/")
    # then
    assert response.status_code == 404


def test_bad_date_is_a_400_naming_the_field(english, world):
    # given / when
    response = english.get(page_url(world["zhuren"], as_of="2012-02-30"))
    html = response.content.decode()
    # then the message names the field, and the page still shows today's state
    assert response.status_code == 400
    assert element_text(html, "query-errors").startswith(
        "The query could not be answered: "
        "As of: Not a date: write it as YYYY-MM-DD, for example 2010-12-31."
    )
    assert 'aria-invalid="true"' in html
    assert element_text(html, "status-value") == "Registered"


def test_bad_date_in_chinese(client, world):
    # given / when
    response = client.get(page_url(world["zhuren"], as_of="yesterday"))
    # then
    assert response.status_code == 400
    text = element_text(response.content.decode(), "query-errors")
    assert "截至日期" in text
    assert "不是日期：请写成 YYYY-MM-DD，例如 2010-12-31。" in text


def test_post_is_refused_and_changes_nothing(client, world):
    # given
    org = world["zhuren"]
    # when
    response = client.post(page_url(org), {"name": "改名"})
    # then
    assert response.status_code == 405
    org.refresh_from_db()
    assert org.name == ZHUREN_NAME


def test_stored_script_in_a_name_is_shown_as_text(client, db):
    # given
    org = make_organization(name='<script>alert("x")</script>东城', name_en="<i>x</i>")
    # when
    html = client.get(page_url(org)).content.decode()
    # then in the title, the heading, the breadcrumb and the profile
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;东城"
    assert f"<title>{escaped} · 枢纽 Shuniu</title>" in html
    assert html.count(escaped) == 4
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    assert "<script>alert" not in html
    assert "<i>x</i>" not in html


RECORD_LINKS = re.compile(r"<nav [^>]*id=\"record-links\".*?</nav>", re.S)


@pytest.fixture
def zhuren_staff(world, django_user_model):
    user = django_user_model.objects.create_user("zhuren_staff", password="pw-staff-123!")
    RoleAssignment.objects.create(user=user, role=Role.AGENCY_STAFF, organization=world["zhuren"])
    return user


@pytest.mark.parametrize(
    "who", ["anonymous", "agency_staff", "other_district_officer", "district_officer", "admin"]
)
def test_everyone_sees_the_same_public_page(
    client, world, zhuren_staff, make_officer, admin_user, who
):
    # given the page as the public sees it
    url = page_url(world["zhuren"], as_of="2012-12-31")
    public = main_html(client.get(url).content.decode())
    users = {
        "anonymous": None,
        "agency_staff": zhuren_staff,
        "other_district_officer": make_officer("xc", "110102"),
        "district_officer": make_officer("dc", "110101"),
        "admin": admin_user,
    }
    # when a user of each role looks
    if users[who] is not None:
        client.force_login(users[who])
    response = client.get(url)
    # then the same page, but for the links to edit the record and read its history, which
    # only the officer of its district and the administrator get
    assert response.status_code == 200
    html = main_html(response.content.decode())
    links = re.findall(r'<a [^>]*href="(/workspace/[^"]*)"[^>]*id="(edit|history)-link"', html)
    pk = world["zhuren"].pk
    if who in ("district_officer", "admin"):
        assert links == [
            (f"/workspace/organizations/{pk}/edit/", "edit"),
            (f"/workspace/organizations/{pk}/history/", "history"),
        ]
    else:
        assert links == []
    assert " ".join(RECORD_LINKS.sub("", html).split()) == " ".join(public.split())
    # and the officers' notes on events and support appear to no one
    assert EVENT_NOTE not in html
    assert SUPPORT_NOTE not in html
    assert "version" not in html


def test_query_count_does_not_grow_with_history_members_or_support(client, world):
    # given the association's page as built
    association = world["association"]
    actor = factory_admin()

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page_url(association))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    # when it gains five events, three members, three sponsored bodies and support both ways
    for year in range(2011, 2016):
        organization_event_add(
            actor=actor,
            organization=association,
            kind="annual_inspection",
            date=dt.date(year, 5, 1),
            source="test",
            inspection_year=year - 1,
            inspection_result="passed",
        )
    for n in range(3):
        member = make_organization(name=f"新成员{n}", hub=association, sponsors=[association])
        support_record(
            actor=actor,
            giver=association,
            receiver=member,
            kind="funds",
            amount_yuan=Decimal(1000 * (n + 1)),
            starts_on=dt.date(2012, 1, 1),
        )
        support_record(
            actor=actor,
            giver=member,
            receiver=association,
            kind="training",
            starts_on=dt.date(2013, 1, 1),
        )
    assert OrganizationEvent.objects.filter(organization=association).count() == 6
    assert Support.objects.filter(giver=association).count() == 3
    after = queries()
    # then divisions, the organization, its service fields, sponsors, events, periods,
    # members, sponsored bodies, support received and support given: ten queries either way
    assert before == after == 10
