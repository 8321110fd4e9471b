"""Posts of a post purchase and the certified people assigned to them: certificate levels
on the start date, the count limit, and the figures as of a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Kind, PostAssignment
from shuniu.procurement.selectors import PostCounts, post_counts, post_turnover
from shuniu.procurement.services import (
    contract_terminate,
    post_add,
    post_assign,
    post_assignment_end,
)
from shuniu.workforce.services import certificate_revoke
from tests.factories_procurement_deliver import buyer_officer, other_officer, signed
from tests.workforce.factories import SYSTEM, make_certificate, make_certified, make_person


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    officer = buyer_officer()
    contract = signed(officer, kind=Kind.POST)
    post = post_add(
        actor=officer,
        contract=contract,
        title="社区社工岗位",
        count=2,
        required_level=2,
        monthly_salary=Decimal("3500.00"),
    )
    return {"officer": officer, "contract": contract, "post": post}


def _assign(world, person, starts_on=dt.date(2010, 7, 1), ends_on=None):
    return post_assign(
        actor=world["officer"],
        post=world["post"],
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def test_a_post_is_added_only_to_a_post_purchase(db):
    officer = buyer_officer()
    contract = signed(officer)
    with pytest.raises(ValidationError) as caught:
        post_add(
            actor=officer,
            contract=contract,
            title="岗位",
            count=1,
            required_level=1,
            monthly_salary="3000",
        )
    assert caught.value.message_dict == {
        "contract": ["Posts are funded only by a post purchase's contract."]
    }


def test_bad_post_values_name_their_fields(world):
    with pytest.raises(ValidationError) as caught:
        post_add(
            actor=world["officer"],
            contract=world["contract"],
            title="",
            count=0,
            required_level=4,
            monthly_salary="-1",
        )
    assert sorted(caught.value.message_dict) == [
        "count",
        "monthly_salary",
        "required_level",
        "title",
    ]


def test_the_exact_level_is_enough(world):
    person = make_certified(level="intermediate", issued_on=dt.date(2010, 7, 1))
    assignment = _assign(world, person)
    assert (assignment.person_id, assignment.starts_on, assignment.ends_on) == (
        person.pk,
        dt.date(2010, 7, 1),
        None,
    )
    assert AuditRecord.objects.filter(action="post_assignment.add").count() == 1


def test_a_higher_level_is_enough(world):
    assert _assign(world, make_certified(level="senior", issued_on=dt.date(2009, 1, 1))).pk


@pytest.mark.parametrize(
    ("level", "issued_on", "revoked_on"),
    [
        ("junior", dt.date(2009, 1, 1), None),  # lower level
        ("intermediate", dt.date(2010, 7, 2), None),  # issued after the start
        ("intermediate", dt.date(2009, 1, 1), dt.date(2010, 7, 1)),  # revoked on the start
        ("intermediate", dt.date(2009, 1, 1), dt.date(2010, 3, 1)),  # revoked before the start
    ],
)
def test_no_valid_certificate_of_the_level_is_refused(world, level, issued_on, revoked_on):
    # given a person whose certificate does not qualify on 2010-07-01
    person = make_person(name="王芳")
    certificate = make_certificate(person, level=level, issued_on=issued_on)
    if revoked_on is not None:
        certificate_revoke(actor=SYSTEM, certificate=certificate, revoked_on=revoked_on)
    # when they are assigned
    with pytest.raises(ValidationError) as caught:
        _assign(world, person)
    # then the refusal names the level and the date, and nothing is written
    assert caught.value.message_dict == {
        "person_id": [
            "王芳 holds no valid certificate of level 2 (intermediate social worker) "
            "or above on 2010-07-01."
        ]
    }
    assert PostAssignment.objects.count() == 0


def test_no_more_people_than_posts_at_once(world):
    # given both posts filled from 2010-07-01, one until 2010-10-01
    _assign(world, make_certified(level="intermediate", issued_on=dt.date(2009, 1, 1)))
    _assign(
        world,
        make_certified(level="intermediate", issued_on=dt.date(2009, 1, 1)),
        ends_on=dt.date(2010, 10, 1),
    )
    third = make_certified(level="intermediate", issued_on=dt.date(2009, 1, 1))
    # when a third person starts before a post is free, it is refused
    with pytest.raises(ValidationError) as caught:
        _assign(world, third, starts_on=dt.date(2010, 9, 1))
    assert caught.value.message_dict == {
        "starts_on": ["All 2 posts of “社区社工岗位” are filled in this period."]
    }
    # and on the day the post is free, it is accepted
    assert _assign(world, third, starts_on=dt.date(2010, 10, 1)).pk
    assert PostAssignment.objects.count() == 3


def test_the_same_person_is_not_assigned_twice_at_once(world):
    person = make_certified(level="senior", issued_on=dt.date(2009, 1, 1))
    _assign(world, person, ends_on=dt.date(2010, 9, 1))
    with pytest.raises(ValidationError) as caught:
        _assign(world, person, starts_on=dt.date(2010, 8, 1))
    assert caught.value.message_dict["person_id"] == [
        f"{person.name} already holds a post of this contract from 2010-07-01."
    ]
    assert _assign(world, person, starts_on=dt.date(2010, 9, 1)).pk


def test_an_assignment_lies_within_the_term(world):
    person = make_certified(level="senior", issued_on=dt.date(2009, 1, 1))
    with pytest.raises(ValidationError) as caught:
        _assign(world, person, starts_on=dt.date(2010, 5, 31))
    assert caught.value.message_dict == {
        "starts_on": [
            "The assignment starts within the contract's term (2010-06-01 to 2011-05-31)."
        ]
    }


def test_a_person_out_of_the_officers_scope_is_not_found(world):
    # given a person certified in 朝阳区 only, whom the 西城区 officer may not see
    person = make_certified(level="senior", issued_on=dt.date(2009, 1, 1), division="110105")
    with pytest.raises(NotFound):
        _assign(world, person)
    assert PostAssignment.objects.count() == 0


def test_ending_an_assignment(world):
    assignment = _assign(world, make_certified(level="senior", issued_on=dt.date(2009, 1, 1)))
    ended = post_assignment_end(
        actor=world["officer"], assignment=assignment, ends_on=dt.date(2011, 1, 1), version=1
    )
    assert (ended.ends_on, ended.version) == (dt.date(2011, 1, 1), 2)
    with pytest.raises(ValidationError):
        post_assignment_end(
            actor=world["officer"], assignment=ended, ends_on=dt.date(2011, 2, 1), version=None
        )


def test_post_counts_as_of_dates(world):
    # given 2 posts (2010-06-01..2011-05-31), one filled 2010-07-01..2011-03-01 (excl.)
    region = world["contract"].purchase.region_id
    assignment = _assign(world, make_certified(level="senior", issued_on=dt.date(2009, 1, 1)))
    post_assignment_end(
        actor=world["officer"], assignment=assignment, ends_on=dt.date(2011, 3, 1), version=1
    )
    # then the figures on each date are
    expected = {
        dt.date(2010, 5, 31): PostCounts(funded=0, filled=0, vacant=0),
        dt.date(2010, 6, 1): PostCounts(funded=2, filled=0, vacant=2),
        dt.date(2010, 7, 1): PostCounts(funded=2, filled=1, vacant=1),
        dt.date(2010, 12, 31): PostCounts(funded=2, filled=1, vacant=1),
        dt.date(2011, 2, 28): PostCounts(funded=2, filled=1, vacant=1),
        dt.date(2011, 3, 1): PostCounts(funded=2, filled=0, vacant=2),
        dt.date(2011, 6, 1): PostCounts(funded=0, filled=0, vacant=0),
    }
    assert {d: post_counts(division_ids=[region], as_of=d) for d in expected} == expected
    # and another region has none
    assert post_counts(division_ids=[region + 100000], as_of=dt.date(2010, 7, 1)) == PostCounts(
        0, 0, 0
    )
    # and turnover: 2010 none over (6 months × 1) / 12; 2011 one over (2 months × 1) / 12
    turnover = post_turnover(division_ids=None, year=2010)
    assert (turnover.separations, turnover.average_filled, turnover.rate) == (
        0,
        Decimal("0.50"),
        Decimal("0.0000"),
    )
    turnover = post_turnover(division_ids=None, year=2011)
    assert (turnover.separations, turnover.average_filled, turnover.rate) == (
        1,
        Decimal("0.17"),
        Decimal("5.8824"),
    )


def test_post_counts_take_two_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        post_counts(division_ids=None, as_of=dt.date(2010, 7, 1))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(as_of=st.dates(dt.date(2010, 5, 1), dt.date(2011, 7, 1)), later=st.integers(1, 200))
def test_an_assignment_starting_after_the_date_never_changes_its_figures(world, as_of, later):
    # given the figures on a date
    before = post_counts(division_ids=None, as_of=as_of)
    # when someone is assigned from a later day (within the term)
    starts_on = as_of + dt.timedelta(days=later)
    if not dt.date(2010, 6, 1) <= starts_on <= dt.date(2011, 5, 31):
        return
    person = make_certified(level="senior", issued_on=dt.date(2009, 1, 1))
    try:
        assignment = _assign(world, person, starts_on=starts_on)
    except ValidationError:
        return
    # then the figures on that date are the same
    assert post_counts(division_ids=None, as_of=as_of) == before
    assignment.delete()


def test_only_the_buyer_side_assigns(world):
    person = make_certified(level="senior", issued_on=dt.date(2009, 1, 1))
    with pytest.raises(PermissionDenied):
        post_assign(
            actor=other_officer(), post=world["post"], person=person, starts_on=dt.date(2010, 7, 1)
        )
    assert PostAssignment.objects.count() == 0


def test_a_terminated_contract_funds_no_posts_from_its_termination(world):
    # given one of the 2 posts filled, and the contract terminated on 2011-01-01
    _assign(world, make_certified(level="senior", issued_on=dt.date(2009, 1, 1)))
    contract_terminate(
        actor=world["officer"],
        contract=world["contract"],
        date=dt.date(2011, 1, 1),
        reason="财政预算调整",
        version=1,
    )
    # then the posts count until the day before, and not from that day
    assert post_counts(division_ids=None, as_of=dt.date(2010, 12, 31)) == PostCounts(2, 1, 1)
    assert post_counts(division_ids=None, as_of=dt.date(2011, 1, 1)) == PostCounts(0, 0, 0)
