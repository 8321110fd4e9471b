"""/workspace/targets/: officers record plans, targets and published figures."""

from __future__ import annotations

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
