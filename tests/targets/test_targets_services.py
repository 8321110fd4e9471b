"""The idempotent services the demo loader writes published figures and targets with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.targets.models import PolicyDocument, PublishedFigure, Target
from shuniu.targets.services import (
    policy_document_record,
    published_figure_record,
    target_record,
)

ACTOR = cli_actor("test")
AS_OF = dt.date(2012, 11, 30)


def record(division, **changes):
    values = {
        "actor": ACTOR,
        "region": division("110000"),
        "metric": "organizations",
        "kind": "agency",
        "value": 50,
        "as_of": AS_OF,
        "as_of_precision": "month",
        "source": "survey",
    }
    return published_figure_record(**(values | changes))


def test_recording_the_same_figure_twice_writes_once(db, division):
    # given
    first = record(division)
    # when
    again = record(division)
    # then
    assert again.pk == first.pk
    assert PublishedFigure.objects.count() == 1
    assert list(AuditRecord.objects.values_list("action", flat=True)) == ["published_figure.create"]
    assert (again.value, again.version) == (Decimal("50.00"), 1)


def test_a_corrected_value_updates_the_figure_and_is_audited(db, division):
    # given
    record(division)
    # when
    figure = record(division, value=51, qualifier="over", note="corrected")
    # then
    figure.refresh_from_db()
    assert (figure.value, figure.qualifier, figure.note, figure.version) == (
        Decimal("51.00"),
        "over",
        "corrected",
        2,
    )
    update = AuditRecord.objects.get(action="published_figure.update")
    assert (update.before["value"], update.after["value"], update.division_code) == (
        "50.00",
        "51.00",
        "110000",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"value": -1}, "value"),
        ({"value": "many"}, "value"),
        ({"metric": "happiness"}, "metric"),
        ({"as_of_precision": "week"}, "as_of_precision"),
        ({"source": " "}, "source"),
    ],
)
def test_bad_figures_are_refused_naming_the_field(db, division, changes, field):
    with pytest.raises(ValidationError) as caught:
        record(division, **changes)
    assert field in caught.value.message_dict
    assert not PublishedFigure.objects.exists()
    assert not AuditRecord.objects.exists()


def test_only_administrators_record_figures(db, division, xicheng_officer):
    with pytest.raises(PermissionDenied):
        record(division, actor=xicheng_officer)
    assert not PublishedFigure.objects.exists()


def test_document_and_target_are_recorded_once(db, division):
    # given
    beijing = division("110000")
    document = policy_document_record(actor=ACTOR, title="2010年北京市折子工程", region=beijing)
    values = {
        "actor": ACTOR,
        "document": document,
        "region": beijing,
        "metric": "organizations",
        "kind": "agency",
        "value": 10,
        "due_on": dt.date(2010, 12, 31),
        "description": "城八区及顺义、昌平",
    }
    target = target_record(**values)
    # when
    same_document = policy_document_record(
        actor=ACTOR, title="2010年北京市折子工程", region=beijing
    )
    same_target = target_record(**values)
    changed = target_record(**(values | {"value": 12}))
    # then
    assert same_document.pk == document.pk
    assert same_target.pk == target.pk == changed.pk
    assert (PolicyDocument.objects.count(), Target.objects.count()) == (1, 1)
    assert (Target.objects.get().value, Target.objects.get().version) == (Decimal("12.00"), 2)
    assert sorted(AuditRecord.objects.values_list("action", flat=True)) == [
        "policy_document.create",
        "target.create",
        "target.update",
    ]


@pytest.mark.parametrize(
    ("code", "issued_on", "due_on", "refused"),
    [
        ("110103", dt.date(2010, 1, 1), dt.date(2010, 12, 31), False),  # as the plan named it
        ("110103", dt.date(2010, 7, 1), dt.date(2010, 12, 31), True),  # the day it became 东城
        ("110103", dt.date(2011, 1, 1), dt.date(2011, 12, 31), True),
        ("110103", None, dt.date(2012, 12, 31), False),  # no plan date: existed by the due date
        ("110118", None, dt.date(2015, 11, 12), True),  # 密云区, a district from 2015-11-13
        ("110118", None, dt.date(2015, 11, 13), False),
    ],
)
def test_a_district_must_exist_on_the_plans_date(db, division, code, issued_on, due_on, refused):
    # given a plan (or none) naming 崇文区 (merged into 东城区 on 2010-07-01) or 密云区
    document = (
        policy_document_record(
            actor=ACTOR, title="规划", region=division("110000"), issued_on=issued_on
        )
        if issued_on
        else None
    )
    before = AuditRecord.objects.count()

    def record_target() -> Target:
        return target_record(
            actor=ACTOR,
            document=document,
            region=division("110000"),
            metric="organizations",
            kind="agency",
            value=10,
            due_on=due_on,
            scope=[division(code)],
        )

    if refused:
        # then a plan dated when it was no district cannot name it: the scope field says so
        with pytest.raises(ValidationError) as caught:
            record_target()
        assert list(caught.value.message_dict) == ["scope"]
        assert (Target.objects.count(), AuditRecord.objects.count()) == (0, before)
    else:
        # else it is recorded with that district
        assert [d.code for d in record_target().scope.all()] == [code]
