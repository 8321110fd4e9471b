"""Workforce services: people with protected ID numbers, certificates and their
registration, employment, cohorts, programmes; who may write what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from shuniu.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.workforce.identity import decrypt, generate_id_number
from shuniu.workforce.models import (
    Certificate,
    CertificateRegistration,
    Employment,
    GraduateCohort,
    Person,
    Placement,
)
from shuniu.workforce.selectors import overlapping_employments, registration_status
from shuniu.workforce.services import (
    EmploymentSpec,
    certificate_add,
    certificate_registration_add,
    certificate_registration_update,
    certificate_revoke,
    cohort_record,
    employment_end,
    employment_start,
    person_id_number,
    person_register,
    person_update,
    placement_add,
    programme_create,
)
from tests.factories import make_organization
from tests.workforce.factories import (
    SYSTEM,
    certificate_spec,
    employ,
    make_certificate,
    make_certified,
    make_person,
    make_staff,
)

d = dt.date
NUMBER = "11010519491231002X"
BORN_2000 = generate_id_number(address_code="110105", birth_date=d(2000, 1, 1), sequence=1)


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Certificate.objects.count(),
        Employment.objects.count(),
        AuditRecord.objects.count(),
    )


# --- people and their ID numbers ---------------------------------------------------------


def test_register_derives_sex_and_birth_date_and_stores_only_cipher_hash_and_mask(db):
    # when
    person = person_register(actor=SYSTEM, name=" 张  三 ", id_number="110105491231002")
    # then: the legacy number was converted, sex and birth date derived
    person.refresh_from_db()
    assert (person.name, person.sex, person.birth_date) == ("张 三", "F", d(1949, 12, 31))
    assert person.id_masked == "110105********002X"
    assert decrypt(person.id_cipher, row=person.pk) == NUMBER
    # and the clear number is nowhere in the person's row, nor in the audit trail
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workforce_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    assert not any(NUMBER in str(value) or NUMBER[:17] in str(value) for value in row)
    record = AuditRecord.objects.get(action="person.register")
    assert NUMBER not in str(record.after)
    assert "id_cipher" not in record.after
    assert "id_hash" not in record.after
    assert record.after["id_masked"] == "110105********002X"


def test_a_duplicate_id_number_is_refused_naming_the_existing_person_masked(db):
    # given
    first = person_register(actor=SYSTEM, name="张三", id_number=NUMBER)
    before = counts()
    # when the same number comes again, written in its legacy form
    with pytest.raises(ValidationError) as caught:
        person_register(actor=SYSTEM, name="张叁", id_number="110105491231002")
    # then
    assert caught.value.message_dict["id_number"] == [
        f"A person with this ID number is already registered: 110105***********X (id {first.pk})."
    ]
    assert counts() == before


def test_an_invalid_id_number_is_refused_by_field_and_nothing_written(db):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        person_register(actor=SYSTEM, name="张三", id_number="110105194912310021")
    assert caught.value.message_dict == {"id_number": ["wrong check character 1 (expected X)"]}
    assert counts() == before


def test_update_corrects_the_id_number_and_refuses_a_stale_version(db):
    person = make_person()
    updated = person_update(
        actor=SYSTEM, person=person, expected_version=1, id_number="440524188001010014"
    )
    assert (updated.sex, updated.birth_date, updated.version) == ("M", d(1880, 1, 1), 2)
    assert updated.id_masked == "440524********0014"
    with pytest.raises(StaleVersion):
        person_update(actor=SYSTEM, person=person, expected_version=1, name="李四")


def test_university_must_be_a_university(db):
    agency = make_organization()
    with pytest.raises(ValidationError) as caught:
        make_person(university=agency)
    assert "university" in caught.value.message_dict


def test_full_id_number_for_admin_and_officer_of_the_jurisdiction_is_audited(
    db, xicheng_officer, make_officer
):
    # given a person certified in 西城
    person = make_person(number=NUMBER)
    make_certificate(person, division="110102")
    haidian = make_officer("hd", "110108")
    staff_org = make_organization(division="110102")
    staff = make_staff("staff", staff_org)
    # when / then: the officer of 西城 gets the number, with an audit record of the purpose
    assert person_id_number(actor=xicheng_officer, person=person, purpose="核对") == NUMBER
    record = AuditRecord.objects.get(action="person.id_number.view")
    assert (record.actor, record.after, record.division_code) == (
        xicheng_officer,
        {"purpose": "核对", "id_masked": "110105********002X"},
        "110102",
    )
    # agency staff who see the person get the shown mask (first 6, last 1), no audit record
    employ(person, staff_org)
    assert person_id_number(actor=staff, person=person, purpose="x") == "110105***********X"
    with pytest.raises(PermissionDenied):
        person_id_number(actor=staff, person=person, purpose="x", refuse=True)
    # and for an officer who may not see the person, the person is not found
    for refuse in (False, True):
        with pytest.raises(NotFound):
            person_id_number(actor=haidian, person=person, purpose="x", refuse=refuse)
    assert AuditRecord.objects.filter(action="person.id_number.view").count() == 1


# --- who may enter people -------------------------------------------------------------------


def test_an_officer_enters_a_person_with_a_certificate_of_the_jurisdiction_only(
    db, xicheng_officer
):
    # when: with a certificate registered in 西城
    person = person_register(
        actor=xicheng_officer,
        name="王五",
        id_number=NUMBER,
        certificate=certificate_spec("110102"),
    )
    assert person.certificates.count() == 1
    # then: alone, or with a certificate of 海淀, refused and nothing written
    before = counts()
    for spec in (None, certificate_spec("110108")):
        with pytest.raises(PermissionDenied):
            person_register(
                actor=xicheng_officer, name="赵六", id_number="440524188001010014", certificate=spec
            )
    assert counts() == before


def test_agency_staff_enter_a_person_only_with_an_employment_at_their_organization(db):
    own, other = make_organization(), make_organization()
    staff = make_staff("staff", own)
    person = person_register(
        actor=staff,
        name="王五",
        id_number=NUMBER,
        employment=EmploymentSpec(organization=own, starts_on=d(2012, 1, 1)),
    )
    assert list(person.employments.values_list("organization_id", flat=True)) == [own.pk]
    before = counts()
    with pytest.raises(PermissionDenied):
        person_register(
            actor=staff,
            name="赵六",
            id_number="440524188001010014",
            employment=EmploymentSpec(organization=other, starts_on=d(2012, 1, 1)),
        )
    with pytest.raises(PermissionDenied):
        person_update(actor=staff, person=person, expected_version=1, name="王伍")
    assert counts() == before


def test_errors_of_a_certificate_entered_with_the_person_name_its_fields(db):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        person_register(
            actor=SYSTEM,
            name="王五",
            id_number=NUMBER,
            certificate=certificate_spec("110103", level="expert"),  # 崇文区 ended 2010-07-01
        )
    assert caught.value.message_dict == {
        "certificate.level": ["Unknown level expert; one of junior, intermediate, senior."],
        "certificate.registered_division": [
            "崇文区 (110103) did not exist on 2010-11-01; use 110101 东城区"
        ],
    }
    assert counts() == before


# --- certificates -----------------------------------------------------------------------------


def test_certificate_numbers_are_unique_and_checked(db, division):
    holder, other = make_person(), make_person()
    make_certificate(holder, number="SYN-1")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        certificate_add(
            actor=SYSTEM,
            person=other,
            level="senior",
            number=" syn-1 ",
            exam_year=2011,
            issued_on=d(2010, 11, 1),
            registered_division=division("110103"),
        )
    errors = caught.value.message_dict
    assert errors["number"] == [
        f"Certificate number SYN-1 is already held by {holder.id_masked[:6]}***********"
        f"{holder.id_masked[-1]}."
    ]
    assert errors["exam_year"] == ["The exam year 2011 is after the issue date."]
    assert errors["registered_division"] == [
        "崇文区 (110103) did not exist on 2010-11-01; use 110101 东城区"
    ]
    assert counts() == before


def test_an_unknown_level_is_refused(db, division):
    with pytest.raises(ValidationError) as caught:
        certificate_add(
            actor=SYSTEM,
            person=make_person(),
            level="master",
            number="X1",
            exam_year=2010,
            issued_on=d(2010, 11, 1),
            registered_division=division("110102"),
        )
    assert caught.value.message_dict == {
        "level": ["Unknown level master; one of junior, intermediate, senior."]
    }


def test_officer_adds_certificates_in_the_jurisdiction_only(db, xicheng_officer, division):
    # given a person linked to 西城 (a certificate registered in 宣武, merged into it)
    person = make_person()
    make_certificate(person, division="110104", issued_on=d(2009, 11, 1))
    make_certificate(person, division="110102", issued_on=d(2010, 11, 1), actor=xicheng_officer)
    before = counts()
    # when the officer of 西城 registers one in 海淀: refused, nothing written
    with pytest.raises(PermissionDenied):
        make_certificate(person, division="110108", actor=xicheng_officer)
    assert counts() == before


def test_an_officer_cannot_pull_a_person_of_elsewhere_into_the_jurisdiction(
    db, xicheng_officer, division
):
    # given a person certified in 海淀 only
    person = make_person()
    make_certificate(person, division="110108")
    before = counts()
    # when the officer of 西城 gives them a certificate registered in 西城
    # then the person is not found (their existence is not told) and nothing is written
    with pytest.raises(NotFound):
        make_certificate(person, division="110102", actor=xicheng_officer)
    assert counts() == before


def test_revoked_certificate(db):
    cert = make_certificate(make_person(), issued_on=d(2009, 11, 1))
    with pytest.raises(ValidationError):
        certificate_revoke(actor=SYSTEM, certificate=cert, revoked_on=d(2009, 11, 1))
    revoked = certificate_revoke(actor=SYSTEM, certificate=cert, revoked_on=d(2011, 3, 1))
    assert (revoked.revoked_on, revoked.version) == (d(2011, 3, 1), 2)
    assert registration_status(revoked, d(2011, 3, 1)).revoked is True


# --- registration periods and continuing education ------------------------------------------


def test_registration_check(db):
    # given a junior certificate registered for 2010-12-01 .. 2013-11-30 with 40 hours
    cert = make_certificate(make_person(), level="junior", issued_on=d(2010, 11, 1))
    registration = certificate_registration_add(
        actor=SYSTEM, certificate=cert, starts_on=d(2010, 12, 1), ce_hours="40"
    )
    assert registration.ends_on == d(2013, 11, 30)
    # when: mid-period
    mid = registration_status(cert, d(2012, 6, 1))
    assert (mid.registered, mid.due_on, mid.hours_done, mid.hours_required) == (
        True,
        d(2013, 11, 30),
        Decimal("40"),
        72,
    )
    assert (mid.renewal_due, mid.short_of_hours) == (False, True)
    # 90 days before the end the renewal is due; the day after the period, still due
    assert registration_status(cert, d(2013, 9, 1)).renewal_due is False  # 90 days left
    assert registration_status(cert, d(2013, 9, 2)).renewal_due is True  # 89 days left
    after = registration_status(cert, d(2013, 12, 1))
    assert (after.registered, after.renewal_due, after.days_left) == (False, True, -1)
    # with 72 hours done it is no longer short
    certificate_registration_update(actor=SYSTEM, registration=registration, ce_hours=72)
    assert registration_status(cert, d(2012, 6, 1)).short_of_hours is False
    # an intermediate certificate needs 90 hours; one never registered is due
    senior = make_certificate(make_person(), level="intermediate")
    never = registration_status(senior, d(2011, 1, 1))
    assert (never.registered, never.renewal_due, never.hours_required) == (False, True, 90)


def test_registration_periods_do_not_overlap_or_precede_the_certificate(db):
    cert = make_certificate(make_person(), issued_on=d(2010, 11, 1))
    certificate_registration_add(actor=SYSTEM, certificate=cert, starts_on=d(2010, 12, 1))
    with pytest.raises(ValidationError) as caught:
        certificate_registration_add(actor=SYSTEM, certificate=cert, starts_on=d(2013, 1, 1))
    assert caught.value.message_dict["starts_on"] == [
        "This period overlaps the registration 2010-12-01 to 2013-11-30."
    ]
    with pytest.raises(ValidationError):
        certificate_registration_add(actor=SYSTEM, certificate=cert, starts_on=d(2010, 1, 1))
    with pytest.raises(ValidationError):
        certificate_registration_add(
            actor=SYSTEM, certificate=cert, starts_on=d(2013, 12, 1), ce_hours=-1
        )
    assert CertificateRegistration.objects.count() == 1


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity", "-Infinity", Decimal("NaN")])
def test_hours_that_are_not_a_finite_number_are_refused_not_a_server_error(db, hours):
    cert = make_certificate(make_person(), issued_on=d(2010, 11, 1))
    with pytest.raises(ValidationError) as caught:
        certificate_registration_add(
            actor=SYSTEM, certificate=cert, starts_on=d(2010, 12, 1), ce_hours=hours
        )
    assert list(caught.value.message_dict) == ["ce_hours"]
    registration = certificate_registration_add(
        actor=SYSTEM, certificate=cert, starts_on=d(2010, 12, 1)
    )
    with pytest.raises(ValidationError):
        certificate_registration_update(actor=SYSTEM, registration=registration, ce_hours=hours)
    assert CertificateRegistration.objects.get().ce_hours == 0


# --- employment -----------------------------------------------------------------------------


def test_overlapping_full_time_jobs_are_allowed_but_flagged(db):
    # given a person with a full-time job from 2011, ended 2012-03-01
    person = make_person()
    first = employ(person, make_organization(), starts_on=d(2011, 1, 1), ends_on=d(2012, 3, 1))
    # a job starting on the day the first ended does not overlap; a part-time one is no flag
    employ(person, make_organization(), starts_on=d(2012, 3, 1), full_time=False)
    assert overlapping_employments(person=person) == []
    # when a full-time job starting before the first ended is recorded
    second = employ(person, make_organization(), starts_on=d(2012, 2, 1))
    # then it is kept, and flagged
    assert [(a.pk, b.pk) for a, b in overlapping_employments(person=person)] == [
        (first.pk, second.pk)
    ]


def test_employment_end(db):
    job = employ(make_person(), make_organization(), starts_on=d(2011, 1, 1))
    with pytest.raises(ValidationError):
        employment_end(actor=SYSTEM, employment=job, ends_on=d(2011, 1, 1))
    ended = employment_end(actor=SYSTEM, employment=job, ends_on=d(2012, 1, 1), expected_version=1)
    assert (ended.ends_on, ended.version) == (d(2012, 1, 1), 2)
    with pytest.raises(ValidationError):
        employment_end(actor=SYSTEM, employment=job, ends_on=d(2013, 1, 1))
    assert AuditRecord.objects.filter(action="employment.end").count() == 1


def test_work_before_the_16th_birthday_is_refused(db):
    person = make_person(number=BORN_2000)
    with pytest.raises(ValidationError) as caught:
        employ(person, make_organization(), starts_on=d(2015, 12, 31))
    assert caught.value.message_dict["starts_on"] == [
        "2015-12-31 is before the person's 16th birthday (in 2016)."
    ]


def test_the_age_check_tells_agency_staff_the_birth_year_only(db):
    # given two people born on the first and the last day of 2000, both on the staff of an
    # agency (its staff see them, but not their birth dates)
    own = make_organization(division="110108")
    staff = make_staff("staff", own)
    people = [
        make_person(number=generate_id_number(address_code="110105", birth_date=day, sequence=1))
        for day in (d(2000, 1, 1), d(2000, 12, 31))
    ]
    for person in people:
        employ(person, own, starts_on=d(2020, 1, 1))
    before = counts()
    # when the staff record earlier jobs, one date a month through 2016 (the 16th birthday's
    # year for both)
    answers = []
    for person in people:
        for month in range(1, 13):
            with pytest.raises(ValidationError) as caught:
                employ(person, own, starts_on=d(2016, month, 15), actor=staff)
            answers.append(caught.value.message_dict["starts_on"][0][len("2016-01-15") :])
    # then every answer is the same refusal, which tells the year only
    assert set(answers) == {
        " is too early: the person turns 16 in 2016, and a job starting before 2017 is "
        "recorded by an officer of their jurisdiction."
    }
    assert counts() == before
    # and from the next year on, both are accepted
    for person in people:
        employ(person, own, starts_on=d(2017, 1, 1), ends_on=d(2017, 6, 1), actor=staff)
    # while the officer's check (who may see the date) is to the day
    employ(people[0], own, starts_on=d(2016, 6, 1), ends_on=d(2016, 9, 1))


def test_agency_staff_start_and_end_employment_at_their_own_organization_only(db, xicheng_officer):
    own = make_organization(division="110108")
    other = make_organization(division="110108")
    staff = make_staff("staff", own)
    person = make_person()
    job = employ(person, own)
    employ(person, own, starts_on=d(2009, 1, 1), ends_on=d(2010, 1, 1), actor=staff)
    employment_end(actor=staff, employment=job, ends_on=d(2012, 1, 1))
    elsewhere = employ(person, other, starts_on=d(2012, 1, 1))
    stranger = make_person()
    before = counts()
    with pytest.raises(PermissionDenied):
        employ(person, other, starts_on=d(2013, 1, 1), actor=staff)
    # the job elsewhere is not theirs to see
    with pytest.raises(NotFound):
        employment_end(actor=staff, employment=elsewhere, ends_on=d(2013, 1, 1))
    # an officer of 西城 does not see a person linked to 海淀 only
    with pytest.raises(NotFound):
        employ(person, other, starts_on=d(2013, 1, 1), actor=xicheng_officer)
    # nor may agency staff hire someone they do not see
    with pytest.raises(NotFound):
        employ(stranger, own, starts_on=d(2013, 1, 1), actor=staff)
    assert counts() == before
    assert Employment.objects.get(pk=elsewhere.pk).ends_on is None


# --- universities and programmes ------------------------------------------------------------


def test_cohort_record_creates_then_corrects_and_needs_a_university(db, xicheng_officer):
    university = make_organization(
        kind="university", division="110102", legal_form="public_institution"
    )
    cohort = cohort_record(
        actor=xicheng_officer,
        university=university,
        year=2011,
        degree_level="bachelor",
        graduates=80,
    )
    again = cohort_record(
        actor=xicheng_officer,
        university=university,
        year=2011,
        degree_level="bachelor",
        graduates=85,
    )
    assert (again.pk, again.graduates, again.version) == (cohort.pk, 85, 2)
    with pytest.raises(ValidationError) as caught:
        cohort_record(
            actor=SYSTEM,
            university=make_organization(),
            year=2011,
            degree_level="bachelor",
            graduates=1,
        )
    assert "university" in caught.value.message_dict
    assert GraduateCohort.objects.count() == 1


def test_programme_and_placements(db, division, xicheng_officer):
    programme = programme_create(
        actor=SYSTEM, name="大学生社工计划", region=division("110000"), year=2009
    )
    person = make_person()
    placement = placement_add(
        actor=SYSTEM,
        programme=programme,
        person=person,
        division=division("110104"),
        starts_on=d(2009, 9, 1),
        community="示例社区",
    )
    assert placement.division.code == "110104"
    with pytest.raises(ValidationError) as caught:
        placement_add(
            actor=SYSTEM,
            programme=programme,
            person=person,
            division=division("310115"),
            starts_on=d(2009, 9, 1),
        )
    assert set(caught.value.message_dict) == {"division", "person"}
    # an officer of 西城 does not see a person linked to nowhere: not found
    with pytest.raises(NotFound):
        placement_add(
            actor=xicheng_officer,
            programme=programme,
            person=make_person(),
            division=division("110102"),
            starts_on=d(2009, 9, 1),
        )
    # and may not place one of theirs in 海淀
    linked = make_certified(division="110102")
    with pytest.raises(PermissionDenied):
        placement_add(
            actor=xicheng_officer,
            programme=programme,
            person=linked,
            division=division("110108"),
            starts_on=d(2009, 9, 1),
        )
    assert Placement.objects.count() == 1


def test_anonymous_writes_are_refused(db, division):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        person_register(actor=AnonymousUser(), name="x", id_number=NUMBER)
    with pytest.raises(PermissionDenied):
        employment_start(
            actor=AnonymousUser(),
            person=make_person(),
            organization=make_organization(),
            starts_on=d(2012, 1, 1),
        )
    assert Person.objects.count() == 1
    assert Division.objects.filter(code="110000").exists()
