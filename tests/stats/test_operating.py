"""Operating models of the cities (``stats.operating``): shares by formation and hub, density,
workers, support and purchased amounts, as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import NotFound, ValidationError
from shuniu.registry.models import Organization, OrganizationEvent
from shuniu.stats.operating import (
    OperatingProfile,
    Share,
    census_after_date,
    operating_profile,
    operating_profiles,
)
from tests.factories import make_organization
from tests.factories_operating import beijing_scene
from tests.factories_procurement_buy import event

pytestmark = pytest.mark.django_db

MID_2012 = dt.date(2012, 6, 30)


@pytest.fixture
def beijing(db):
    return beijing_scene()


def shares(items):
    return [(s.code, s.count, s.share) for s in items]


def test_the_profile_of_a_city_on_a_date(beijing):
    # Given the Beijing scene; when its profile is taken mid-2012
    profile = operating_profile(region_code="110000", as_of=MID_2012)
    # Then three agencies exist (丁 registers later, 戊 is no agency), one of each formation
    assert profile.region.code == "110000"
    assert profile.agencies == 3
    assert shares(profile.formations) == [
        ("transformation", 1, Decimal("0.3333")),
        ("university_local", 1, Decimal("0.3333")),
        ("association_led", 1, Decimal("0.3333")),
        ("independent", 0, Decimal("0.0000")),
        ("unknown", 0, Decimal("0.0000")),
    ]
    # And only 丙 is led by a hub then (乙 left its hub on 2012-05-01): the city association
    assert (profile.hub_led.count, profile.hub_led.share) == (1, Decimal("0.3333"))
    assert shares(profile.hub_levels) == [
        ("city", 1, Decimal("1.0000")),
        ("district", 0, Decimal("0.0000")),
        ("street", 0, Decimal("0.0000")),
        ("unknown", 0, Decimal("0.0000")),
    ]
    # And 2 of the 16 districts have one; 3 / 16 = 0.1875 per district
    assert (profile.districts, profile.districts_covered) == (16, 2)
    assert profile.agencies_per_district == Decimal("0.19")
    # And the 2010 census (19612368) gives 30000 / 19612368 = 0.00153 per 10,000 residents
    assert (profile.population, profile.population_census) == (19612368, 2010)
    assert profile.agencies_per_10k == Decimal("0.0015")
    assert (profile.certified, profile.certified_per_agency) == (2, Decimal("0.67"))
    # And only 甲's support counts (乙's is later, 丁 did not exist yet)
    assert profile.support_yuan == Decimal("100000.00")
    assert profile.support_per_agency == Decimal("33333.33")
    # And posts 300000 against services 100000 (the Shanghai contract is not Beijing's)
    assert (profile.posts_amount, profile.services_amount) == (
        Decimal("300000.00"),
        Decimal("100000.00"),
    )
    assert shares(profile.purchased) == [
        ("posts", 0, Decimal("0.7500")),
        ("services", 0, Decimal("0.2500")),
    ]


@pytest.mark.parametrize(
    ("as_of", "led", "levels"),
    [
        # Before 丙 joined its hub: 乙 only, led by its district association since registering
        (dt.date(2012, 2, 29), 1, {"district": 1}),
        # Both, 丙's joining counted from its day
        (dt.date(2012, 3, 1), 2, {"city": 1, "district": 1}),
        # 乙 left on 2012-05-01, counted from that day
        (dt.date(2012, 5, 1), 1, {"city": 1}),
        # Before 乙 was registered, 丙 not yet led: nobody
        (dt.date(2010, 6, 30), 0, {}),
    ],
)
def test_hub_leadership_follows_the_dated_events(beijing, as_of, led, levels):
    profile = operating_profile(region_code="110000", as_of=as_of)
    assert profile.hub_led.count == led
    assert {s.code: s.count for s in profile.hub_levels if s.count} == levels


def test_leaving_a_hub_without_naming_it_leaves_the_time_before_unknown(beijing):
    # Given an agency registered with a hub whose leaving (2012-05-01) names no hub: the
    # registry then keeps no trace of which hub led it before (the replay starts from the
    # current hub, none)
    hub = make_organization(kind="association", division="110000", association_level="city")
    e = make_organization(division="110108", hub=hub, registered_on=dt.date(2011, 1, 1))
    event(e, "left_hub", dt.date(2012, 5, 1))
    # Then it is not counted as hub-led before its leaving either: only 乙 is, on 2012-04-30
    profile = operating_profile(region_code="110000", as_of=dt.date(2012, 4, 30))
    assert {s.code: s.count for s in profile.hub_levels if s.count} == {"city": 1, "district": 1}


def test_a_region_without_agencies_has_no_ratios(beijing):
    # Given Shenzhen, with no records at all
    profile = operating_profile(region_code="440300", as_of=MID_2012)
    # Then the counts are 0 and every ratio over them None (shown as "—"), the shares too
    assert profile.agencies == 0
    assert {s.share for s in profile.formations} == {None}
    assert profile.hub_led.share is None
    assert profile.agencies_per_district == Decimal("0.00")  # 0 agencies over 6 districts
    assert profile.certified_per_agency is None
    assert profile.support_per_agency is None
    assert profile.agencies_per_10k == Decimal("0.0000")
    assert {s.share for s in profile.purchased} == {None}


def test_a_district_reads_its_own_agencies_and_population(beijing):
    profile = operating_profile(region_code="110102", as_of=MID_2012)
    assert profile.agencies == 2
    assert (profile.districts, profile.districts_covered) == (1, 1)
    assert profile.population == 1243315
    assert profile.posts_amount == Decimal("300000.00")


def test_the_three_cities_in_order_with_a_fixed_number_of_queries(
    beijing, django_assert_num_queries
):
    # Given the scene and 20 more Beijing agencies, each led by the city association
    hub = make_organization(kind="association", division="110000", association_level="city")
    for _n in range(20):
        make_organization(division="110108", hub=hub)
    # When the three profiles are taken: the division index, then 6 per city (the agencies,
    # the hub-led ones, the census, the certified, the support and the purchases)
    with django_assert_num_queries(1 + 6 * 3):
        profiles = operating_profiles(as_of=MID_2012)
    # Then the cities come in the survey's order and the new agencies are counted
    assert [p.region.code for p in profiles] == ["110000", "310000", "440300"]
    assert profiles[0].agencies == 23
    assert profiles[0].hub_led.count == 21


def test_an_unknown_or_not_yet_existing_region_is_refused(beijing):
    with pytest.raises(NotFound):
        operating_profile(region_code="999999", as_of=MID_2012)
    # 龙华区 was created 2016-10-11
    with pytest.raises(ValidationError):
        operating_profile(region_code="440309", as_of=MID_2012)


@pytest.mark.parametrize(
    ("as_of", "census", "after"),
    [
        (dt.date(2010, 10, 31), 2010, True),
        (dt.date(2010, 11, 1), 2010, False),
        (dt.date(2020, 10, 31), 2010, False),
        (dt.date(2020, 11, 1), 2020, False),
    ],
)
def test_a_date_before_the_2010_census_reads_it_and_says_so(db, as_of, census, after):
    profile = operating_profile(region_code="310000", as_of=as_of)
    assert profile.population_census == census
    assert census_after_date(profile) is after


HUB_EVENT_ORDER = {"joined_hub": 0, "left_hub": 1}  # as registry.models.EVENT_ORDER has them


def hub_by_replay(events, org_hub, as_of):
    """The rule of stats.operating's docstring, written plainly: the oracle of the SQL."""
    ordered = sorted(events, key=lambda e: (e[1], HUB_EVENT_ORDER[e[0]], e[3]))
    before = [e for e in ordered if e[1] <= as_of]
    if before:
        kind, _date, hub, _n = before[-1]
        return hub if kind == "joined_hub" else None
    if ordered:
        kind, _date, hub, _n = ordered[0]
        return hub if kind == "left_hub" else None
    return org_hub


@pytest.fixture
def one_agency(db):
    city = make_organization(kind="association", division="110000", association_level="city")
    district = make_organization(
        kind="association", division="110102", association_level="district"
    )
    agency = make_organization(division="110105", registered_on=dt.date(2000, 1, 1))
    return agency, {"city": city, "district": district}


hub_events = st.lists(
    st.tuples(
        st.sampled_from(["joined_hub", "left_hub"]),
        st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2005, 1, 20)),
        st.sampled_from(["city", "district", None]),
    ),
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=hub_events,
    org_hub=st.sampled_from(["city", "district", None]),
    as_of=st.dates(min_value=dt.date(2004, 12, 30), max_value=dt.date(2005, 1, 22)),
)
def test_the_hub_on_a_date_follows_the_events_as_the_rule_says(one_agency, events, org_hub, as_of):
    # Given one agency with any hub events (a joined one always names its hub) and any
    # recorded current hub
    agency, hubs = one_agency
    events = [(k, d, h if h or k == "left_hub" else "city") for k, d, h in events]
    OrganizationEvent.objects.filter(
        organization=agency, kind__in=["joined_hub", "left_hub"]
    ).delete()
    created = OrganizationEvent.objects.bulk_create(
        OrganizationEvent(
            organization=agency, kind=k, date=d, hub=hubs[h] if h else None, source="test"
        )
        for k, d, h in events
    )
    Organization.objects.filter(pk=agency.pk).update(hub=hubs[org_hub] if org_hub else None)
    ids = [e.pk for e in created]
    # When its operating profile is taken on any date
    profile = operating_profile(region_code="110105", as_of=as_of)
    # Then the hub it is counted under is the one the rule gives
    expected = hub_by_replay(
        [(k, d, h, pk) for (k, d, h), pk in zip(events, ids, strict=True)], org_hub, as_of
    )
    assert {s.code: s.count for s in profile.hub_levels if s.count} == (
        {expected: 1} if expected else {}
    )


def test_the_interface_the_report_codes_against():
    # The report helper reads these fields by name (issue 9 point 4's brief): keep them.
    assert [f.name for f in fields(Share)] == ["code", "label", "count", "share"]
    assert [f.name for f in fields(OperatingProfile)] == [
        "region",
        "as_of",
        "agencies",
        "formations",
        "hub_led",
        "hub_levels",
        "districts",
        "districts_covered",
        "agencies_per_district",
        "population",
        "population_census",
        "agencies_per_10k",
        "certified",
        "certified_per_agency",
        "support_yuan",
        "support_per_agency",
        "purchased",
        "posts_amount",
        "services_amount",
    ]
