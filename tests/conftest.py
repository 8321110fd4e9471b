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


@pytest.fixture(autouse=True)
def _no_stats_cache(settings):
    # Factories write without the services, so the data version does not move between the
    # data of one test and the next while the cache (in the side database) outlives both:
    # the statistics cache is off unless a test turns it on (tests/stats/test_cache.py).
    settings.SHUNIU_STATS_CACHE_SECONDS = 0


# Test files that share a fixture too slow to make twice: xdist sends each of these folders to
# one worker as a single unit, so the fixture is made once per run (the demo dataset,
# tests/demo/conftest.py). Every other file is its own unit, as with plain ``--dist loadfile``.
SHARED_UNITS = ("tests/demo/",)


@pytest.hookimpl(optionalhook=True)  # known only when pytest-xdist is loaded
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, except that the folders in ``SHARED_UNITS`` go to one worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedUnitScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for folder in SHARED_UNITS:
                if nodeid.startswith(folder):
                    return folder
            return super()._split_scope(nodeid)

    return SharedUnitScheduling(config, log)


_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items):
    """Every test that uses the database may use all of them: on SQLite, requests write
    sessions and rate-limit counts to the side database (shuniu.core.sidedb)."""
    from django.conf import settings

    aliases = list(settings.DATABASES)
    if len(aliases) < 2:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            if "databases" not in marker.kwargs:
                kwargs = {**marker.kwargs, "databases": aliases}
                item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
        elif _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.django_db(databases=aliases), append=False)


# The read replica's address as configured (DATABASE_REPLICA_URL), kept before the session
# turns its alias into a true mirror of the primary (below); tests/deploy/test_replica.py
# points the alias back at it.
STANDBY_SETTINGS: dict = {}


@pytest.fixture(scope="session", autouse=True)
def _replica_reads_the_primary_in_tests(request):
    """With DATABASE_REPLICA_URL set, the ``replica`` alias reads the primary's test database.

    Django's TEST MIRROR only renames the mirror's database: its connection would still go to
    the standby, whose copy lags the primary by a few milliseconds, and a transactional test
    (a live server's pages) would then read rows its own setup had not replicated yet. Only
    the routing tests read the real standby, and wait for its replay."""
    from django.conf import settings

    if "replica" not in settings.DATABASES:
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connections

    # In place: the dict is also settings.DATABASES["replica"], from which the connections of
    # other threads (a live server's) are made.
    mirror = connections["replica"].settings_dict
    STANDBY_SETTINGS.update(mirror)
    connections["replica"].close()
    primary = connections["default"].settings_dict
    mirror.update({key: primary[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")})
    yield
    # The alias now holds a session on the primary's test database; Django's teardown closes
    # only the default alias's before dropping it, so "1 other session" would block the drop.
    connections["replica"].close()
