"""``registry.bulk.organizations_import`` called directly, as a web upload would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied
from shuniu.registry.bulk import OrganizationRow, RowPlan, organizations_import
from shuniu.registry.models import Organization
from tests.factories import make_organization
from tests.interop.conftest import code, written_counts


def test_dry_run_returns_the_plan_with_changed_fields(db):
    # given a stored organization and rows that change it and add another
    actor = cli_actor("test")
    stored = make_organization(actor=actor, name="甲", uscc=code(1), address="旧")
    rows = [
        OrganizationRow(
            row=2,
            uscc=code(1),
            name="甲",
            kind="agency",
            registrar_division="110101",
            address="新",
            service_fields=["老年人", "youth"],
        ),
        OrganizationRow(row=3, name="乙", kind="agency", registrar_division="北京市西城区"),
    ]
    before = written_counts()
    # when
    result = organizations_import(actor=actor, rows=rows, dry_run=True)
    # then
    assert result.errors == []
    assert result.plan == [
        RowPlan(2, "update", "甲", ("address", "service_fields"), stored.pk),
        RowPlan(3, "create", "乙"),
    ]
    assert (result.created, result.updated, result.unchanged, result.written) == (1, 1, 0, False)
    assert written_counts() == before


def test_progress_is_reported_for_checking_and_writing(db):
    # given
    rows = [
        OrganizationRow(row=n, name=f"社工事务所{n}", kind="agency", registrar_division="110101")
        for n in range(2, 5)
    ]
    calls: list[tuple[str, int, int]] = []
    # when
    organizations_import(
        actor=cli_actor("test"),
        rows=rows,
        dry_run=False,
        progress=lambda *args: calls.append(args),
    )
    # then the pass that checks the 3 rows, then the pass that writes them, report rows
    assert calls == [("check", 3, 3), ("write", 3, 3)]
    assert Organization.objects.count() == 3


def test_a_month_precise_row_agrees_with_a_recorded_day(db):
    # given an organization registered on 2010-01-15
    actor = cli_actor("test")
    make_organization(actor=actor, name="甲", uscc=code(1), registered_on=dt.date(2010, 1, 15))
    row = OrganizationRow(
        row=2,
        uscc=code(1),
        name="甲",
        kind="agency",
        registrar_division="110101",
        registered_on=dt.date(2010, 1, 1),
        registered_precision="month",
    )
    # when
    result = organizations_import(actor=actor, rows=[row], dry_run=True)
    # then
    assert (result.errors, result.unchanged) == ([], 1)


def test_anonymous_actor_is_refused(db):
    # given / when / then
    with pytest.raises(PermissionDenied):
        organizations_import(actor=AnonymousUser(), rows=[], dry_run=True)
