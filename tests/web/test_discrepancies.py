"""/workspace/discrepancies/: published figures beside the computed ones, for officers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.targets.services import published_figure_record
from tests.factories import make_organization

URL = "/workspace/discrepancies/"


def figure(code: str, value, *, qualifier="", source="年报"):
    return published_figure_record(
        actor=cli_actor("test"),
        region=Division.objects.get(code=code),
        metric="organizations",
        kind="agency",
        value=value,
        qualifier=qualifier,
        as_of=dt.date(2012, 11, 30),
        source=source,
    )


@pytest.fixture
def figures(db):
    # 20 agencies in 西城, 1 in 东城; published: 西城 20 (match), 西城 22 (9.09 % off),
    # 西城 "over 19" (consistent), 东城 2 (50 % off).
    for n in range(20):
        make_organization(name=f"西城社工{n}", division="110102", registered_on=dt.date(2011, 1, 1))
    make_organization(name="东城社工", division="110101", registered_on=dt.date(2011, 1, 1))
    figure("110102", 20, source="甲")
    figure("110102", 22, source="乙")
    figure("110102", 19, qualifier="over", source="丙")
    figure("110101", 2, source="丁")


def test_anonymous_is_sent_to_the_login_page(client, figures):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_an_agency_staff_member_is_refused(client, figures):
    # given a user who is neither officer nor administrator
    user = get_user_model().objects.create_user("staff", password="pw-staff-123!")
    RoleAssignment.objects.create(
        user=user, role=Role.AGENCY_STAFF, organization=make_organization(name="某社工")
    )
    client.force_login(user)
    # then the view is forbidden
    assert client.get(URL).status_code == 403


def test_an_officer_sees_the_discrepancies_of_their_jurisdiction_only(
    client, figures, xicheng_officer
):
    # given the 西城 officer
    client.force_login(xicheng_officer)
    before = AuditRecord.objects.count()
    # when the view is read with the default threshold (5 %)
    response = client.get(URL)
    # then only 西城's figure 22 is listed (9.09 %), not 东城's, and nothing is written
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr>") == 2  # the header row and one figure
    assert "-9.09" in html
    assert "乙" in html
    assert "丁" not in html
    assert AuditRecord.objects.count() == before


def test_an_admin_sees_all_sorted_and_the_threshold_is_a_parameter(client, figures, admin_user):
    client.force_login(admin_user)
    # when an administrator downloads them as CSV, largest difference first
    response = client.get(URL, {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    # then 东城's 50 % comes before 西城's 9.09 %
    assert response.status_code == 200
    assert len(lines) == 3
    assert lines[1].endswith(",2,1.0,-1.0,-50.0,丁")
    assert lines[2].endswith(",22,20.0,-2.0,-9.09,乙")
    # and at a 10 % threshold only 东城's remains
    tighter = client.get(URL, {"threshold": "10", "format": "csv"})
    assert len(tighter.content.decode("utf-8-sig").splitlines()) == 2
    # and XLSX downloads too
    xlsx = client.get(URL, {"format": "xlsx", "sort": "region"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_bad_parameters_are_a_400_naming_them(client, figures, admin_user):
    client.force_login(admin_user)
    page = client.get(URL, {"threshold": "abc"})
    assert page.status_code == 400
    download = client.get(URL, {"threshold": "-1", "format": "csv"})
    assert download.status_code == 400
    assert "threshold" in download.content.decode()
    assert client.get(URL, {"sort": "nonsense"}).status_code == 400
    assert client.get(URL, {"format": "pdf"}).status_code == 400
