from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from shuniu.accounts.models import RoleAssignment
from shuniu.accounts.permissions import can_write_in
from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division


def test_user_create_officer_with_jurisdiction(db, monkeypatch):
    # given a password on standard input
    monkeypatch.setattr("sys.stdin", io.StringIO("Very-Secret-2012\n"))
    # when
    call_command(
        "user", "create", "xc", "--role", "officer", "--division", "110102", "--password-stdin"
    )
    # then
    user = get_user_model().objects.get(username="xc")
    assert user.check_password("Very-Secret-2012")
    assert RoleAssignment.objects.get(user=user).division.code == "110102"
    assert can_write_in(user, Division.objects.get(code="110104"))  # merged into 西城
    assert not can_write_in(user, Division.objects.get(code="110105"))
    assert list(AuditRecord.objects.values_list("action", flat=True).order_by("id")) == [
        "user.create",
        "role.assign",
    ]


def test_user_create_refuses_bad_input_and_writes_nothing(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Very-Secret-2012\n"))
    with pytest.raises(CommandError, match="division"):
        call_command(
            "user", "create", "xc", "--role", "officer", "--division", "999999", "--password-stdin"
        )
    assert not get_user_model().objects.filter(username="xc").exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="password"):
        call_command("user", "create", "yy", "--password-stdin")
    assert AuditRecord.objects.count() == 0


def test_an_evaluator_is_created_only_for_an_evaluation_institution(db, monkeypatch):
    # given an agency and an evaluation institution
    from tests.factories import make_organization

    agency = make_organization(name="某社工事务所")
    institution = make_organization(name="某评估中心", kind="evaluation")
    before = AuditRecord.objects.count()
    # when an evaluator is created without an organization, or for the agency
    for extra in ([], ["--organization", str(agency.pk)]):
        monkeypatch.setattr("sys.stdin", io.StringIO("Very-Secret-2012\n"))
        with pytest.raises(CommandError, match="organization"):
            call_command("user", "create", "ev", "--role", "evaluator", *extra, "--password-stdin")
    # then nothing was written
    assert not get_user_model().objects.filter(username="ev").exists()
    assert AuditRecord.objects.count() == before
    # when it names the evaluation institution
    monkeypatch.setattr("sys.stdin", io.StringIO("Very-Secret-2012\n"))
    call_command(
        "user",
        "create",
        "ev",
        "--role",
        "evaluator",
        "--organization",
        str(institution.pk),
        "--password-stdin",
    )
    # then the evaluator acts for it
    assert RoleAssignment.objects.get(user__username="ev").organization == institution
