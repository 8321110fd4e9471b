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
