"""The demo workforce reproduces the 2012 survey's figures through the API and the CLI.

The demo is loaded once for the tests that read it, inside a transaction rolled back afterwards
(``demo`` in tests/demo/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.demo.workforce import CERTIFICATE_PREFIX, SOURCE, workforce_load
from shuniu.divisions.models import Division
from shuniu.registry import codes
from shuniu.registry.models import Organization, OrganizationPeriod
from shuniu.stats.selectors import organization_stats
from shuniu.workforce.identity import decrypt, parse_id_number
from shuniu.workforce.models import (
    Certificate,
    Employment,
    GraduateCohort,
    Person,
    Placement,
)

LATE_2012 = "2012-11-30"


@pytest.fixture
def loaded(demo, db):
    return demo.summary


def api_stats(client, region: str, as_of: str = LATE_2012) -> dict:
    response = client.get("/api/v1/stats/workforce", {"region": region, "as_of": as_of})
    assert response.status_code == 200
    return response.json()


def cli_stats(region: str, as_of: str = LATE_2012) -> dict:
    out = io.StringIO()
    call_command(
        "stats", "workforce", "--region", region, "--as-of", as_of, "--format", "json", stdout=out
    )
    return json.loads(out.getvalue())


def test_beijing_has_11723_certified_a_quarter_intermediate(client, loaded):
    # when: through the API and through the CLI
    api = api_stats(client, "110000")
    cli = cli_stats("110000")
    # then: the same numbers, exactly the survey's
    assert cli == api
    assert api["certified_total"] == 11723
    assert api["by_level"] == {"junior": 8800, "intermediate": 2923, "senior": 0}
    # certificates registered in 崇文 and 宣武 count in 东城 and 西城; all 16 districts hold some
    districts = {row["code"]: row["certified"] for row in api["by_district"]}
    assert len(districts) == 16
    assert "110103" not in districts
    assert all(n > 0 for n in districts.values())
    assert api["certified_total"] == sum(districts.values()) + api["city_registered"]
    assert next(p for p in api["published"] if p["metric"] == "certified_workers")["value"] == (
        11723
    )


def test_beijing_pipeline_programme_universities_and_graduates(client, loaded):
    pipeline = api_stats(client, "110000")["pipeline"]
    assert pipeline["placed"] == 5136
    assert pipeline["placed_certified"] == 2400
    assert pipeline["universities"] == 23
    by_year = {row["year"]: row["graduates"] for row in pipeline["graduates_by_year"]}
    assert all(by_year[year] > 1000 for year in range(2008, 2013))
    assert 2013 not in by_year  # not graduated yet on the survey date
    published = {p["metric"]: p for p in api_stats(client, "110000")["published"]}
    assert (published["universities"]["value"], published["universities"]["qualifier"]) == (
        20,
        "over",
    )
    assert published["programme_placements"]["value"] == 5000
    # the programme placed them in 2009
    assert api_stats(client, "110000", "2009-12-31")["pipeline"]["placed"] == 5136
    assert api_stats(client, "110000", "2009-08-31")["pipeline"]["placed"] == 0


def test_shanghai_has_nearly_14000_certified(loaded):
    figures = cli_stats("310000")
    assert 13500 < figures["certified_total"] < 14000
    assert figures["certified_total"] == 13876
    assert figures["by_level"]["intermediate"] == 3456
    assert figures["pipeline"]["universities"] == 0
    published = next(p for p in figures["published"] if p["metric"] == "certified_workers")
    assert (published["value"], published["qualifier"]) == (14000, "nearly")


def test_the_2013_exam_and_revocations_fall_on_their_dates(loaded):
    # before the 2012 certificates were issued, and after the 2013 exam
    earlier = cli_stats("110000", "2012-06-30")["certified_total"]
    later = cli_stats("110000", "2013-12-31")
    assert earlier < 11723 < later["certified_total"]
    # juniors who passed the intermediate exam in 2013 count once, at the higher level
    assert later["by_level"]["intermediate"] > 2923 + 400
    revoked = Certificate.objects.filter(
        number__startswith=CERTIFICATE_PREFIX, revoked_on__lte=dt.date(2012, 11, 30)
    )
    assert revoked.count() == 23 + 17 + 4


def test_agencies_are_staffed(client, loaded):
    for region in ("110000", "310000", "440300"):
        figures = api_stats(client, region)
        assert 0 < figures["employed_by_agencies"] <= figures["agency_staff"]
        assert figures["employed_by_agencies"] < figures["certified_total"]
    # every Beijing agency that existed by mid-2012 has staff on the survey date
    on = dt.date(2012, 11, 30)
    agencies = set(
        OrganizationPeriod.objects.filter(
            kind="agency",
            status__in=["registered", "registering"],
            start__lte=dt.date(2012, 6, 30),
            division__code__startswith="11",
        )
        .filter(end__isnull=True)
        .values_list("organization_id", flat=True)
    )
    staffed = set(
        Employment.objects.filter(starts_on__lte=on, organization_id__in=agencies)
        .exclude(ends_on__lte=on)
        .values_list("organization_id", flat=True)
    )
    assert agencies
    assert staffed == agencies
    # retention is measured: some left, most stayed
    one_year = api_stats(client, "110000")["retention"][0]
    assert 0 < one_year["still_employed"] < one_year["employed_then"]


def test_no_overlapping_full_time_jobs_in_the_demo(loaded):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*) FROM workforce_employment a
            JOIN workforce_employment b ON a.person_id = b.person_id AND a.id < b.id
            WHERE a.full_time AND b.full_time
              AND (a.ends_on IS NULL OR b.starts_on < a.ends_on)
              AND (b.ends_on IS NULL OR a.starts_on < b.ends_on)
            """
        )
        assert cursor.fetchone()[0] == 0


def test_people_are_synthetic_with_valid_protected_numbers(loaded):
    people = Person.objects.filter(source=SOURCE)
    assert people.count() == Person.objects.count()
    assert not people.filter(synthetic=False).exists()
    for person in people.order_by("id")[:300]:
        number = parse_id_number(decrypt(person.id_cipher, row=person.pk))
        assert number.masked == person.id_masked
        assert (number.sex, number.birth_date) == (person.sex, person.birth_date)
    assert not Certificate.objects.exclude(number__startswith=CERTIFICATE_PREFIX).exists()
    assert Placement.objects.count() == 5136


def test_universities_are_organizations_that_do_not_change_the_registry_figures(loaded):
    universities = Organization.objects.filter(kind="university")
    assert universities.count() == 23
    for university in universities.filter(synthetic=True):
        assert codes.uscc_problems(university.uscc, legal_form="public_institution") == []
        assert codes.is_synthetic_uscc(university.uscc)
    assert not OrganizationPeriod.objects.filter(organization__in=universities).exists()
    assert GraduateCohort.objects.values("university").distinct().count() == 23
    assert organization_stats(region_code="310000", as_of=dt.date(2012, 11, 30)).total == 115


def test_loading_is_audited_in_summary_records(loaded):
    summaries = dict(
        AuditRecord.objects.filter(action__endswith=".demo_load").values_list(
            "action", "after__created"
        )
    )
    assert summaries == {
        "person.demo_load": Person.objects.count(),
        "certificate.demo_load": Certificate.objects.count(),
        "graduate_cohort.demo_load": GraduateCohort.objects.count(),
        "placement.demo_load": 5136,
        "employment.demo_load": Employment.objects.count(),
    }
    assert loaded["people"]["created"] == Person.objects.count()


def test_a_second_workforce_load_creates_nothing(loaded):
    models = (Person, Certificate, Employment, Placement, GraduateCohort, AuditRecord)
    before = [m.objects.count() for m in models]
    divisions = {d.code: d for d in Division.objects.current()}
    orgs = {"bj-university-bysp": Organization.objects.get(name="北京青年政治学院")}
    tally = workforce_load(actor=cli_actor("test"), orgs=orgs, divisions=divisions)
    assert set(tally.created.values()) == {0}
    assert [m.objects.count() for m in models] == before


def test_a_load_after_the_data_key_changed_matches_the_people_not_yet_rotated(loaded, settings):
    # given the demo stored with the key in use, then a new SHUNIU_DATA_KEY (no rotation yet;
    # without a key before, the development key stays readable by itself)
    settings.SHUNIU_DATA_KEYS_PREVIOUS = settings.SHUNIU_DATA_KEY
    settings.SHUNIU_DATA_KEY = "Wj3Kq8vT2xR7nL4pB9sM6cD1fG5hJ0aZyE3uQ8iO2tY"
    models = (Person, Certificate, Employment, Placement, GraduateCohort, AuditRecord)
    before = [m.objects.count() for m in models]
    divisions = {d.code: d for d in Division.objects.current()}
    orgs = {"bj-university-bysp": Organization.objects.get(name="北京青年政治学院")}
    # when the demo is loaded again
    tally = workforce_load(actor=cli_actor("test"), orgs=orgs, divisions=divisions)
    # then nobody is duplicated, and the stored numbers still open
    assert set(tally.created.values()) == {0}
    assert [m.objects.count() for m in models] == before
    person = Person.objects.order_by("pk").first()
    assert parse_id_number(decrypt(person.id_cipher, row=person.pk)).number
