"""Issue 9 point 4: the three cities' operating models in the demo as of the survey's date
(2012-11-30), where the survey's contrast must show in numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shuniu.stats.operating import operating_profiles

SURVEY = dt.date(2012, 11, 30)


@pytest.fixture
def profiles(demo, db):
    return {p.region.code: p for p in operating_profiles(as_of=SURVEY)}


def formation_shares(profile):
    return {s.code: (s.count, s.share) for s in profile.formations}


def test_beijing_is_hub_led_and_university_local(profiles):
    # Given the demo's Beijing on 2012-11-30 (the survey's 50 agencies, registering included)
    beijing = profiles["110000"]
    assert beijing.agencies == 50
    # Then most agencies come from universities (29) and 6 from the 西城 federation's
    # 以会带所: the 3 named ones plus one planned for each of 2010-2012
    assert formation_shares(beijing) == {
        "transformation": (7, Decimal("0.1400")),
        "university_local": (29, Decimal("0.5800")),
        "association_led": (6, Decimal("0.1200")),
        "independent": (8, Decimal("0.1600")),
        "unknown": (0, Decimal("0.0000")),
    }
    # And those 6 are led by a hub, the district-level 西城区社会工作者联合会
    assert (beijing.hub_led.count, beijing.hub_led.share) == (6, Decimal("0.1200"))
    assert {s.code: s.count for s in beijing.hub_levels if s.count} == {"district": 6}
    # And every district has one; 50 / 16 districts, 50 per 19612368 residents (2010)
    assert (beijing.districts, beijing.districts_covered) == (16, 16)
    assert beijing.agencies_per_district == Decimal("3.12")
    assert (beijing.population, beijing.population_census) == (19612368, 2010)
    assert beijing.agencies_per_10k == Decimal("0.0255")
    assert (beijing.certified, beijing.certified_per_agency) == (11723, Decimal("234.46"))
    # And the named support: 100000 + 50000 + 80000 yuan to the 西城 and 东城 agencies
    assert beijing.support_yuan == Decimal("230000.00")
    assert beijing.support_per_agency == Decimal("4600.00")
    # And the governments bought services more than posts
    assert (beijing.posts_amount, beijing.services_amount) == (
        Decimal("960000.00"),
        Decimal("2250000.00"),
    )
    assert [s.share for s in beijing.purchased] == [Decimal("0.2991"), Decimal("0.7009")]


def test_shanghai_has_transformed_agencies_and_no_hub(profiles):
    shanghai = profiles["310000"]
    assert shanghai.agencies == 51
    # The generator draws independent / transformation / university-local 55 : 25 : 20 and
    # turns early transformations into independent ones; 乐群 has no recorded formation
    assert formation_shares(shanghai) == {
        "transformation": (9, Decimal("0.1765")),
        "university_local": (15, Decimal("0.2941")),
        "association_led": (0, Decimal("0.0000")),
        "independent": (26, Decimal("0.5098")),
        "unknown": (1, Decimal("0.0196")),
    }
    assert shanghai.hub_led.count == 0
    assert {s.share for s in shanghai.hub_levels} == {None}
    assert (shanghai.districts, shanghai.districts_covered) == (17, 15)
    assert (shanghai.population, shanghai.agencies_per_10k) == (23019196, Decimal("0.0222"))
    assert shanghai.certified == 13876
    # The demo records no support or purchase in Shanghai
    assert (shanghai.support_yuan, shanghai.posts_amount) == (Decimal("0.00"), Decimal("0.00"))
    assert {s.share for s in shanghai.purchased} == {None}


def test_shenzhen_is_civil_run_and_buys_posts(profiles):
    shenzhen = profiles["440300"]
    # All 30 agencies are independent (民办), 70% registered with the city itself
    assert shenzhen.agencies == 30
    assert formation_shares(shenzhen)["independent"] == (30, Decimal("1.0000"))
    assert shenzhen.hub_led.count == 0
    assert (shenzhen.districts, shenzhen.districts_covered) == (6, 5)
    assert (shenzhen.population, shenzhen.agencies_per_10k) == (10358381, Decimal("0.0290"))
    assert (shenzhen.certified, shenzhen.certified_per_agency) == (1900, Decimal("63.33"))
    # And everything bought is posts (岗位购买)
    assert (shenzhen.posts_amount, shenzhen.services_amount) == (
        Decimal("3720000.00"),
        Decimal("0.00"),
    )
    assert [s.share for s in shenzhen.purchased] == [Decimal("1.0000"), Decimal("0.0000")]
