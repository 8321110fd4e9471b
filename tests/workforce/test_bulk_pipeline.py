"""Bulk cohorts and placements (``workforce.bulk.pipeline``) and the people import's summary
audit: what the demo load writes through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.workforce.bulk import PersonRow, people_import
from shuniu.workforce.bulk.pipeline import (
    BulkCounts,
    CohortRow,
    PlacementRow,
    cohorts_import,
    placements_import,
)
from shuniu.workforce.models import GraduateCohort, Person, Placement
from shuniu.workforce.services import programme_create
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, id_number, make_person


@pytest.fixture
def university(db):
    return make_organization(
        name="测试大学", kind="university", division="110108", legal_form="public_institution"
    )


@pytest.fixture
def programme(db):
    return programme_create(
        actor=SYSTEM,
        name="测试计划",
        region=Division.objects.get(code="110000"),
        year=2009,
    )


def _xicheng() -> int:
    return Division.objects.get(code="110102").pk


def test_cohorts_are_added_once_and_audited_one_by_one(admin_user, university):
    # given two cohorts of a university
    rows = [
        CohortRow(university.pk, 2010, "bachelor", 120),
        CohortRow(university.pk, 2011, "master", 15),
    ]
    # when an administrator imports them, then the same again with a third
    first = cohorts_import(actor=admin_user, rows=rows)
    again = cohorts_import(
        actor=admin_user, rows=[*rows, CohortRow(university.pk, 2012, "bachelor", 130)]
    )
    # then each is stored once, and audited once with its division
    assert (first, again) == (BulkCounts(2, 0), BulkCounts(1, 2))
    assert sorted(
        GraduateCohort.objects.values_list("year", "degree_level", "graduates", "version")
    ) == [(2010, "bachelor", 120, 1), (2011, "master", 15, 1), (2012, "bachelor", 130, 1)]
    audits = AuditRecord.objects.filter(action="graduate_cohort.record")
    assert sorted(audits.values_list("after__year", "division_code", "actor_id")) == [
        (2010, "110108", admin_user.pk),
        (2011, "110108", admin_user.pk),
        (2012, "110108", admin_user.pk),
    ]


def test_placements_with_a_summary_action_write_one_audit_record(admin_user, programme):
    # given three people placed in 西城
    people = [make_person() for _ in range(3)]
    rows = [
        PlacementRow(p.pk, _xicheng(), dt.date(2009, 9, 1), " 社区 ", dt.date(2012, 8, 31))
        for p in people
    ]
    audits_before = AuditRecord.objects.count()
    # when they are imported with a summary action
    counts = placements_import(
        actor=admin_user, programme=programme, rows=rows, summary_action="demo_load"
    )
    # then they are stored, and one record names their count and id range
    assert counts == BulkCounts(3, 0)
    stored = list(Placement.objects.order_by("pk").values_list("pk", "person_id", "community"))
    assert [(person, community) for _, person, community in stored] == [
        (p.pk, "社区") for p in people
    ]
    assert AuditRecord.objects.count() == audits_before + 1
    summary = AuditRecord.objects.get(action="placement.demo_load")
    assert summary.after == {"created": 3, "first_id": stored[0][0], "last_id": stored[2][0]}
    # and a second run adds nothing and audits nothing
    assert placements_import(
        actor=admin_user, programme=programme, rows=rows, summary_action="demo_load"
    ) == BulkCounts(0, 3)
    assert AuditRecord.objects.count() == audits_before + 1


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_only_administrators_import_cohorts_and_placements(who, university, programme, request):
    # given an anonymous visitor, or the officer of the whole city
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue("beijing_officer")
    person = make_person()
    audits_before = AuditRecord.objects.count()
    # when they try both imports, then they are refused and nothing is written
    with pytest.raises(PermissionDenied):
        cohorts_import(actor=actor, rows=[CohortRow(university.pk, 2010, "bachelor", 1)])
    with pytest.raises(PermissionDenied):
        placements_import(
            actor=actor,
            programme=programme,
            rows=[PlacementRow(person.pk, _xicheng(), dt.date(2009, 9, 1))],
        )
    assert (GraduateCohort.objects.count(), Placement.objects.count()) == (0, 0)
    assert AuditRecord.objects.count() == audits_before


def test_bad_cohort_rows_are_named_and_nothing_is_written(admin_user, university):
    # given a good row, then a row with an unknown degree and a negative count, then one
    # naming an agency as the university
    agency = make_organization(name="某机构")
    rows = [
        CohortRow(university.pk, 2010, "bachelor", 10),
        CohortRow(university.pk, 2011, "phd", -1),
        CohortRow(agency.pk, 1900, "master", 5),
    ]
    # when imported
    with pytest.raises(ValidationError) as raised:
        cohorts_import(actor=admin_user, rows=rows)
    # then every problem names its row and field, and nothing is written
    assert raised.value.message_dict == {
        "degree_level": [
            "Row 2: Unknown degree level 'phd'; one of associate, bachelor, master, doctor."
        ],
        "graduates": ["Row 2: The number of graduates cannot be negative."],
        "university": ["Row 3: Not a university."],
        "year": ["Row 3: 1900 is not a plausible graduation year."],
    }
    assert GraduateCohort.objects.count() == 0


def test_bad_placement_rows_are_named_and_nothing_is_written(admin_user, programme):
    # given a person born in 1985, placed outside Beijing, before their 16th birthday, ending
    # before the start, and twice
    person = make_person(number=id_number(dt.date(1985, 5, 20)))
    pudong = Division.objects.get(code="310115").pk
    rows = [
        PlacementRow(person.pk, pudong, dt.date(2009, 9, 1)),
        PlacementRow(person.pk, _xicheng(), dt.date(2000, 1, 1), ends_on=dt.date(1999, 1, 1)),
    ]
    # when imported
    with pytest.raises(ValidationError) as raised:
        placements_import(actor=admin_user, programme=programme, rows=rows)
    # then each problem names its row, and nothing is written
    errors = raised.value.message_dict
    assert errors["division"] == ["Row 1: 浦东新区 lies outside the programme's region 北京市."]
    assert errors["person"] == ["Row 2: This person is placed by an earlier row."]
    assert errors["ends_on"] == ["Row 2: A placement ends after it starts."]
    assert Placement.objects.count() == 0


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    starts=st.dates(dt.date(1995, 1, 1), dt.date(2015, 12, 31)),
    length=st.one_of(st.none(), st.integers(-400, 400)),
)
def test_a_placement_is_accepted_exactly_when_its_dates_are_sound(
    admin_user, programme, starts, length
):
    # given a person born on 1985-05-20 and a placement starting on any day, ending any time
    # around it (or not)
    person = Person.objects.filter(birth_date=dt.date(1985, 5, 20)).first() or make_person(
        number=id_number(dt.date(1985, 5, 20))
    )
    Placement.objects.all().delete()
    ends = None if length is None else starts + dt.timedelta(days=length)
    sound = starts >= dt.date(2001, 5, 20) and (ends is None or ends > starts)
    # when imported
    try:
        placements_import(
            actor=admin_user,
            programme=programme,
            rows=[PlacementRow(person.pk, _xicheng(), starts, ends_on=ends)],
        )
        accepted = True
    except ValidationError:
        accepted = False
    # then it is stored exactly when it starts on or after the 16th birthday and ends after
    assert accepted is sound
    assert Placement.objects.count() == (1 if sound else 0)


def test_the_people_import_can_audit_in_summary(admin_user):
    # given two people, one with a certificate
    rows = [
        PersonRow(row=2, name="甲", id_number=id_number()),
        PersonRow(
            row=3,
            name="乙",
            id_number=id_number(),
            certificate_level=1,
            certificate_number="JZS0000001",
            exam_year=2012,
            registered_division="110105",
        ),
    ]
    audits_before = AuditRecord.objects.count()
    # when imported with a summary action
    result = people_import(actor=admin_user, rows=rows, dry_run=False, summary_action="load")
    # then one record per table says what was created, and none per record
    assert (result.people_created, result.certificates_created) == (2, 1)
    first = Person.objects.order_by("pk").first()
    assert first is not None
    added = AuditRecord.objects.order_by("pk")[audits_before:]
    assert [(a.action, a.after["created"]) for a in added] == [
        ("person.load", 2),
        ("certificate.load", 1),
    ]
    assert added[0].after == {"created": 2, "first_id": first.pk, "last_id": first.pk + 1}
    assert not AuditRecord.objects.filter(action="person.register").exists()
