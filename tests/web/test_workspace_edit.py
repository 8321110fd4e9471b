"""Entering and correcting organizations, events and support through the workspace forms."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization, OrganizationEvent, Support
from shuniu.registry.services import organization_update
from tests.web.html import table_rows
from tests.web.workspace_helpers import (
    form_data,
    logged_in,
    make_orgs,
    read_page,
    snapshot,
    text_of,
)


@pytest.fixture
def orgs(db):
    return make_orgs()


@pytest.fixture
def officer(xicheng_officer):
    return logged_in(xicheng_officer)


def edit_url(org: Organization) -> str:
    return f"/workspace/organizations/{org.pk}/edit/"


def loaded_form(client, org: Organization) -> dict:
    response = client.get(edit_url(org))
    assert response.status_code == 200
    return form_data(response.content.decode())


# ---------------------------------------------------------------------------------------
# The edit form
# ---------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_stored_record(orgs, officer):
    # given / when
    response = officer.get(edit_url(orgs["xicheng"]))
    page = read_page(response.content.decode())
    # then
    assert page.values["name"] == "西城悦群社工事务所"
    assert page.values["version"] == "1"
    assert page.values["kind"] == "agency"
    assert page.values["registrar_division"] == "110102"
    assert page.values["uscc"] == orgs["xicheng"].uscc


def test_the_registrar_division_offers_only_the_jurisdiction(orgs, officer, beijing_officer):
    # given a 西城 officer: 宣武区 lies in 西城 too, but no longer exists
    page = read_page(officer.get(edit_url(orgs["xicheng"])).content.decode())
    # then only 西城区 is offered
    assert [v for v, _label, _sel in page.options["registrar_division"]] == ["110102"]
    # and a Beijing officer is offered the city and its 16 districts of today
    city = logged_in(beijing_officer)
    page = read_page(city.get(edit_url(orgs["chaoyang"])).content.decode())
    codes = [v for v, _label, _sel in page.options["registrar_division"]]
    assert codes[:3] == ["110000", "110101", "110102"]
    assert len(codes) == 17
    assert "110103" not in codes


def test_choices_are_shown_in_the_users_language(orgs, xicheng_officer):
    # given a Chinese and an English reader
    chinese = logged_in(xicheng_officer, "zh-hans")
    english = logged_in(xicheng_officer, "en")
    # when
    zh = read_page(chinese.get(edit_url(orgs["xicheng"])).content.decode())
    en = read_page(english.get(edit_url(orgs["xicheng"])).content.decode())
    # then the kinds read in each language
    assert ("agency", "社会工作服务机构", True) in zh.options["kind"]
    assert ("agency", "social-work agency", True) in en.options["kind"]
    assert ("110102", "Beijing · Xicheng District (110102)", True) in en.options[
        "registrar_division"
    ]


def test_a_field_error_is_shown_next_to_its_field_and_nothing_changes(orgs, xicheng_officer):
    # given a Chinese reader who empties the name and types a short credit code
    client = logged_in(xicheng_officer, "zh-hans")
    org = orgs["xicheng"]
    data = loaded_form(client, org) | {"name": " ", "uscc": "12345"}
    before = snapshot()
    # when
    response = client.post(edit_url(org), data)
    html = response.content.decode()
    # then the form comes back with Django's message, in Chinese, under the name
    assert response.status_code == 400
    assert text_of(html, "name-errors") == "这个字段是必填项。"
    assert 'aria-invalid="true"' in html
    # and the summary names the field
    assert "名称: 这个字段是必填项。" in text_of(html, "form-errors")
    assert snapshot() == before


def test_a_service_refusal_is_shown_next_to_its_field(orgs, officer):
    # given a credit code of the wrong length (the form accepts text; the service checks)
    org = orgs["xicheng"]
    data = loaded_form(officer, org) | {"uscc": "12345"}
    before = snapshot()
    # when
    response = officer.post(edit_url(org), data)
    # then
    assert response.status_code == 400
    assert text_of(response.content.decode(), "uscc-errors") == (
        "The code must have 18 characters, not 5."
    )
    assert snapshot() == before


def test_an_unknown_sponsor_is_named_in_the_error(orgs, officer):
    org = orgs["xicheng"]
    data = loaded_form(officer, org) | {"sponsors": "西城区社会工作者联合会\n不存在的单位"}
    response = officer.post(edit_url(org), data)
    assert response.status_code == 400
    assert text_of(response.content.decode(), "sponsors-errors") == (
        "No organization has the credit code or name “不存在的单位”."
    )


def test_a_saved_edit_appears_in_the_history_with_before_and_after(orgs, officer):
    # given
    org = orgs["xicheng"]
    data = loaded_form(officer, org) | {
        "address": "北京市西城区德胜门外大街 1 号",
        "sponsors": orgs["hub"].uscc,
    }
    # when
    response = officer.post(edit_url(org), data)
    # then the record is saved once, as the officer
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/organizations/{org.pk}/"
    org.refresh_from_db()
    assert org.address == "北京市西城区德胜门外大街 1 号"
    assert org.version == 2
    assert list(org.sponsors.values_list("name", flat=True)) == ["西城区社会工作者联合会"]
    record = AuditRecord.objects.filter(action="organization.update").get()
    assert record.actor_label == "xc_officer"
    # and the history shows who changed which field from what to what
    html = officer.get(f"/workspace/organizations/{org.pk}/history/").content.decode()
    rows = table_rows(html, "history-table")
    assert rows[1][1:3] == ["xc_officer", "Organization corrected 西城悦群社工事务所"]
    changes = table_rows(html, "history-table")[3:5]
    assert changes == [
        ["Address", "before —", "after 北京市西城区德胜门外大街 1 号"],
        ["Sponsors", "before —", "after 西城区社会工作者联合会"],
    ]
    assert text_of(html, "history-count") == "3 changes, newest first"


def test_saving_unchanged_values_writes_nothing(orgs, officer):
    org = orgs["xicheng"]
    before = snapshot()
    response = officer.post(edit_url(org), loaded_form(officer, org))
    assert response.status_code == 302
    assert snapshot() == before


# ---------------------------------------------------------------------------------------
# A stale edit
# ---------------------------------------------------------------------------------------


def test_a_stale_edit_shows_both_values_keeps_the_input_and_writes_nothing(
    orgs, officer, admin_user
):
    # given the officer opened the form at version 1
    org = orgs["xicheng"]
    data = loaded_form(officer, org)
    # and then an administrator saved another address
    organization_update(
        actor=admin_user, organization=org, expected_version=1, address="西城区新街口 2 号"
    )
    before = snapshot()
    # when the officer saves their own address with the version they loaded
    response = officer.post(edit_url(org), data | {"address": "西城区展览路 3 号"})
    html = response.content.decode()
    # then the conflict is shown field by field
    assert response.status_code == 409
    assert table_rows(html, "conflict-table") == [
        ["Field", "Your value", "The stored value"],
        ["Address", "西城区展览路 3 号", "西城区新街口 2 号"],
    ]
    assert "The last change was made by admin at " in text_of(html, "conflict")
    # and the form keeps what they typed, with the stored version, ready to save deliberately
    page = read_page(html)
    assert page.values["address"] == "西城区展览路 3 号"
    assert page.values["version"] == "2"
    # and nothing was written
    assert snapshot() == before
    org.refresh_from_db()
    assert org.address == "西城区新街口 2 号"

    # when they save again from the conflict page
    response = officer.post(edit_url(org), form_data(html))
    # then their value is stored, as version 3
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.address, org.version) == ("西城区展览路 3 号", 3)


# ---------------------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------------------


def test_an_officer_enters_an_organization_with_its_dates(orgs, officer):
    # when
    response = officer.post(
        "/workspace/organizations/new/",
        {
            "name": "西城区新风社会工作事务所",
            "kind": "agency",
            "legal_form": "social_service",
            "registrar_division": "110102",
            "service_fields": ["elderly"],
            "hub": str(orgs["hub"].pk),
            "founded_on": "2012-03-01",
            "registered_on": "2012-06-01",
            "source": "区民政局公告",
        },
    )
    # then
    org = Organization.objects.get(name="西城区新风社会工作事务所")
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/organizations/{org.pk}/"
    assert org.registrar_division.code == "110102"
    assert org.status == "registered"
    assert org.hub == orgs["hub"]
    assert [(e.kind, e.date) for e in org.events.order_by("date")] == [
        ("founded", dt.date(2012, 3, 1)),
        ("registered", dt.date(2012, 6, 1)),
    ]
    record = AuditRecord.objects.get(object_type="registry.organization", object_id=str(org.pk))
    assert record.actor_label == "xc_officer"


def test_entering_in_another_district_is_refused_in_the_form(orgs, officer):
    before = snapshot()
    response = officer.post(
        "/workspace/organizations/new/",
        {"name": "朝阳新机构", "kind": "agency", "registrar_division": "110105"},
    )
    assert response.status_code == 400
    assert text_of(response.content.decode(), "registrar_division-errors") == (
        "Select a valid choice. 110105 is not one of the available choices."
    )
    assert snapshot() == before


def test_dates_out_of_order_are_refused(orgs, officer):
    before = snapshot()
    response = officer.post(
        "/workspace/organizations/new/",
        {
            "name": "西城区倒序社工事务所",
            "kind": "agency",
            "registrar_division": "110102",
            "founded_on": "2012-06-01",
            "registered_on": "2012-03-01",
        },
    )
    assert response.status_code == 400
    assert text_of(response.content.decode(), "registered_on-errors") == (
        "Dates must run founded ≤ registration applied ≤ registered."
    )
    assert snapshot() == before


# ---------------------------------------------------------------------------------------
# Events and support
# ---------------------------------------------------------------------------------------


def event_url(org: Organization) -> str:
    return f"/workspace/organizations/{org.pk}/events/new/"


def test_a_transformation_needs_the_new_kind(orgs, officer):
    # given an event of the kind "transformed" without its new kind
    org = orgs["xicheng"]
    before = snapshot()
    response = officer.post(
        event_url(org),
        {"kind": "transformed", "date": "2012-01-01", "date_precision": "day", "source": "公告"},
    )
    # then the service's refusal is shown next to the missing input
    assert response.status_code == 400
    assert text_of(response.content.decode(), "kind_after-errors") == (
        "Required for this kind of event."
    )
    assert snapshot() == before


def test_an_event_is_added_with_the_details_of_its_kind_only(orgs, officer):
    # given a grading with a stray value typed into an input of another kind
    org = orgs["xicheng"]
    response = officer.post(
        event_url(org),
        {
            "kind": "graded",
            "date": "2012-01-01",
            "date_precision": "day",
            "source": "区民政局评估结果",
            "grade": "3A",
            "grade_score": "812",
            "name_after": "不该保存",
        },
    )
    # then
    assert response.status_code == 302
    event = org.events.get(kind="graded")
    assert (event.grade, event.grade_score, event.name_after) == ("3A", 812, "")
    org.refresh_from_db()
    assert org.version == 2


def test_without_javascript_every_detail_input_is_shown(orgs, officer):
    # given / when the page itself (not an htmx fragment) is opened
    page = read_page(officer.get(event_url(orgs["xicheng"])).content.decode())
    # then every detail input is there, whatever kind will be chosen
    inputs = set(page.values) | set(page.options)
    assert {
        "name_after",
        "kind_after",
        "division_after",
        "hub",
        "inspection_year",
        "inspection_result",
        "grade",
        "grade_score",
        "credit_list",
    } <= inputs


def test_htmx_swaps_in_the_details_of_the_chosen_kind(orgs, officer):
    # when htmx asks for the details of a transformation
    response = officer.get(
        event_url(orgs["xicheng"]),
        {"kind": "transformed", "date": "2012-01-01"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    # then only that fragment comes back, with the one input a transformation records
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset id="event-details"')
    page = read_page(html)
    assert list(page.options) == ["kind_after"]
    assert "name_after" not in page.values
    # and a kind that records nothing else says so
    html = officer.get(
        event_url(orgs["xicheng"]), {"kind": "founded"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert text_of(html, "no-details") == "This kind of event records nothing besides its date."


def test_an_event_entered_in_error_is_deleted_and_audited(orgs, officer):
    org = orgs["xicheng"]
    event = org.events.get()
    response = officer.post(f"/workspace/organizations/{org.pk}/events/{event.pk}/delete/")
    assert response.status_code == 302
    assert not OrganizationEvent.objects.filter(pk=event.pk).exists()
    record = AuditRecord.objects.get(action="organization_event.delete")
    assert (record.actor_label, record.before["kind"]) == ("xc_officer", "registered")


def test_an_event_of_another_organization_cannot_be_deleted_through_this_one(orgs, officer):
    other = orgs["hub"].events.get()
    response = officer.post(
        f"/workspace/organizations/{orgs['xicheng'].pk}/events/{other.pk}/delete/"
    )
    assert response.status_code == 404
    assert OrganizationEvent.objects.filter(pk=other.pk).exists()


def test_support_needs_its_amount_and_is_then_recorded(orgs, officer):
    org = orgs["xicheng"]
    url = f"/workspace/organizations/{org.pk}/support/new/"
    data = {"giver": "西城区社会工作者联合会", "kind": "funds", "starts_on": "2012-01-01"}
    # when the amount of funds is missing
    response = officer.post(url, data)
    # then
    assert response.status_code == 400
    assert text_of(response.content.decode(), "amount_yuan-errors") == (
        "Give the amount of the funds."
    )
    assert Support.objects.count() == 0
    # when it is given
    response = officer.post(url, data | {"amount_yuan": "50000"})
    # then
    assert response.status_code == 302
    support = Support.objects.get()
    assert (support.giver, support.receiver, support.amount_yuan) == (orgs["hub"], org, 50000)
