from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.divisions.models import Division


@pytest.fixture
def division():
    """Look up a reference division by code (loaded by migration)."""

    def get(code: str) -> Division:
        return Division.objects.get(code=code)

    return get


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-admin-123!")


@pytest.fixture
def make_officer(db):
    def make(username: str, *codes: str):
        user = get_user_model().objects.create_user(username, password="pw-officer-123!")
        for code in codes:
            RoleAssignment.objects.create(
                user=user, role=Role.OFFICER, division=Division.objects.get(code=code)
            )
        return user

    return make


@pytest.fixture
def beijing_officer(make_officer):
    return make_officer("bj_officer", "110000")


@pytest.fixture
def xicheng_officer(make_officer):
    return make_officer("xc_officer", "110102")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests that create users need not pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
