from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.actors import cli_actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.divisions.models import Division
from shuniu.registry.services import organization_event_add
from shuniu.stats.selectors import organization_series, organization_stats, step_ends
from tests.factories import make_organization

ADMIN = cli_actor("test")


def stats(**kwargs):
    kwargs.setdefault("region_code", "110000")
    kwargs.setdefault("kind", "agency")
    return organization_stats(**kwargs)


def test_merged_district_counts_in_its_successor(db):
    # given an agency registered in 崇文区 (merged into 东城区 on 2010-07-01)
    make_organization(division="110103", registered_on=dt.date(2009, 3, 1))
    # when / then: in 崇文 before the merger, in 东城 from its day
    before = stats(as_of=dt.date(2010, 6, 30))
    after = stats(as_of=dt.date(2010, 7, 1))
    assert [(d.code, d.count) for d in before.by_district if d.count] == [("110103", 1)]
    assert [(d.code, d.count) for d in after.by_district if d.count] == [("110101", 1)]
    assert (before.districts_total, after.districts_total) == (18, 16)


def test_registering_counts_unless_excluded(db):
    make_organization(registered_on=dt.date(2010, 1, 1))
    make_organization(registered_on=None, registration_applied_on=dt.date(2010, 5, 1))
    make_organization(registered_on=None, founded_on=dt.date(2010, 5, 1))  # preparing
    on = dt.date(2010, 12, 31)
    with_registering = stats(as_of=on)
    registered_only = stats(as_of=on, include_registering=False)
    assert with_registering.total == 2
    assert registered_only.total == 1
    assert with_registering.by_status == {
        "preparing": 1,
        "registering": 1,
        "registered": 1,
        "deregistered": 0,
        "revoked": 0,
    }


def test_transformed_organization_counts_as_agency_from_that_date(db):
    # given a youth centre (kind other) registered 2006, transformed into an agency 2010-07-15
    centre = make_organization(kind="other", registered_on=dt.date(2006, 3, 1))
    organization_event_add(
        actor=ADMIN,
        organization=centre,
        kind="transformed",
        date=dt.date(2010, 7, 15),
        kind_after="agency",
        source="test",
    )
    # then
    assert stats(as_of=dt.date(2010, 7, 14)).total == 0
    assert stats(as_of=dt.date(2010, 7, 15)).total == 1
    assert stats(as_of=dt.date(2010, 7, 14), kind="other").total == 1
    centre.refresh_from_db()
    assert centre.kind == "agency"


def test_moved_organization_counts_where_it_was_on_each_date(db):
    org = make_organization(division="110105", registered_on=dt.date(2009, 1, 1))
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind="moved",
        date=dt.date(2011, 1, 1),
        division_after=Division.objects.get(code="110108"),
        source="test",
    )
    in_2010 = {d.code: d.count for d in stats(as_of=dt.date(2010, 12, 31)).by_district}
    in_2011 = {d.code: d.count for d in stats(as_of=dt.date(2011, 12, 31)).by_district}
    assert (in_2010["110105"], in_2010["110108"]) == (1, 0)
    assert (in_2011["110105"], in_2011["110108"]) == (0, 1)


def test_deregistered_organization_no_longer_counts(db):
    org = make_organization(registered_on=dt.date(2009, 1, 1))
    organization_event_add(
        actor=ADMIN, organization=org, kind="deregistered", date=dt.date(2012, 1, 1), source="t"
    )
    assert stats(as_of=dt.date(2011, 12, 31)).total == 1
    assert stats(as_of=dt.date(2012, 1, 1)).total == 0
    assert stats(as_of=dt.date(2012, 1, 1)).by_status["deregistered"] == 1


def test_district_region_and_formation_breakdown(db):
    make_organization(division="110102", formation="association_led")
    make_organization(division="110102", formation="university_local")
    make_organization(
        division="110104", formation="university_local", registered_on=dt.date(2009, 1, 1)
    )
    make_organization(division="110105", formation="independent")
    figures = stats(region_code="110102", as_of=dt.date(2012, 1, 1))
    assert figures.total == 3
    assert (figures.districts_total, figures.districts_covered) == (1, 1)
    assert [(f.formation, f.count) for f in figures.by_formation] == [
        ("university_local", 2),
        ("association_led", 1),
    ]


def test_region_that_no_longer_exists_is_refused_with_its_successor_named(db):
    with pytest.raises(ValidationError) as caught:
        stats(region_code="110103", as_of=dt.date(2012, 1, 1))
    assert "110101" in str(caught.value)
    with pytest.raises(NotFound):
        stats(region_code="999999", as_of=dt.date(2012, 1, 1))
    with pytest.raises(ValidationError):
        stats(kind="spaceship", as_of=dt.date(2012, 1, 1))


EVENT_KINDS = st.sampled_from(
    [
        "founded",
        "registration_applied",
        "registered",
        "deregistered",
        "revoked",
        "transformed",
        "moved",
        "annual_inspection",
    ]
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    registered=st.dates(dt.date(2005, 1, 1), dt.date(2015, 1, 1)),
    as_of=st.dates(dt.date(2005, 1, 1), dt.date(2015, 1, 1)),
    later_kind=EVENT_KINDS,
    days_after=st.integers(1, 2000),
    division=st.sampled_from(["110101", "110103", "110228", "110105"]),
)
def test_an_event_after_the_date_never_changes_the_statistic(
    db, registered, as_of, later_kind, days_after, division
):
    # given an organization and the statistic as of D
    org = make_organization(division=division, registered_on=registered)
    before = stats(as_of=as_of, kind=None)
    # when any event dated after D is recorded
    details = {
        "transformed": {"kind_after": "training"},
        "moved": {"division_after": Division.objects.get(code="110108")},
        "annual_inspection": {"inspection_year": 2010, "inspection_result": "passed"},
    }.get(later_kind, {})
    organization_event_add(
        actor=ADMIN,
        organization=org,
        kind=later_kind,
        date=as_of + dt.timedelta(days=days_after),
        source="t",
        **details,
    )
    # then the statistic as of D is unchanged
    assert stats(as_of=as_of, kind=None) == before


@given(
    start=st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
    days=st.integers(0, 3000),
    step=st.sampled_from(["year", "quarter", "month"]),
)
def test_step_ends_are_ordered_month_ends_and_end_at_to(start, days, step):
    end = start + dt.timedelta(days=days)
    points = step_ends(start, end, step)
    assert points == sorted(set(points))
    assert points[-1] == end
    assert all(start <= p <= end for p in points)
    assert all((p + dt.timedelta(days=1)).day == 1 for p in points[:-1])


def test_step_ends_by_year():
    assert step_ends(dt.date(2009, 1, 1), dt.date(2012, 11, 30), "year") == [
        dt.date(2009, 12, 31),
        dt.date(2010, 12, 31),
        dt.date(2011, 12, 31),
        dt.date(2012, 11, 30),
    ]


# --- the same numbers from the API and the CLI ------------------------------------------------


def test_cli_json_equals_api(client, db):
    make_organization(division="110103", registered_on=dt.date(2009, 3, 1), formation="independent")
    make_organization(division="110228", registered_on=dt.date(2010, 3, 1))
    api = client.get(
        "/api/v1/stats/organizations", {"region": "110000", "as_of": "2010-12-31", "kind": "agency"}
    ).json()
    out = io.StringIO()
    call_command(
        "stats",
        "organizations",
        "--region",
        "110000",
        "--as-of",
        "2010-12-31",
        "--kind",
        "agency",
        "--format",
        "json",
        stdout=out,
    )
    cli = json.loads(out.getvalue())
    assert cli == api
    assert (api["total"], api["districts_covered"], api["districts_total"]) == (2, 2, 16)


def test_series_endpoint(client, db):
    make_organization(registered_on=dt.date(2009, 3, 1))
    make_organization(registered_on=dt.date(2011, 3, 1))
    body = client.get(
        "/api/v1/stats/organizations/series",
        {"region": "110000", "kind": "agency", "from": "2009-01-01", "to": "2011-12-31"},
    ).json()
    assert [(p["as_of"], p["total"]) for p in body["points"]] == [
        ("2009-12-31", 1),
        ("2010-12-31", 1),
        ("2011-12-31", 2),
    ]


def test_series_points_are_the_statistics_of_each_date_read_in_one_query(db):
    # given an agency of 崇文区 (merged into 东城区 on 2010-07-01), one still registering
    # from 2010, and one deregistered in 2011
    make_organization(division="110103", registered_on=dt.date(2009, 3, 1))
    make_organization(
        division="110105", registered_on=None, registration_applied_on=dt.date(2010, 5, 1)
    )
    gone = make_organization(division="110108", registered_on=dt.date(2009, 6, 1))
    organization_event_add(
        actor=ADMIN, organization=gone, kind="deregistered", date=dt.date(2011, 4, 1), source="t"
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        series = organization_series(
            region_code="110000", start=dt.date(2009, 1, 1), end=dt.date(2011, 12, 31)
        )
    # then every point is what organization_stats says on its date: before the merger 18
    # districts, then 16, the 崇文 agency counted in 东城 from it
    assert [
        (p.as_of, p.total, p.by_status["registering"], p.districts_covered, p.districts_total)
        for p in series.points
    ] == [
        (dt.date(2009, 12, 31), 2, 0, 2, 18),
        (dt.date(2010, 12, 31), 3, 1, 3, 16),
        (dt.date(2011, 12, 31), 2, 1, 2, 16),
    ]
    for point in series.points:
        figures = stats(as_of=point.as_of, kind=None)
        assert (point.total, point.by_status, point.districts_covered) == (
            figures.total,
            figures.by_status,
            figures.districts_covered,
        )
    # and the periods of the three dates are read by one statement
    periods = [q for q in queries.captured_queries if "registry_organizationperiod" in q["sql"]]
    assert len(periods) == 1


def test_stats_endpoint_bad_input_is_a_problem(client, db):
    response = client.get("/api/v1/stats/organizations", {"region": "11"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "region"]
    missing = client.get("/api/v1/stats/organizations", {"region": "999999"})
    assert missing.status_code == 404


def test_cli_bad_region_exits_non_zero(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999999"):
        call_command("stats", "organizations", "--region", "999999")


def test_published_figures_are_set_beside_the_computed_ones(db, capsys):
    from decimal import Decimal

    from shuniu.stats.selectors import organization_published_comparison
    from shuniu.targets.models import PublishedFigure

    # given two agencies and the figures a report published for that date
    make_organization(division="110101")
    make_organization(division="110105")
    beijing = Division.objects.get(code="110000")
    on = dt.date(2010, 12, 31)
    for metric, value, qualifier in (("organizations", 2, ""), ("districts_covered", 3, "over")):
        PublishedFigure.objects.create(
            region=beijing,
            metric=metric,
            kind="agency",
            value=value,
            qualifier=qualifier,
            as_of=on,
            source="报告",
        )
    # when
    rows = organization_published_comparison(stats(as_of=on))
    # then: the exact figure matches; a bound ("over 3") never counts as a match
    assert [(r.metric, r.published, r.computed, r.matches) for r in rows] == [
        ("districts_covered", Decimal("3.00"), 2, False),
        ("organizations", Decimal("2.00"), 2, True),
    ]
    call_command(
        "stats", "organizations", "--region", "110000", "--as-of", "2010-12-31", "--kind", "agency"
    )
    printed = capsys.readouterr().out
    assert "报告" in printed
    assert "2 ≠" in printed  # computed coverage beside the published bound
