"""GET /api/v1/targets and /api/v1/targets/{id}: public reads of plans and their progress."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.core.actors import cli_actor
from shuniu.divisions.models import Division
from shuniu.targets.models import Target
from shuniu.targets.services import policy_document_record, target_record
from tests.api.test_permissions import API, ROLES, counts, world  # noqa: F401 the fixture


@pytest.fixture
def target(world) -> Target:  # noqa: F811 the fixture imported above
    beijing = Division.objects.get(code="110000")
    document = policy_document_record(
        actor=cli_actor("test"),
        title="试点方案",
        region=beijing,
        number="京民发〔2010〕1号",
        issued_on=dt.date(2010, 1, 1),
    )
    return target_record(
        actor=cli_actor("test"),
        document=document,
        region=beijing,
        metric="organizations",
        kind="agency",
        value=2,
        due_on=dt.date(2010, 12, 31),
        scope=[Division.objects.get(code="110101"), Division.objects.get(code="110105")],
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_targets_and_nothing_is_written(client, world, target, role):  # noqa: F811
    # given two agencies registered on 2010-01-01 in 东城 and 朝阳, and a target of 2 there
    before = counts()
    # when the role lists the targets and reads the one
    listed = client.get(
        f"{API}/targets", {"region": "110000", "as_of": "2010-12-31"}, **world["headers"][role]
    )
    one = client.get(
        f"{API}/targets/{target.pk}", {"as_of": "2010-12-31"}, **world["headers"][role]
    )
    # then both answer with the progress, and nothing is written
    assert listed.status_code == 200, listed.content
    assert listed.json()["count"] == 1
    item = listed.json()["items"][0]
    assert item["progress"] == {
        "as_of": "2010-12-31",
        "actual": 2,
        "percent": 100.0,
        "state": "met",
        "first_met_on": "2010-01-01",
        "pace_from": "2010-01-01",
        "pace_expected": 2.0,
    }
    assert item["scope"] == [
        {"code": "110101", "name": "东城区"},
        {"code": "110105", "name": "朝阳区"},
    ]
    assert item["document"]["number"] == "京民发〔2010〕1号"
    assert (item["metric"], item["kind"], item["value"], item["due_on"]) == (
        "organizations",
        "agency",
        2,
        "2010-12-31",
    )
    assert one.status_code == 200
    assert one.json() == item
    assert counts() == before


def test_a_district_region_lists_no_city_target(client, world, target):  # noqa: F811
    # when the targets of 东城 are listed
    response = client.get(f"{API}/targets", {"region": "110101", "as_of": "2010-12-31"})
    # then the city's target is not among them
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_an_unknown_region_is_404(client, world, target):  # noqa: F811
    response = client.get(f"{API}/targets", {"region": "999999", "as_of": "2010-12-31"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_date_before_any_record_is_a_problem_naming_as_of(client, world, target):  # noqa: F811
    # when the date lies before the first registration (2010-01-01)
    response = client.get(f"{API}/targets", {"region": "110000", "as_of": "2009-12-31"})
    # then the problem names the field
    assert response.status_code == 422
    assert "as_of" in response.content.decode()


def test_a_malformed_date_and_an_unknown_target_are_problems(client, world, target):  # noqa: F811
    assert (
        client.get(f"{API}/targets", {"region": "110000", "as_of": "2010-13-01"}).status_code == 422
    )
    assert client.get(f"{API}/targets/{target.pk + 999}").status_code == 404


def test_the_list_reads_a_bounded_number_of_queries(
    client,
    world,  # noqa: F811
    target,
    django_assert_max_num_queries,
):
    # given three more targets
    for month, value in ((10, 3), (11, 4), (12, 5)):
        target_record(
            actor=cli_actor("test"),
            region=Division.objects.get(code="110000"),
            metric="districts_covered",
            kind="agency",
            value=value,
            due_on=dt.date(2010, month, 30),
        )
    # then listing them stays within a fixed budget per target (statistics on each
    # candidate date are the cost: a handful of dates here)
    with django_assert_max_num_queries(80):
        response = client.get(f"{API}/targets", {"region": "110000", "as_of": "2010-12-31"})
    assert response.json()["count"] == 4
