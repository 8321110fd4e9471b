"""The dashboard, the comparison and their downloads are public: every role sees exactly
what an anonymous reader sees, and no one can write through them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization

PAGES = [
    "/?region=110000&as_of=2011-12-31&kind=all",
    "/?region=110101&as_of=2011-12-31",
    "/compare/?as_of=2011-12-31&kind=all",
]
CSV_DOWNLOADS = [
    "/dashboard/download/?region=110101&as_of=2011-12-31&chart=districts&format=csv",
    "/dashboard/download/?region=110000&as_of=2011-12-31&chart=series&format=csv",
    "/compare/download/?as_of=2011-12-31&chart=kinds&format=csv",
]
XLSX_DOWNLOADS = [
    "/dashboard/download/?region=110000&as_of=2011-12-31&chart=formations&format=xlsx",
    "/compare/download/?as_of=2011-12-31&chart=summary&format=xlsx",
]
ROLES = ["anonymous", "agency_staff", "other_officer", "this_officer", "admin"]


@pytest.fixture
def as_role(client, small_beijing, make_officer, admin_user):
    """A client logged in as the role named (the pages are about 东城区, 110101)."""

    def login(role: str):
        if role == "anonymous":
            return client
        if role == "agency_staff":
            user = get_user_model().objects.create_user("staff", password="pw-staff-123!")
            RoleAssignment.objects.create(
                user=user, role=Role.AGENCY_STAFF, organization=small_beijing["dongcheng"]
            )
        elif role == "other_officer":
            user = make_officer("sh_officer", "310101")
        elif role == "this_officer":
            user = make_officer("dc_officer", "110101")
        else:
            user = admin_user
        client.force_login(user)
        return client

    return login


def main_content(html: str) -> str:
    """The page between <main> and </main>: the navigation differs by login; this must not."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def anonymous_view(client, small_beijing):
    """What an anonymous reader gets, read before anyone logs in."""
    pages = {url: main_content(client.get(url).content.decode()) for url in PAGES}
    csvs = {url: client.get(url).content for url in CSV_DOWNLOADS}
    sheets = {url: xlsx_values(client.get(url).content) for url in XLSX_DOWNLOADS}
    return pages, csvs, sheets


def xlsx_values(content: bytes) -> list[tuple]:
    # The file's own timestamp differs between two downloads; its cells must not.
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_what_the_public_sees(as_role, anonymous_view, role):
    # given what an anonymous reader got
    pages, csvs, sheets = anonymous_view
    # when the same URLs are read in the role
    client = as_role(role)
    # then the content is identical
    for url, content in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert main_content(response.content.decode()) == content, url
    for url, content in csvs.items():
        assert client.get(url).content == content, url
    for url, values in sheets.items():
        assert xlsx_values(client.get(url).content) == values, url


def test_anonymous_pages_hold_the_numbers(client, small_beijing):
    # given / when
    pages = {url: client.get(url) for url in PAGES}
    # then (so the equality above compares pages with content, not two empty pages)
    assert [response.status_code for response in pages.values()] == [200, 200, 200]
    assert pages[PAGES[0]].context["stats"].total == 4
    assert pages[PAGES[1]].context["stats"].total == 2
    assert [c.stats.total for c in pages[PAGES[2]].context["cities"]] == [4, 0, 0]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_write_through_these_pages(as_role, role):
    # given
    client = as_role(role)
    organizations = list(Organization.objects.values_list("id", "name", "version"))
    audit = AuditRecord.objects.count()
    # when every page and download is posted to (with a valid CSRF token: the refusal is the
    # method's, not the token's)
    client.get(PAGES[0])
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    statuses = {
        client.post(url, {"name": "改名"}, HTTP_X_CSRFTOKEN=token).status_code
        for url in PAGES + CSV_DOWNLOADS + XLSX_DOWNLOADS
    }
    # then
    assert statuses == {405}
    assert list(Organization.objects.values_list("id", "name", "version")) == organizations
    assert AuditRecord.objects.count() == audit
