"""/workspace/targets/: officers record plans, targets and published figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.core.models import AuditRecord
from shuniu.targets.models import PolicyDocument, PublishedFigure, Target
from tests.factories import make_organization

URL = "/workspace/targets/"
FIGURE = {
    "entry": "figure",
    "figure-region": "110102",
    "figure-metric": "organizations",
    "figure-kind": "agency",
    "figure-qualifier": "超过",
    "figure-value": "8",
    "figure-as_of": "2012-11-30",
    "figure-source": "西城区民政局年报",
}


def nothing_written() -> bool:
    return (
        PublishedFigure.objects.count(),
        Target.objects.count(),
        PolicyDocument.objects.count(),
        AuditRecord.objects.count(),
    ) == (0, 0, 0, 0)


def test_anonymous_is_sent_to_log_in_and_writes_nothing(client, db):
    assert client.get(URL).status_code == 302
    response = client.post(URL, FIGURE)
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert nothing_written()


def test_agency_staff_are_refused_and_write_nothing(client, db):
    user = get_user_model().objects.create_user("staff", password="pw-staff-123!")
    RoleAssignment.objects.create(
        user=user, role=Role.AGENCY_STAFF, organization=make_organization(name="某社工")
    )
    client.force_login(user)
    before = AuditRecord.objects.count()
    assert client.post(URL, FIGURE).status_code == 403
    assert (PublishedFigure.objects.count(), AuditRecord.objects.count()) == (0, before)


def test_an_officer_of_another_district_is_refused_on_the_form(client, make_officer):
    # given the 东城 officer, recording a figure about 西城
    client.force_login(make_officer("dc", "110101"))
    response = client.post(URL, FIGURE)
    # then the form says why and nothing is written
    assert response.status_code == 400
    assert "西城区不在您的管辖范围内" in response.content.decode()
    assert nothing_written()


def test_the_officer_records_a_figure_a_document_and_a_scoped_target(client, xicheng_officer):
    client.force_login(xicheng_officer)
    # when the 西城 officer records a published figure
    assert client.get(URL).status_code == 200
    response = client.post(URL, FIGURE)
    assert response.status_code == 302
    figure = PublishedFigure.objects.get()
    assert (figure.qualifier, figure.value, figure.source) == (
        "超过",
        Decimal(8),
        "西城区民政局年报",
    )
    # and a document, then a target of it
    client.post(
        URL,
        {"entry": "document", "document-region": "110102", "document-title": "西城方案"},
    )
    document = PolicyDocument.objects.get()
    response = client.post(
        URL,
        {
            "entry": "target",
            "target-region": "110102",
            "target-document": str(document.pk),
            "target-metric": "organizations",
            "target-kind": "agency",
            "target-value": "10",
            "target-due_on": "2013-12-31",
        },
    )
    assert response.status_code == 302
    assert Target.objects.get().document == document
    assert AuditRecord.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "errors_id"),
    [
        ({"figure-region": "999999"}, "figure-region-errors"),
        ({"figure-value": "-1"}, "figure-value-errors"),
        ({"figure-as_of": "2012-13-01"}, "figure-as_of-errors"),
        ({"figure-source": ""}, "figure-source-errors"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, xicheng_officer, change, errors_id):
    client.force_login(xicheng_officer)
    response = client.post(URL, {**FIGURE, **change})
    assert response.status_code == 400
    assert f'id="{errors_id}"' in response.content.decode()
    assert nothing_written()


# -- the district picker ------------------------------------------------------------------

PLAN_2010 = {
    "entry": "target",
    "target-region": "110000",
    "target-metric": "organizations",
    "target-kind": "agency",
    "target-value": "10",
    "target-due_on": "2010-12-31",
}


def checkbox_codes(html: str) -> list[str]:
    import re

    return re.findall(r'name="target-scope" value="(\d{6})"', html)


def plan_2010(issued_on: str = "2010-01-01") -> PolicyDocument:
    from shuniu.core.actors import cli_actor
    from shuniu.divisions.models import Division
    from shuniu.targets.services import policy_document_record

    return policy_document_record(
        actor=cli_actor("test"),
        title="2010年北京市折子工程",
        region=Division.objects.get(code="110000"),
        issued_on=dt.date.fromisoformat(issued_on),
    )


def test_the_picker_lists_the_jurisdictions_districts_past_ones_included(client, beijing_officer):
    client.force_login(beijing_officer)
    # when the Beijing officer opens the form without a date
    html = client.get(URL).content.decode()
    codes = checkbox_codes(html)
    # then every county-level division Beijing ever had is a checkbox, in code order, the
    # former ones saying when they ended (崇文区 merged into 东城区 on 2010-07-01)
    assert codes[:6] == ["110101", "110102", "110103", "110104", "110105", "110106"]
    assert {"110228", "110118"} <= set(codes)
    assert not [c for c in codes if not c.startswith("11")]
    assert "崇文区 (110103)，2010-07-01 起为东城区" in html
    # and the region field starts at the officer's jurisdiction
    assert 'name="target-region" value="110000"' in html


def test_the_picker_lists_the_districts_of_the_plans_date(client, beijing_officer):
    client.force_login(beijing_officer)
    # when the districts of 2010-01-01 are asked for, then of 2011-01-01
    before = checkbox_codes(client.get(URL, {"picker-on": "2010-01-01"}).content.decode())
    after = checkbox_codes(client.get(URL, {"picker-on": "2011-01-01"}).content.decode())
    # then 崇文 and 宣武 are listed in 2010 and not in 2011; 密云县 and 延庆县 both times
    assert after == [
        "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
        "110112", "110113", "110114", "110115", "110116", "110117", "110228", "110229",
    ]  # fmt: skip
    assert before == sorted([*after, "110103", "110104"])


def test_the_picker_of_another_region_shows_only_what_the_officer_covers(client, make_officer):
    # given the 东城 officer asking for Shanghai's districts
    client.force_login(make_officer("dc", "110101"))
    html = client.get(URL, {"picker-of": "310000"}).content.decode()
    # then nothing is offered (and a bad date is a message, not an error page)
    assert checkbox_codes(html) == []
    response = client.get(URL, {"picker-on": "2010-13-01"})
    assert response.status_code == 200
    assert 'id="picker-on-errors"' in response.content.decode()


def test_the_officer_records_the_2010_target_with_its_districts_as_they_were(
    client, beijing_officer
):
    client.force_login(beijing_officer)
    document = plan_2010()
    # when the 2010 plan's target is recorded covering 东城, 崇文 and 昌平
    response = client.post(
        URL,
        {
            **PLAN_2010,
            "target-document": str(document.pk),
            "target-scope": ["110101", "110103", "110114"],
        },
    )
    # then it is written with those districts, audited
    assert response.status_code == 302
    target = Target.objects.get()
    assert sorted(target.scope.values_list("code", flat=True)) == ["110101", "110103", "110114"]
    assert AuditRecord.objects.filter(action="target.create").count() == 1


@pytest.mark.parametrize("code", ["310101", "110105"])
def test_a_district_outside_the_jurisdiction_is_a_form_error_and_writes_nothing(
    client, make_officer, code
):
    # given the officer of 东城 (and 崇文 before it), recording a target of 东城
    client.force_login(make_officer("dc", "110101"))
    before = AuditRecord.objects.count()
    # when the post names a Shanghai district, or 朝阳 (Beijing, but not theirs)
    response = client.post(
        URL, {**PLAN_2010, "target-region": "110101", "target-scope": ["110101", code]}
    )
    # then the scope field says which code, and nothing is written
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="target-scope-errors"' in html
    assert f"“{code}”不是您管辖范围内的区县。" in html
    assert (Target.objects.count(), AuditRecord.objects.count()) == (0, before)


def test_a_district_gone_by_the_plans_date_is_refused(client, beijing_officer):
    client.force_login(beijing_officer)
    document = plan_2010(issued_on="2011-01-01")
    before = AuditRecord.objects.count()
    # when a plan issued in 2011 is said to cover 崇文 (gone since 2010-07-01)
    response = client.post(
        URL,
        {
            **PLAN_2010,
            "target-document": str(document.pk),
            "target-due_on": "2012-12-31",
            "target-scope": ["110103"],
        },
    )
    # then the scope field names the district and the date, and nothing is written
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="target-scope-errors"' in html
    assert "在规划印发之日（2011-01-01）不是区县：崇文区" in html
    assert (Target.objects.count(), AuditRecord.objects.count()) == (0, before)


def test_an_agency_staff_post_with_districts_writes_nothing(client, db):
    user = get_user_model().objects.create_user("staff2", password="pw-staff-123!")
    RoleAssignment.objects.create(
        user=user, role=Role.AGENCY_STAFF, organization=make_organization(name="某社工2")
    )
    client.force_login(user)
    before = AuditRecord.objects.count()
    response = client.post(URL, {**PLAN_2010, "target-scope": ["110101"]})
    assert response.status_code == 403
    assert (Target.objects.count(), AuditRecord.objects.count()) == (0, before)
