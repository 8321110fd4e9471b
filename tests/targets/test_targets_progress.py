"""Progress of a target from the registry statistics: first met, pace, scope checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.actors import cli_actor
from shuniu.core.errors import ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.targets.models import Target
from shuniu.targets.progress import actual_on, first_met_on, target_progress
from shuniu.targets.services import target_record
from tests.factories import make_organization

ACTOR = cli_actor("test")
START = dt.date(2015, 1, 1)
SPAN = 90


def make_target(value, scope=(), due_on=dt.date(2015, 12, 31)) -> Target:
    return target_record(
        actor=ACTOR,
        region=Division.objects.get(code="110000"),
        metric="organizations",
        kind="agency",
        value=value,
        due_on=due_on,
        scope=[Division.objects.get(code=c) for c in scope],
    )


@given(
    days=st.lists(st.integers(min_value=0, max_value=SPAN), min_size=1, max_size=4),
    value=st.integers(min_value=1, max_value=5),
)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_first_met_on_is_the_earliest_day_the_actual_reaches_the_value(db, days, value):
    with transaction.atomic():
        # given agencies registered on the drawn days and a target of ``value`` of them
        for n, day in enumerate(days):
            make_organization(
                name=f"性质测试事务所{n}", registered_on=START + dt.timedelta(days=day)
            )
        target = make_target(value)
        index = DivisionIndex.load()
        until = START + dt.timedelta(days=SPAN)
        # when the first date met is found by walking the candidate dates
        found = first_met_on(target, until, index)
        # then it is the earliest of all days on which the statistic reaches the value
        earliest = next(
            (
                START + dt.timedelta(days=i)
                for i in range(SPAN + 1)
                if actual_on(target, START + dt.timedelta(days=i), index) >= value
            ),
            None,
        )
        assert found == earliest
        transaction.set_rollback(True)


def test_pace_and_state_from_the_creation_date_without_a_document(db):
    # given two agencies and a target of 4 set today, due in the future
    make_organization(registered_on=dt.date(2010, 1, 1))
    make_organization(registered_on=dt.date(2010, 1, 1))
    target = make_target(4, due_on=dt.date(2100, 1, 1))
    today = target.created_at.date()
    # when read today
    progress = target_progress(target=target, as_of=today, index=DivisionIndex.load())
    # then the pace starts today from today's actual: on track, not met
    assert progress.pace_from == today
    assert progress.actual == Decimal(2)
    assert progress.pace_expected == Decimal("2.00")
    assert progress.percent == Decimal("50.00")
    assert progress.state == "on_track"
    assert progress.first_met_on is None


def test_a_scope_outside_the_region_is_refused_and_writes_nothing(db):
    # when a Beijing target names a Shanghai district
    with pytest.raises(ValidationError) as caught:
        make_target(1, scope=["310101"])
    # then the scope field is named and no target is written
    assert "scope" in caught.value.message_dict
    assert Target.objects.count() == 0


def test_a_scope_for_a_whole_region_metric_is_refused(db):
    # when a share of grades is scoped to districts
    with pytest.raises(ValidationError) as caught:
        target_record(
            actor=ACTOR,
            region=Division.objects.get(code="110000"),
            metric="suppliers_good_share",
            value=80,
            due_on=dt.date(2015, 12, 31),
            scope=[Division.objects.get(code="110101")],
        )
    # then the scope field is named
    assert "scope" in caught.value.message_dict
    assert Target.objects.count() == 0


def test_changing_the_scope_is_a_new_audited_version(db):
    # given a target covering 东城
    target = make_target(1, scope=["110101"])
    # when it is recorded again covering 东城 and 西城
    again = make_target(1, scope=["110101", "110102"])
    # then it is the same target, one version on, with both districts
    assert again.pk == target.pk
    assert again.version == target.version + 1
    assert sorted(again.scope.values_list("code", flat=True)) == ["110101", "110102"]
