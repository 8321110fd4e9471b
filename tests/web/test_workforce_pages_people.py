"""The people pages: who may open them (anonymous, an evaluator, agency staff of the person's
organization and of another, an officer of another district and of this one, an
administrator), masked ID numbers everywhere, the full number only after an audited POST by
the roles that may see it, search and filters, registration flags, overlapping jobs, query
counts and escaping."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.workforce.services import certificate_registration_add, placement_add, programme_create
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.workforce.factories import (
    SYSTEM,
    employ,
    id_number,
    make_certificate,
    make_person,
    make_staff,
)

d = dt.date
NUMBER = "11010519491231002X"
# Shown: the first 6 and the last character (docs/decisions.md).
MASKED = "110105***********X"
LIST = "/workforce/people/"
CALLERS = (
    "anonymous",
    "evaluator",
    "staff_own",
    "staff_other",
    "officer_other",
    "officer_this",
    "admin",
)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(db, admin_user, make_officer):
    """张三, certified in 西城 and employed by a 西城 agency; a 海淀 agency and officer."""
    own = make_organization(name="西城甲社工事务所", division="110102")
    other = make_organization(name="海淀乙社工事务所", division="110108")
    person = make_person(name="张三", number=NUMBER)
    cert = make_certificate(person, division="110102", number="SYN-T-1")
    job = employ(person, own, starts_on=d(2011, 1, 1))
    evaluator = get_user_model().objects.create_user("evaluator", password="pw-eval-123!")
    RoleAssignment.objects.create(user=evaluator, role=Role.EVALUATOR)
    users = {
        "anonymous": None,
        "evaluator": evaluator,
        "staff_own": make_staff("staff_own", own),
        "staff_other": make_staff("staff_other", other),
        "officer_other": make_officer("officer_hd", "110108"),
        "officer_this": make_officer("officer_xc", "110102"),
        "admin": admin_user,
    }
    return {
        "own": own,
        "other": other,
        "person": person,
        "cert": cert,
        "job": job,
        "clients": {name: client_for(user) for name, user in users.items()},
    }


def person_url(world) -> str:
    return f"/workforce/people/{world['person'].pk}/"


def reveal_url(world) -> str:
    return f"/workforce/people/{world['person'].pk}/id-number/"


def count_of(html: str) -> int:
    match = re.search(r'id="result-count" data-count="(\d+)"', html)
    assert match
    return int(match.group(1))


def reveals() -> list[tuple[str, str]]:
    return [
        (r.actor.username, r.after["purpose"])
        for r in AuditRecord.objects.filter(action="person.id_number.view").order_by("id")
    ]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return " ".join(html_lib.unescape(match.group(1)).split())


# --- who may open what -----------------------------------------------------------------------

# For each page: the status each caller gets (and for the list, how many people it holds).
EXPECTED = {
    "list": {
        "anonymous": 302,
        "evaluator": 403,
        "staff_own": 1,
        "staff_other": 0,
        "officer_other": 0,
        "officer_this": 1,
        "admin": 1,
    },
    "person": {
        "anonymous": 302,
        "evaluator": 403,
        "staff_own": 200,
        "staff_other": 404,
        "officer_other": 404,
        "officer_this": 200,
        "admin": 200,
    },
}


@pytest.mark.parametrize("page", list(EXPECTED))
def test_who_may_open_the_people_pages(world, page):
    url = LIST if page == "list" else person_url(world)
    for caller in CALLERS:
        # when
        response = world["clients"][caller].get(url)
        expected = EXPECTED[page][caller]
        html = response.content.decode()
        # then
        if expected == 302:
            assert response.status_code == 302, caller
            assert response["Location"] == f"/accounts/login/?next={url}"
        elif expected in (403, 404):
            assert response.status_code == expected, (page, caller)
            if expected == 403:
                assert text_of(html, "forbidden-message").startswith(
                    "People's records are personal data, for officers, agency staff and "
                    "administrators."
                )
        elif page == "list":
            assert response.status_code == 200, caller
            assert count_of(html) == expected, caller
        else:
            assert response.status_code == 200, caller
            assert text_of(html, "id-masked") == MASKED
        if response.status_code == 200:
            # personal data: not kept by the browser or a proxy
            assert "no-store" in response["Cache-Control"]
        # the full number is in no page anyone opens
        assert NUMBER not in html, caller
        assert world["person"].id_cipher not in html


def test_the_public_page_is_open_to_everyone_and_links_the_records_for_those_who_may(world):
    for caller in CALLERS:
        response = world["clients"][caller].get("/workforce/")
        assert response.status_code == 200, caller
        linked = 'id="people-link"' in response.content.decode()
        assert linked == (caller not in ("anonymous", "evaluator")), caller


def test_the_list_shows_masked_numbers_only(world):
    # when
    html = world["clients"]["staff_own"].get(LIST).content.decode()
    # then
    assert table_rows(html, "people-table") == [
        ["Name", "ID number (masked)", "Sex", "Birth year", "Certificate", "Current employer"],
        ["张三", MASKED, "Female", "1949", "Junior social worker", "西城甲社工事务所"],
    ]
    assert NUMBER not in html
    assert "1949-12-31" not in html
    assert "002X" not in html


# --- the full ID number ----------------------------------------------------------------------

# What a POST asking for the full number gets, caller by caller.
REVEAL = {
    "anonymous": 302,
    "evaluator": 403,
    "staff_own": 403,
    "staff_other": 404,
    "officer_other": 404,
    "officer_this": 200,
    "admin": 200,
}


def test_the_full_number_only_after_an_audited_post_by_those_who_may(world):
    for caller in CALLERS:
        # when
        response = world["clients"][caller].post(reveal_url(world), {"purpose": "核对身份"})
        html = response.content.decode()
        # then
        assert response.status_code == REVEAL[caller], caller
        if REVEAL[caller] == 200:
            assert text_of(html, "id-number-clear") == NUMBER
            assert html.count(NUMBER) == 1
            assert response["Cache-Control"].startswith("max-age=0")
        else:
            assert NUMBER not in html, caller
    # and each clear view is in the audit log with its purpose; refusals are not
    assert reveals() == [("officer_xc", "核对身份"), ("admin", "核对身份")]


def test_agency_staff_are_refused_with_the_reason(world):
    # when
    response = world["clients"]["staff_own"].post(reveal_url(world), {"purpose": "check"})
    # then
    assert response.status_code == 403
    assert text_of(response.content.decode(), "forbidden-message") == (
        "Only officers of this person's jurisdiction and administrators may see the full ID number."
    )
    assert reveals() == []


def test_only_those_who_may_see_the_number_are_offered_the_button(world):
    for caller, offered in (("staff_own", False), ("officer_this", True), ("admin", True)):
        html = world["clients"][caller].get(person_url(world)).content.decode()
        assert ('id="reveal-form"' in html) == offered, caller


def test_a_purpose_is_required(world):
    # when
    response = world["clients"]["officer_this"].post(reveal_url(world), {"purpose": "  "})
    html = response.content.decode()
    # then nothing is shown or recorded, and the field says why
    assert response.status_code == 400
    assert NUMBER not in html
    assert text_of(html, "purpose-error") == (
        "Say why you need the full ID number: the reason is kept in the audit log."
    )
    assert 'aria-invalid="true"' in html
    assert reveals() == []


def test_a_reveal_without_the_csrf_token_is_refused(world, beijing_officer):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(beijing_officer)
    response = client.post(reveal_url(world), {"purpose": "check"})
    assert response.status_code == 403
    assert NUMBER not in response.content.decode()
    assert reveals() == []


def test_a_get_of_the_reveal_address_shows_nothing(world):
    response = world["clients"]["admin"].get(reveal_url(world))
    assert response.status_code == 405
    assert reveals() == []


# --- search and filters ----------------------------------------------------------------------


@pytest.fixture
def crowd(world):
    """Besides 张三: 李四 (intermediate, 海淀) and 王五 (junior, at the 西城 agency)."""
    li = make_person(name="李四")
    make_certificate(li, level="intermediate", division="110108")
    wang = make_person(name="王五")
    make_certificate(wang, division="110102")
    employ(wang, world["own"], starts_on=d(2012, 1, 1))
    return {"li": li, "wang": wang}


def names(html: str) -> list[str]:
    return [row[0] for row in table_rows(html, "people-table")[1:]]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["张三", "李四", "王五"]),
        ({"q": "张"}, ["张三"]),
        ({"q": NUMBER}, ["张三"]),
        ({"q": NUMBER.lower()}, ["张三"]),
        ({"q": "110105"}, ["张三"]),
        ({"q": "002X"}, []),
        ({"level": "intermediate"}, ["李四"]),
        ({"level": "junior"}, ["张三", "王五"]),
        ({"employer": "own"}, ["张三", "王五"]),
        ({"employer": "own", "q": "王"}, ["王五"]),
    ],
)
def test_search_and_filters(world, crowd, data, expected):
    # given
    if data.get("employer") == "own":
        data = {**data, "employer": str(world["own"].pk)}
    client = world["clients"]["admin"]
    # when the form posts them, and when a link carries them
    posted = client.post(LIST, data)
    linked = client.get(LIST, data)
    # then
    for response in (posted, linked):
        assert response.status_code == 200
        assert names(response.content.decode()) == expected


def test_a_whole_number_finds_nobody_the_user_may_not_see(world, crowd):
    # when 海淀's officer searches 张三's number
    html = world["clients"]["officer_other"].post(LIST, {"q": NUMBER}).content.decode()
    # then
    assert count_of(html) == 0
    # and another valid number finds nobody at all
    html = world["clients"]["admin"].post(LIST, {"q": id_number()}).content.decode()
    assert count_of(html) == 0


def test_the_employer_filter_offers_the_users_agencies(world):
    def offered(caller: str) -> list[str]:
        html = world["clients"][caller].get(LIST).content.decode()
        select = re.search(r'<select name="employer".*?</select>', html, re.S)
        assert select
        return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))

    assert offered("staff_own") == ["Any employer", "西城甲社工事务所"]
    assert offered("officer_this") == ["Any employer", "西城甲社工事务所"]
    assert offered("admin") == ["Any employer", "海淀乙社工事务所", "西城甲社工事务所"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"level": "expert"}, "Certificate level", "Unknown level “expert”"),
        ({"employer": "999999"}, "Employer", "“999999” is not an employer offered"),
        ({"employer": "abc"}, "Employer", "“abc” is not an employer offered"),
        ({"page": "0"}, "Page", "A page number is a whole number from 1 up."),
        ({"page": "x"}, "Page", "A page number is a whole number from 1 up."),
        (
            {"q": "张" * 101},
            "Name or ID number",
            "Search for at most 100 characters (this has 101)",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, data, field, message):
    # when
    response = world["clients"]["officer_this"].get(LIST, data)
    html = response.content.decode()
    # then
    assert response.status_code == 400
    errors = re.search(r'id="query-errors">(.*?)</div>', html, re.S)
    assert errors is not None
    shown = " ".join(re.sub(r"<[^>]+>", "", errors.group(1)).split())
    assert f"{field}: {message}" in shown
    assert 'id="people-table"' not in html


def test_a_page_past_the_last_is_a_404_saying_how_many_there_are(world):
    # when page 5 of one page of results is asked for
    response = world["clients"]["officer_this"].get(LIST, {"page": "5"})
    html = response.content.decode()
    # then the page does not exist, and the form says why
    assert response.status_code == 404
    errors = re.search(r'id="query-errors">(.*?)</div>', html, re.S)
    assert errors is not None
    shown = " ".join(re.sub(r"<[^>]+>", "", errors.group(1)).split())
    assert "Page: There is no page 5: the results fill 1." in shown
    assert 'id="people-table"' not in html


def test_pages_of_fifty(world):
    # given 60 more people at the 西城 agency
    for n in range(60):
        person = make_person(name=f"人员{n:02d}")
        employ(person, world["own"], starts_on=d(2012, 1, 1))
    client = world["clients"]["staff_own"]
    # when
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": "2"}).content.decode()
    # then
    assert count_of(first) == 61
    assert len(names(first)) == 50
    assert names(second)[-1] == "张三"
    assert len(names(second)) == 11
    assert 'href="/workforce/people/?page=2"' in first
    assert 'href="/workforce/people/"' in second


def test_the_list_takes_a_fixed_number_of_queries(world):
    client = world["clients"]["officer_this"]
    client.get(LIST)  # warm what is cached per process
    with CaptureQueriesContext(connection) as few:
        assert count_of(client.get(LIST).content.decode()) == 1
    for _ in range(6):
        person = make_person()
        make_certificate(person, division="110102")
        make_certificate(person, level="intermediate", division="110104", issued_on=d(2009, 11, 1))
        employ(person, world["own"], starts_on=d(2012, 1, 1))
    with CaptureQueriesContext(connection) as more:
        assert count_of(client.get(LIST).content.decode()) == 7
    assert len(more) == len(few)


# --- a person's page -------------------------------------------------------------------------


def test_registration_status_is_flagged(world):
    # given a period ending within 90 days with 10 h done, and an intermediate certificate
    # registered a year ago with 95 h
    today = timezone.localdate()
    certificate_registration_add(
        actor=SYSTEM,
        certificate=world["cert"],
        starts_on=today.replace(year=today.year - 3) + dt.timedelta(days=30),
        ce_hours=10,
    )
    second = make_certificate(
        world["person"], level="intermediate", issued_on=d(2012, 11, 1), number="SYN-T-2"
    )
    starts = today.replace(year=today.year - 1)
    certificate_registration_add(actor=SYSTEM, certificate=second, starts_on=starts, ce_hours=95)
    # when
    html = world["clients"]["officer_this"].get(person_url(world)).content.decode()
    rows = table_rows(html, "certificate-table")
    # then
    assert [row[1] for row in rows[1:]] == ["SYN-T-1", "SYN-T-2"]
    assert rows[1][4].endswith("10.0 of 72 h continuing education renewal due short of hours")
    assert rows[2][4].endswith("95.0 of 90 h continuing education in order")


def test_overlapping_full_time_jobs_are_flagged_between_visible_jobs(world):
    # given 张三 also worked full time for the 海淀 agency in 2012
    employ(world["person"], world["other"], starts_on=d(2012, 1, 1), ends_on=d(2012, 6, 1))
    # when
    officer = world["clients"]["officer_this"].get(person_url(world)).content.decode()
    staff = world["clients"]["staff_own"].get(person_url(world)).content.decode()
    # then the officer sees both jobs, each flagged with the other
    assert [row[0] for row in table_rows(officer, "employment-table")[1:]] == [
        "西城甲社工事务所",
        "海淀乙社工事务所",
    ]
    flags = re.findall(r'class="small flag-overlap">(.*?)</div>', officer, re.S)
    assert [" ".join(f.split()) for f in flags] == [
        "Overlaps another full-time job: 海淀乙社工事务所",
        "Overlaps another full-time job: 西城甲社工事务所",
    ]
    # and the agency's staff see their own job only, with nothing about the other employer
    assert [row[0] for row in table_rows(staff, "employment-table")[1:]] == ["西城甲社工事务所"]
    assert "海淀乙社工事务所" not in staff
    assert "flag-overlap" not in staff


def test_the_person_page_shows_the_record(world):
    # given a placement by a programme
    programme = programme_create(
        actor=SYSTEM,
        name="大学生社工计划",
        region=world["own"].registrar_division.parent,
        year=2009,
    )
    placement_add(
        actor=SYSTEM,
        programme=programme,
        person=world["person"],
        division=world["own"].registrar_division,
        community="月坛街道",
        starts_on=d(2009, 9, 1),
    )
    # when
    html = world["clients"]["admin"].get(person_url(world)).content.decode()
    # then
    assert text_of(html, "person-name") == "张三"
    assert text_of(html, "id-masked") == MASKED
    assert text_of(html, "person-sex") == "Female"
    assert text_of(html, "person-birth-year") == "1949"
    assert "1949-12-31" not in html
    assert table_rows(html, "placement-table")[1] == [
        "大学生社工计划 (2009)",
        "Xicheng District",
        "月坛街道",
        "2009-09-01",
        "—",
    ]
    assert table_rows(html, "employment-table")[1][:4] == [
        "西城甲社工事务所",
        "Social worker",
        "2011-01-01",
        "today",
    ]


def test_names_are_escaped(world):
    # given a name with markup in it, at the agency
    person = make_person(name="<script>alert(1)</script>")
    employ(person, world["own"], starts_on=d(2012, 1, 1))
    client = world["clients"]["staff_own"]
    # when
    listing = client.get(LIST).content.decode()
    page = client.get(f"/workforce/people/{person.pk}/").content.decode()
    # then
    for html in (listing, page):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
