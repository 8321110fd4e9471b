"""The command's interface: help, refusal of a weak demo password before any write."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuniu.core.models import AuditRecord
from shuniu.registry.models import Organization


def test_weak_demo_password_is_refused_before_anything_is_written(db, monkeypatch):
    # given
    monkeypatch.setenv("SHUNIU_DEMO_PASSWORD", "123")
    # when / then
    with pytest.raises(CommandError) as caught:
        call_command("demo", "load")
    assert "SHUNIU_DEMO_PASSWORD" in str(caught.value)
    assert not Organization.objects.exists()
    assert not AuditRecord.objects.exists()


def test_an_action_is_required(db):
    with pytest.raises(CommandError):
        call_command("demo")


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--organizations", "0", "organizations"),
        ("--people", "-5", "people"),
        ("--purchases", "many", "purchases"),
        ("--people", "2000001", "people"),
        ("--organizations", "1.5", "organizations"),
        ("--seed", "-1", "seed"),
    ],
)
def test_national_generate_refuses_a_bad_size_before_anything_is_written(db, flag, value, named):
    # given an empty database
    # when generating with a size out of range or not a whole number
    with pytest.raises(CommandError) as caught:
        call_command("demo", "generate", "--scale", "national", flag, value)
    # then the message names the flag, and nothing is written (not even the demo)
    assert named in str(caught.value)
    assert not Organization.objects.exists()
    assert not AuditRecord.objects.exists()


def test_national_generate_needs_a_known_scale(db):
    with pytest.raises(CommandError) as caught:
        call_command("demo", "generate", "--scale", "planet")
    assert "--scale" in str(caught.value)
    assert not Organization.objects.exists()
