"""The public targets pages: the list per region and a target's page with its curve."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.targets.models import Target
from shuniu.targets.services import (
    policy_document_record,
    published_figure_record,
    target_record,
)
from tests.factories import make_organization


@pytest.fixture
def target(db) -> Target:
    # Two agencies: 东城 registered 2010-03-01, 朝阳 2010-09-01; a plan of 2 by the end of 2010.
    make_organization(name="东城甲社工事务所", division="110101", registered_on=dt.date(2010, 3, 1))
    make_organization(name="朝阳乙社工事务所", division="110105", registered_on=dt.date(2010, 9, 1))
    beijing = Division.objects.get(code="110000")
    document = policy_document_record(
        actor=cli_actor("test"), title="试点方案", region=beijing, issued_on=dt.date(2010, 1, 1)
    )
    return target_record(
        actor=cli_actor("test"),
        document=document,
        region=beijing,
        metric="organizations",
        kind="agency",
        value=2,
        due_on=dt.date(2010, 12, 31),
        description="培育2家",
    )


@pytest.fixture(params=["anonymous", "officer_elsewhere", "admin"])
def reader(request, client, make_officer, admin_user):
    if request.param == "officer_elsewhere":
        client.force_login(make_officer("sh_officer", "310000"))
    elif request.param == "admin":
        client.force_login(admin_user)
    return client


def test_everyone_reads_the_list_and_nothing_is_written(reader, target):
    # given the target, read by each role
    before = AuditRecord.objects.count()
    # when the list of Beijing is read as of 2010-06-30
    response = reader.get("/targets/", {"region": "110000", "as_of": "2010-06-30"})
    # then the target is there on track: 1 agency against a pace of 2 x 180/364 = 0.99
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="target-{target.pk}" data-state="on_track"' in html
    assert "培育2家" in html
    assert AuditRecord.objects.count() == before


def test_everyone_reads_a_target_page_with_its_curve(reader, target):
    # when the target's page is read as of 2010-12-31
    response = reader.get(f"/targets/{target.pk}/", {"as_of": "2010-12-31"})
    # then it shows met, first on the second registration, with the chart's data
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="figure-state" data-state="met"' in html
    assert 'id="figure-first-met">2010-09-01<' in html
    assert 'id="target-data"' in html
    assert 'id="curve-table"' in html


def test_the_curve_downloads_as_csv_with_exact_numbers(client, target):
    # when the curve is downloaded as CSV as of 2010-12-31
    response = client.get(f"/targets/{target.pk}/", {"as_of": "2010-12-31", "format": "csv"})
    # then the first row is the plan's date with nothing yet, the last the due date met
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1] == "2010-01-01,0.0,0.0"
    assert lines[-1] == "2010-12-31,2.0,2.0"


def test_bad_input_is_a_clear_error(client, target):
    # an unknown region, a date before any record, a bad date, an unknown format, no target
    assert client.get("/targets/", {"region": "999999"}).status_code == 400
    before = client.get("/targets/", {"region": "110000", "as_of": "2009-01-01"})
    assert before.status_code == 400
    assert "2010-03-01" in before.content.decode()
    assert client.get(f"/targets/{target.pk}/", {"as_of": "2010-13-01"}).status_code == 400
    unknown = client.get(f"/targets/{target.pk}/", {"as_of": "2010-12-31", "format": "pdf"})
    assert unknown.status_code == 400
    assert "pdf" in unknown.content.decode()
    assert client.get(f"/targets/{target.pk + 99}/").status_code == 404


def list_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/targets/", {"region": "110000", "as_of": "2012-12-31"})
    assert response.status_code == 200
    return len(queries)


def test_the_list_reads_the_same_queries_whatever_its_targets_and_dates(
    client, target, django_assert_max_num_queries
):
    # given the list with one target of organizations
    one = list_queries(client)
    # and then with seven more, of another metric and scoped, and many more dated records
    beijing = Division.objects.get(code="110000")
    for n in range(30):
        make_organization(division="110108", registered_on=dt.date(2011, 1, 1 + n))
    for month in (3, 5, 7, 9, 10, 11, 12):
        target_record(
            actor=cli_actor("test"),
            region=beijing,
            metric="districts_covered" if month % 2 else "organizations",
            kind="agency",
            value=40,
            due_on=dt.date(2012, month, 30),
            scope=[Division.objects.get(code="110108")] if month == 12 else [],
        )
    # when the list is read again
    with django_assert_max_num_queries(one):
        response = client.get("/targets/", {"region": "110000", "as_of": "2012-12-31"})
    # then it read no more queries than with one target (and a small number)
    assert response.content.decode().count('id="target-') == 8
    assert one <= 8, one


def test_the_target_page_sets_published_figures_beside_the_computed_ones(client, target):
    # given two published counts of Beijing's agencies: 2 at the end of 2010, 3 in mid-2010
    for as_of, value, source in (
        (dt.date(2010, 12, 31), 2, "年报"),
        (dt.date(2010, 6, 30), 3, "简报"),
    ):
        published_figure_record(
            actor=cli_actor("test"),
            region=Division.objects.get(code="110000"),
            metric="organizations",
            kind="agency",
            value=value,
            as_of=as_of,
            source=source,
        )
    # when the target's page is read
    html = client.get(f"/targets/{target.pk}/", {"as_of": "2010-12-31"}).content.decode()
    # then each figure has its computed value of its own date and the difference
    assert '<tr class="table-warning"><td>2010-06-30</td><td class="text-end"> 3</td>' in html
    assert '<td class="text-end">-2 (-66.67 %)</td><td>简报</td>' in html
    assert '<td class="text-end">0 (0.00 %)</td><td>年报</td>' in html


def test_the_dashboard_leads_to_the_targets_of_its_region_and_date(client, target):
    # Given a region's dashboard on a date
    html = client.get("/", {"region": "110000", "as_of": "2010-12-31"}).content.decode()
    # Then it links to the targets list of the same region and date, which answers
    assert 'href="/targets/?region=110000&amp;as_of=2010-12-31" id="targets-link"' in html
    assert client.get("/targets/", {"region": "110000", "as_of": "2010-12-31"}).status_code == 200
