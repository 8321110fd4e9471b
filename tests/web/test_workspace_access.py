"""Who may open each workspace page, and that a refused write changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.workspace_helpers import (
    logged_in,
    make_agency_staff,
    make_orgs,
    snapshot,
    text_of,
)

# Pages that do not belong to one organization.
GENERAL_PAGES = (
    "/workspace/",
    "/workspace/audit/",
    "/workspace/import/",
    "/workspace/import/template.xlsx",
    "/workspace/organizations/new/",
)
# Pages of one organization: "{pk}" is filled in with the 西城 agency's id.
ORGANIZATION_PAGES = (
    "/workspace/organizations/{pk}/",
    "/workspace/organizations/{pk}/edit/",
    "/workspace/organizations/{pk}/events/new/",
    "/workspace/organizations/{pk}/support/new/",
    "/workspace/organizations/{pk}/history/",
)
NOT_FOR_YOU = (
    "The workspace is for officers and administrators. Your account has neither role; "
    "ask an administrator if you need one."
)


@pytest.fixture
def orgs(db):
    return make_orgs()


@pytest.fixture
def chaoyang_officer(make_officer):
    return make_officer("cy_officer", "110105")


def all_pages(orgs) -> list[str]:
    pk = orgs["xicheng"].pk
    return [*GENERAL_PAGES, *(p.format(pk=pk) for p in ORGANIZATION_PAGES)]


def test_anonymous_visitors_are_sent_to_the_login_page(orgs):
    # given no login
    client = logged_in(None)
    for url in all_pages(orgs):
        # when
        response = client.get(url)
        # then they land on the login page, which brings them back
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/login/?next=" + url, url


def test_agency_staff_are_refused_with_a_reason(orgs):
    # given a user who acts for one agency only
    client = logged_in(make_agency_staff(orgs["xicheng"]))
    # (the home serves agency staff their contracts since issue 8: every other page says no)
    for url in [u for u in all_pages(orgs) if u != "/workspace/"]:
        # when
        response = client.get(url)
        # then
        assert response.status_code == 403, url
        assert text_of(response.content.decode(), "forbidden-message") == NOT_FOR_YOU


def test_an_officer_of_another_district_is_refused_on_its_organizations(orgs, chaoyang_officer):
    # given an officer of 朝阳区
    client = logged_in(chaoyang_officer)
    pk = orgs["xicheng"].pk
    for page in ORGANIZATION_PAGES:
        url = page.format(pk=pk)
        # when they open a page of a 西城区 organization
        response = client.get(url)
        # then
        assert response.status_code == 403, url
        assert text_of(response.content.decode(), "forbidden-message") == (
            "Xicheng District is outside your jurisdiction: you may not see or change its "
            "records here."
        )
    # but the pages that are not about one organization are theirs too
    for url in GENERAL_PAGES:
        assert client.get(url).status_code == 200, url


def test_the_officer_of_the_district_and_an_admin_may_open_every_page(
    orgs, xicheng_officer, admin_user
):
    for user in (xicheng_officer, admin_user):
        client = logged_in(user)
        for url in all_pages(orgs):
            assert client.get(url).status_code == 200, (user.username, url)


def test_a_city_officer_covers_the_districts_of_the_city(orgs, beijing_officer):
    client = logged_in(beijing_officer)
    pk = orgs["chaoyang"].pk
    for page in ORGANIZATION_PAGES:
        assert client.get(page.format(pk=pk)).status_code == 200


def test_writes_outside_the_jurisdiction_are_refused_and_change_nothing(orgs, chaoyang_officer):
    # given an officer of 朝阳区 and a 西城区 agency with one event
    client = logged_in(chaoyang_officer)
    org = orgs["xicheng"]
    event = org.events.get()
    before = snapshot()
    base = f"/workspace/organizations/{org.pk}"
    writes = {
        f"{base}/edit/": {
            "version": "1",
            "name": "改名",
            "kind": "agency",
            "registrar_division": "110105",
        },
        f"{base}/events/new/": {
            "kind": "graded",
            "date": "2012-01-01",
            "date_precision": "day",
            "source": "x",
            "grade": "3A",
        },
        f"{base}/support/new/": {
            "giver": "西城区社会工作者联合会",
            "kind": "guidance",
            "starts_on": "2012-01-01",
        },
        f"{base}/events/{event.pk}/delete/": {},
    }
    for url, data in writes.items():
        # when they post to it
        response = client.post(url, data)
        # then they are refused
        assert response.status_code == 403, url
    # and nothing changed
    assert snapshot() == before


def test_agency_staff_cannot_create_organizations(orgs):
    # given
    client = logged_in(make_agency_staff(orgs["xicheng"]))
    before = snapshot()
    # when
    response = client.post(
        "/workspace/organizations/new/",
        {"name": "新机构", "kind": "agency", "registrar_division": "110102"},
    )
    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_an_organization_that_does_not_exist_is_not_found(orgs, xicheng_officer):
    client = logged_in(xicheng_officer)
    assert client.get("/workspace/organizations/999999/").status_code == 404
    assert client.get("/workspace/organizations/999999/history/").status_code == 404


def test_posts_without_the_csrf_token_are_refused(orgs, xicheng_officer):
    # given a browser-like client that must present the CSRF token
    client = logged_in(xicheng_officer, enforce_csrf_checks=True)
    org = orgs["xicheng"]
    before = snapshot()
    for url, data in {
        f"/workspace/organizations/{org.pk}/edit/": {
            "version": "1",
            "name": "改名",
            "kind": "agency",
            "registrar_division": "110102",
        },
        "/workspace/organizations/new/": {
            "name": "新机构",
            "kind": "agency",
            "registrar_division": "110102",
        },
        f"/workspace/organizations/{org.pk}/events/new/": {
            "kind": "founded",
            "date": "2009-01-01",
            "date_precision": "day",
            "source": "x",
        },
        "/workspace/import/": {},
        "/workspace/import/confirm/": {"token": "x"},
    }.items():
        # when it posts without the token
        response = client.post(url, data)
        # then the post is refused
        assert response.status_code == 403, url
    assert snapshot() == before
    assert org.events.get().date == dt.date(2010, 3, 1)
