"""The officers' services: policy documents, targets and published figures in their
jurisdiction, audited; refused outside it, writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.core.errors import PermissionDenied, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.targets.models import PolicyDocument, PublishedFigure, Target
from shuniu.targets.services import (
    policy_document_create,
    published_figure_create,
    target_create,
)


def region(code: str) -> Division:
    return Division.objects.get(code=code)


def test_an_officer_records_a_document_a_target_and_a_figure_in_their_district(
    xicheng_officer,
):
    # when the 西城 officer records a plan, its target and a published figure
    document = policy_document_create(
        actor=xicheng_officer,
        title="西城区社工发展方案",
        region=region("110102"),
        issued_on=dt.date(2011, 3, 1),
    )
    target = target_create(
        actor=xicheng_officer,
        region=region("110102"),
        metric="organizations",
        kind="agency",
        value="12",
        due_on=dt.date(2013, 12, 31),
        document=document,
    )
    figure = published_figure_create(
        actor=xicheng_officer,
        region=region("110102"),
        metric="organizations",
        kind="agency",
        value=8,
        qualifier="近",
        as_of=dt.date(2012, 11, 30),
        source="西城区民政局年报",
    )
    # then all three are written, each with one audit record
    assert (target.value, target.document_id, figure.qualifier) == (Decimal(12), document.pk, "近")
    assert sorted(AuditRecord.objects.values_list("action", flat=True)) == [
        "policy_document.create",
        "published_figure.create",
        "target.create",
    ]


@pytest.mark.parametrize("who", ["anonymous", "officer_elsewhere"])
def test_writes_outside_the_jurisdiction_are_refused_and_write_nothing(who, xicheng_officer):
    actor = AnonymousUser() if who == "anonymous" else xicheng_officer
    dongcheng = region("110101")
    with pytest.raises(PermissionDenied):
        policy_document_create(actor=actor, title="东城方案", region=dongcheng)
    with pytest.raises(PermissionDenied):
        target_create(
            actor=actor,
            region=dongcheng,
            metric="organizations",
            value=1,
            due_on=dt.date(2013, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        published_figure_create(
            actor=actor,
            region=dongcheng,
            metric="organizations",
            value=1,
            as_of=dt.date(2012, 1, 1),
            source="x",
        )
    assert (PolicyDocument.objects.count(), Target.objects.count()) == (0, 0)
    assert (PublishedFigure.objects.count(), AuditRecord.objects.count()) == (0, 0)


def test_an_admin_writes_anywhere_and_bad_input_names_the_field(admin_user):
    # a negative value, an unknown metric, a duplicate figure: each names its field
    with pytest.raises(ValidationError) as negative:
        target_create(
            actor=admin_user,
            region=region("310000"),
            metric="organizations",
            value=-1,
            due_on=dt.date(2013, 1, 1),
        )
    assert "value" in negative.value.message_dict
    with pytest.raises(ValidationError) as metric:
        target_create(
            actor=admin_user,
            region=region("310000"),
            metric="happiness",
            value=1,
            due_on=dt.date(2013, 1, 1),
        )
    assert "metric" in metric.value.message_dict
    published_figure_create(
        actor=admin_user,
        region=region("310000"),
        metric="organizations",
        value=115,
        as_of=dt.date(2012, 11, 30),
        source="调研",
    )
    with pytest.raises(ValidationError) as duplicate:
        published_figure_create(
            actor=admin_user,
            region=region("310000"),
            metric="organizations",
            value=116,
            as_of=dt.date(2012, 11, 30),
            source="调研",
        )
    assert "source" in duplicate.value.message_dict
    assert PublishedFigure.objects.get().value == Decimal(115)
    assert Target.objects.count() == 0
