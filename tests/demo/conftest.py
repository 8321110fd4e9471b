"""The demo dataset, loaded once for every test that reads it.

Loading it takes about ten seconds, so the modules that need it share one load: the first
test that asks for ``demo`` loads it inside a transaction that is never committed, each test
runs in its own savepoint on top of it (pytest-django's ``db``), and the transaction is rolled
back as soon as the next test to run does not ask for ``demo`` (or the run ends). No other
test ever sees the dataset, whatever order the tests run in; the xdist scheduler in
``tests/conftest.py`` keeps this package on one worker, so a run loads it once.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@dataclass(frozen=True)
class DemoLoad:
    summary: dict[str, Any]  # what `shuniu demo load --format json` prints on stdout
    report: str  # the summary it writes on stderr


class _Shared:
    """The open load of this process (one per xdist worker)."""

    atomic: Any = None
    load: DemoLoad | None = None
    next_item: pytest.Item | None = None


_shared = _Shared()


def _load(django_db_blocker) -> DemoLoad:
    # A fast hasher: the demo accounts' passwords are not what is tested here.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out, err = io.StringIO(), io.StringIO()
            call_command("demo", "load", "--format", "json", stdout=out, stderr=err)
            load = DemoLoad(summary=json.loads(out.getvalue()), report=err.getvalue())
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(*sys.exc_info())
            raise
    _shared.atomic, _shared.load = atomic, load
    return load


def _roll_back(django_db_blocker) -> None:
    atomic, _shared.atomic, _shared.load = _shared.atomic, None, None
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[DemoLoad]:
    """The loaded demo dataset (module scope: set up before each test's own transaction)."""
    yield _shared.load or _load(django_db_blocker)
    following = _shared.next_item
    if following is not None and "demo" in getattr(following, "fixturenames", ()):
        return  # the next module reads it too: keep the transaction open
    _roll_back(django_db_blocker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # The module fixture's teardown (run inside this hook) needs to know what comes next.
    _shared.next_item = nextitem
    yield
