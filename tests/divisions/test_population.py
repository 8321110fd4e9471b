"""Census population as reference data and ``population_on`` (the census that stands for a
date, the territory of a region on that date)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.divisions.loading import load_population
from shuniu.divisions.models import Division, Population
from shuniu.divisions.selectors import DivisionIndex, population_on

pytestmark = pytest.mark.django_db

CENSUS_2020 = dt.date(2020, 11, 1)
CENSUS_2010 = dt.date(2010, 11, 1)


def region(code: str) -> Division:
    return Division.objects.get(code=code)


def test_the_migration_loads_every_row_of_the_file_once():
    # Given the migrated database (the data migration loaded population.csv)
    # Then it holds the file's 87 rows: 2010 has 16 + 18 + 6 county-level rows and 3 city
    # totals, 2020 has 16 + 16 + 9 and 3 (population.NOTICE.md's "85 rows" miscounts them)
    assert Population.objects.filter(census=2010).count() == 43
    assert Population.objects.filter(census=2020).count() == 44
    # When the file is loaded again
    created, updated = load_population(Population, Division)
    # Then nothing changes
    assert (created, updated) == (0, 0)
    assert Population.objects.count() == 87


def test_a_city_reads_its_own_total_row_of_the_census_before_the_date():
    # Given Shanghai; when its population is asked for mid-2015 and just after the 2020 census
    mid_2015 = population_on(region=region("310000"), on=dt.date(2015, 6, 30))
    after_2020 = population_on(region=region("310000"), on=CENSUS_2020)
    # Then 2015 reads the 2010 total and the census day itself reads the 2020 one
    assert mid_2015 is not None
    assert after_2020 is not None
    assert (mid_2015.population, mid_2015.census, mid_2015.before_census) == (
        23019196,
        2010,
        False,
    )
    assert (after_2020.population, after_2020.census) == (24870895, 2020)


def test_the_day_before_the_2020_census_still_reads_2010():
    figure = population_on(region=region("110000"), on=CENSUS_2020 - dt.timedelta(days=1))
    assert figure is not None
    assert (figure.population, figure.census) == (19612368, 2010)


def test_a_date_before_the_first_census_reads_2010_and_says_so():
    figure = population_on(region=region("440300"), on=dt.date(2008, 1, 1))
    assert figure is not None
    assert (figure.population, figure.census, figure.before_census) == (10358381, 2010, True)


def test_a_district_includes_the_districts_merged_into_it_by_the_date():
    # Given 卢湾区 merged into 黄浦区 on 2011-06-08, after the 2010 census counted both
    # When 黄浦区 is asked for before and after the merger
    before = population_on(region=region("310101"), on=dt.date(2011, 6, 7))
    after = population_on(region=region("310101"), on=dt.date(2011, 6, 8))
    # Then the merger adds 卢湾区's 248779 to 黄浦区's 429891
    assert before is not None
    assert after is not None
    assert before.population == 429891
    assert after.population == 429891 + 248779


def test_a_district_created_after_the_census_has_no_population_for_it():
    # Given 龙华区, carved out of 宝安区 in 2016: the 2010 census has no row for it
    figure = population_on(region=region("440309"), on=dt.date(2018, 1, 1))
    # Then its population is unknown (None, shown as "—"), the census used still named
    assert figure is not None
    assert (figure.population, figure.census) == (None, 2010)
    # And from the 2020 census on it has one
    later = population_on(region=region("440309"), on=dt.date(2021, 1, 1))
    assert later is not None
    assert later.population == 2528872


def test_a_region_outside_the_reference_file_has_no_population():
    # Given a city and its district that the file does not cover
    other = Division.objects.create(code="990100", name="测试市", level="city")
    Division.objects.create(code="990101", name="测试区", level="district", parent=other)
    # Then neither has a population (the city has no total row, its district no row either)
    figure = population_on(region=other, on=dt.date(2015, 1, 1))
    assert figure is not None
    assert figure.population is None
    district = population_on(region=region("990101"), on=dt.date(2015, 1, 1))
    assert district is not None
    assert district.population is None


def test_no_census_loaded_at_all_gives_none():
    Population.objects.all().delete()
    assert population_on(region=region("110000"), on=dt.date(2015, 1, 1)) is None


def test_a_city_is_one_query(django_assert_num_queries):
    index = DivisionIndex.load()
    with django_assert_num_queries(1):
        population_on(region=index.by_code["110000"], on=dt.date(2015, 1, 1), index=index)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(on=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_any_date_picks_the_latest_census_taken_by_then(on):
    # Given any date; when Beijing's population is asked for
    figure = population_on(region=region("110000"), on=on)
    # Then the census is 2020 from its reference day on, 2010 before (also before 2010)
    assert figure is not None
    expected = 2020 if on >= CENSUS_2020 else 2010
    assert figure.census == expected
    assert figure.population == {2010: 19612368, 2020: 21893095}[expected]
    assert figure.before_census == (on < CENSUS_2010)


def test_every_census_of_the_file_was_taken_on_1_november():
    # stats.operating.census_after_date relies on it
    dates = set(Population.objects.values_list("census", "reference_date").distinct())
    assert dates == {(2010, CENSUS_2010), (2020, CENSUS_2020)}
