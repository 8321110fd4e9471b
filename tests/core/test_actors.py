"""The ``Actor`` type: who a service or selector acts for, and how the permission checks and
the audit trail tell the kinds apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from shuniu.accounts.permissions import is_admin, jurisdictions, staff_organization_ids
from shuniu.api.auth import actor
from shuniu.core.actors import SystemActor, cli_actor
from shuniu.core.audit import audit_build
from tests.factories import UserFactory

SRC = Path(__file__).resolve().parents[2] / "src"


def test_no_signature_in_src_takes_an_untyped_actor():
    # given every module of the application
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bactor: Any\b", line)
    ]
    # then none declares its actor as Any
    assert offenders == []


@pytest.mark.django_db
def test_a_system_actor_is_an_admin_without_roles():
    # given the command line's actor
    system = cli_actor("test")
    # then it may do what an admin may, and holds no role assignments of its own
    assert isinstance(system, SystemActor)
    assert is_admin(system) is True
    assert jurisdictions(system) == []
    assert staff_organization_ids(system) == set()


@pytest.mark.django_db
def test_an_anonymous_visitor_holds_nothing():
    # given the anonymous visitor of the public pages
    visitor = AnonymousUser()
    # then it is neither admin nor officer nor staff
    assert is_admin(visitor) is False
    assert jurisdictions(visitor) == []
    assert staff_organization_ids(visitor) == set()


@pytest.mark.django_db
def test_the_audit_links_users_and_labels_system_actors():
    # given a user and the command line acting on a stored row (the user's own)
    user = UserFactory(username="wang")
    # when both are audited as acting on it
    by_user = audit_build(actor=user, action="x", instance=user, before=None, after=None)
    by_cli = audit_build(
        actor=SystemActor(label="cli:root (test)"),
        action="x",
        instance=user,
        before=None,
        after=None,
    )
    # then the user is linked and the system actor kept by its label only
    assert (by_user.actor, by_user.actor_label) == (user, "wang")
    assert (by_cli.actor, by_cli.actor_label) == (None, "cli:root (test)")


@pytest.mark.django_db
def test_the_api_acts_as_the_token_user_else_the_session_user():
    # given a request whose session user differs from the user a bearer token authenticated
    session_user = UserFactory(username="session")
    token_user = UserFactory(username="token")
    request = RequestFactory().post("/api/x")
    request.user = session_user
    # when nothing authenticated it by token, then it acts as the session user
    assert actor(request) == session_user
    # when a token authenticated it, then it acts as the token's user
    request.auth = token_user  # type: ignore[attr-defined]
    assert actor(request) == token_user
