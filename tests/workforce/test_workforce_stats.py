"""Workforce statistics as of a date: exact values on a small dataset, the property that
later events never change an earlier date's figures, and the same numbers from the API and
the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.divisions.models import Division
from shuniu.registry.services import organization_event_add
from shuniu.stats.selectors import workforce_stats
from shuniu.targets.models import PublishedFigure
from shuniu.workforce.services import (
    certificate_revoke,
    cohort_record,
    employment_end,
    placement_add,
    programme_create,
)
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, employ, make_certificate, make_person

d = dt.date
D = d(2012, 11, 30)


def division(code: str) -> Division:
    return Division.objects.get(code=code)


@pytest.fixture
def world(db):
    """A small Beijing (and a bit of Shanghai) whose figures are worked out by hand."""
    agency = make_organization(division="110102", registered_on=d(2010, 1, 1))
    centre = make_organization(kind="other", division="110105", registered_on=d(2006, 1, 1))
    organization_event_add(
        actor=SYSTEM,
        organization=centre,
        kind="transformed",
        date=d(2012, 6, 1),
        kind_after="agency",
        source="t",
    )
    association = make_organization(
        kind="association",
        division="110108",
        registered_on=d(2009, 1, 1),
        association_level="district",
        legal_form="social_group",
    )
    shanghai_agency = make_organization(division="310115", registered_on=d(2008, 1, 1))
    people = {}
    # p1: junior 2009 in 宣武, intermediate 2011 in 海淀: once, as intermediate, in 海淀
    p1 = people["p1"] = make_person()
    make_certificate(p1, level="junior", issued_on=d(2009, 11, 1), division="110104")
    make_certificate(p1, level="intermediate", issued_on=d(2011, 11, 1), division="110108")
    employ(p1, agency, starts_on=d(2011, 1, 1))
    # p2: junior in 崇文 before the merger (东城 now), works for the centre, an agency from June
    p2 = people["p2"] = make_person()
    make_certificate(p2, issued_on=d(2010, 3, 1), division="110103")
    employ(p2, centre, starts_on=d(2011, 3, 1))
    # p3: junior, revoked 2012-01-01
    p3 = people["p3"] = make_person()
    cert = make_certificate(p3, issued_on=d(2010, 11, 1), division="110102")
    certificate_revoke(actor=SYSTEM, certificate=cert, revoked_on=d(2012, 1, 1))
    # p4: certified only after D
    p4 = people["p4"] = make_person()
    make_certificate(p4, issued_on=d(2012, 12, 15), division="110102")
    # p5: senior, registered with the city itself
    p5 = people["p5"] = make_person()
    make_certificate(p5, level="senior", issued_on=d(2011, 11, 1), division="110000")
    # p6: Shanghai
    p6 = people["p6"] = make_person()
    make_certificate(p6, issued_on=d(2010, 11, 1), division="310115")
    employ(p6, shanghai_agency, starts_on=d(2011, 1, 1))
    # p7: not certified; worked for the agency from mid-2010 to October 2012
    p7 = people["p7"] = make_person()
    employ(p7, agency, starts_on=d(2010, 6, 1), ends_on=d(2012, 10, 1))
    # p8: junior in 朝阳, works for an association (the sector, not an agency)
    p8 = people["p8"] = make_person()
    make_certificate(p8, issued_on=d(2011, 11, 1), division="110105")
    employ(p8, association, starts_on=d(2012, 1, 1))
    # a university in 海淀 and one in Shanghai
    university = make_organization(
        kind="university", division="110108", legal_form="public_institution", registered_on=None
    )
    for year, level, graduates in (
        (2011, "bachelor", 100),
        (2012, "bachelor", 120),
        (2012, "master", 30),
        (2013, "bachelor", 140),
    ):
        cohort_record(
            actor=SYSTEM, university=university, year=year, degree_level=level, graduates=graduates
        )
    shanghai_university = make_organization(
        kind="university", division="310104", legal_form="public_institution", registered_on=None
    )
    cohort_record(
        actor=SYSTEM,
        university=shanghai_university,
        year=2011,
        degree_level="bachelor",
        graduates=500,
    )
    programme = programme_create(actor=SYSTEM, name="计划", region=division("110000"), year=2009)
    for person, code in ((p1, "110104"), (p7, "110105"), (p4, "110108")):
        placement_add(
            actor=SYSTEM,
            programme=programme,
            person=person,
            division=division(code),
            starts_on=d(2009, 9, 1),
        )
    for metric, value, as_of, qualifier in (
        ("certified_workers", 11723, D, ""),
        ("programme_placements", 5000, d(2009, 12, 31), "over"),
        ("certified_workers", 20000, d(2014, 12, 31), ""),
    ):
        PublishedFigure.objects.create(
            region=division("110000"),
            metric=metric,
            value=Decimal(value),
            qualifier=qualifier,
            as_of=as_of,
            as_of_precision="day",
            source="test",
        )
    return people


def nonzero(stats) -> dict[str, int]:
    return {row.code: row.certified for row in stats.by_district if row.certified}


def test_certified_people_counted_once_at_their_highest_level(world):
    # when
    stats = workforce_stats(region_code="110000", as_of=D)
    # then: p1 (intermediate), p2, p5 (senior, city), p8; not p3 (revoked), p4 (later), p6
    assert stats.certified_total == 4
    assert stats.by_level == {"junior": 2, "intermediate": 1, "senior": 1}
    assert (stats.districts_total, stats.city_registered) == (16, 1)
    # 崇文 counts in 东城; p1's 2009 certificate in 宣武 is not counted a second time
    assert nonzero(stats) == {"110101": 1, "110105": 1, "110108": 1}


def test_employed_by_agencies_uses_the_organizations_kind_on_the_date(world):
    late = workforce_stats(region_code="110000", as_of=D)
    early = workforce_stats(region_code="110000", as_of=d(2012, 5, 31))
    # then: on D, p1 (agency) and p2 (the centre, an agency since June); p8 is in the sector
    assert (late.employed_by_agencies, late.employed_in_sector) == (2, 3)
    # in May the centre was not yet an agency; p3's certificate was already revoked
    assert (early.employed_by_agencies, early.employed_in_sector) == (1, 2)
    assert early.certified_total == 4


def test_agency_staff_and_retention(world):
    stats = workforce_stats(region_code="110000", as_of=D)
    # p1 and p2 on D (p7 left in October)
    assert stats.agency_staff == 2
    one, three = stats.retention
    # a year before, p1 and p7 worked for agencies (the centre was not one): p1 still does
    assert (one.years, one.base_on, one.employed_then, one.still_employed) == (
        1,
        d(2011, 11, 30),
        2,
        1,
    )
    # three years before, the agency was not yet registered
    assert (three.years, three.base_on, three.employed_then, three.still_employed) == (
        3,
        d(2009, 11, 30),
        0,
        0,
    )


def test_pipeline(world):
    pipeline = workforce_stats(region_code="110000", as_of=D).pipeline
    # the 2013 cohort has not graduated; the Shanghai university is elsewhere
    assert (pipeline.graduates, pipeline.universities) == (250, 1)
    assert [(y.year, y.graduates) for y in pipeline.graduates_by_year] == [(2011, 100), (2012, 150)]
    # p1, p7, p4 placed; of them only p1 certified on D
    assert (pipeline.placed, pipeline.placed_certified) == (3, 1)
    assert (pipeline.certified, pipeline.employed_in_sector) == (4, 3)
    # before 1 July 2012 the 2012 cohort has not graduated either
    early = workforce_stats(region_code="110000", as_of=d(2012, 6, 30)).pipeline
    assert early.graduates == 100


def test_published_figures_are_the_latest_by_the_date(world):
    published = workforce_stats(region_code="110000", as_of=D).published
    assert [(p.metric, p.value, p.qualifier, p.as_of) for p in published] == [
        ("certified_workers", 11723, "", D),
        ("programme_placements", 5000, "over", d(2009, 12, 31)),
    ]


def test_a_district_region_and_shanghai(world):
    haidian = workforce_stats(region_code="110108", as_of=D)
    assert (haidian.certified_total, haidian.districts_total) == (1, 1)
    assert nonzero(haidian) == {"110108": 1}
    shanghai = workforce_stats(region_code="310000", as_of=D)
    assert (shanghai.certified_total, shanghai.employed_by_agencies, shanghai.agency_staff) == (
        1,
        1,
        1,
    )


def test_the_statistic_takes_a_fixed_number_of_queries(world):
    with CaptureQueriesContext(connection) as few:
        workforce_stats(region_code="110000", as_of=D)
    for _n in range(5):
        person = make_person()
        make_certificate(person, issued_on=d(2011, 1, 1), division="110101")
    with CaptureQueriesContext(connection) as more:
        workforce_stats(region_code="110000", as_of=D)
    assert len(more) == len(few) <= 8


# --- an event dated after D never changes the figures as of D ------------------------------


EVENTS = st.sampled_from(
    ["certificate", "higher_certificate", "revoke", "employment", "end_employment", "transform"]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    issued=st.dates(d(2008, 1, 1), d(2014, 12, 31)),
    started=st.dates(d(2008, 1, 1), d(2014, 12, 31)),
    as_of=st.dates(d(2008, 1, 1), d(2015, 12, 31)),
    event=EVENTS,
    days_after=st.integers(1, 1500),
    code=st.sampled_from(["110103", "110101", "110000", "110228"]),
)
def test_an_event_after_the_date_never_changes_the_statistic(
    db, issued, started, as_of, event, days_after, code
):
    # given a certified person working for an agency, and the figures as of D
    if not Division.objects.get(code=code).is_valid_on(issued):
        code = "110101"
    agency = make_organization(division="110101", registered_on=d(2008, 1, 1))
    person = make_person()
    cert = make_certificate(person, issued_on=issued, division=code)
    job = employ(person, agency, starts_on=started)
    before = workforce_stats(region_code="110000", as_of=as_of)
    later = as_of + dt.timedelta(days=days_after)
    # when an event dated after D is recorded
    if event == "certificate":
        make_certificate(make_person(), issued_on=later, division="110102")
    elif event == "higher_certificate":
        make_certificate(person, level="intermediate", issued_on=later, division="110108")
    elif event == "revoke" and later > issued:
        certificate_revoke(actor=SYSTEM, certificate=cert, revoked_on=later)
    elif event == "employment":
        employ(person, make_organization(division="110105"), starts_on=later)
    elif event == "end_employment" and later > started:
        employment_end(actor=SYSTEM, employment=job, ends_on=later)
    elif event == "transform":
        organization_event_add(
            actor=SYSTEM,
            organization=agency,
            kind="transformed",
            date=later,
            kind_after="training",
            source="t",
        )
    # then
    assert workforce_stats(region_code="110000", as_of=as_of) == before


# --- the same numbers from the API and the CLI --------------------------------------------------


def test_cli_json_equals_api(client, world):
    api = client.get("/api/v1/stats/workforce", {"region": "110000", "as_of": "2012-11-30"})
    assert api.status_code == 200
    body = api.json()
    out = io.StringIO()
    call_command(
        "stats",
        "workforce",
        "--region",
        "110000",
        "--as-of",
        "2012-11-30",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == body
    # the promised fields
    assert body["region"] == {"code": "110000", "name": "北京市", "name_en": "Beijing"}
    assert body["as_of"] == "2012-11-30"
    assert (body["certified_total"], body["employed_by_agencies"]) == (4, 2)
    assert body["by_level"] == {"junior": 2, "intermediate": 1, "senior": 1}
    assert {"code": "110108", "name": "海淀区", "name_en": "Haidian District", "certified": 1} in (
        body["by_district"]
    )


def test_cli_table_prints(world, capsys):
    call_command("stats", "workforce", "--region", "110000", "--as-of", "2012-11-30")
    printed = capsys.readouterr().out
    assert "北京市" in printed
    assert "11723" in printed


def test_bad_input(client, db):
    assert client.get("/api/v1/stats/workforce", {"region": "11"}).status_code == 422
    assert client.get("/api/v1/stats/workforce", {"region": "999999"}).status_code == 404
    gone = client.get("/api/v1/stats/workforce", {"region": "110103", "as_of": "2012-01-01"})
    assert gone.status_code == 422
    assert "110101" in gone.json()["detail"]
    with pytest.raises(CommandError, match="999999"):
        call_command("stats", "workforce", "--region", "999999")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("stats", "workforce", "--region", "110000", "--as-of", "2012-13-01")
