from __future__ import annotations

import pytest

from tests.web.dataset import make_small_beijing
from tests.web.messages import compile_if_stale


def pytest_configure(config):
    # Before any test runs, so no process has cached a catalogue without the .mo file.
    compile_if_stale()


@pytest.fixture
def small_beijing(db):
    return make_small_beijing()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The factories create a superuser per test; Argon2 makes that the slowest step.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
