"""The statistics cache shared by connections (as by processes), with committed writes: a
figure one connection stored is read by another, and a write committed by one is seen by the
next figure another computes. Here (tests/core) because the test commits: the conftest puts
the reference divisions and an empty side database back afterwards."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from shuniu.core.dataversion import written_in_this_transaction
from shuniu.stats.cache import cached, organization_stats_cached
from tests.factories import make_organization

ON = dt.date(2012, 11, 30)
BEIJING = "110000"


def _in_another_connection(fn):
    """Run ``fn`` in a thread: its own database connection, as another process has."""
    found: list[object] = []
    language = translation.get_language()  # per thread: the key holds it

    def run() -> None:
        try:
            with translation.override(language):
                found.append(fn())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connections_share_the_cache_and_see_each_others_writes(settings):
    # given committed writes (no test transaction here) and the cache on
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    make_organization(registered_on=dt.date(2010, 1, 1))
    assert not written_in_this_transaction()
    # when another connection computes the figure
    total = _in_another_connection(
        lambda: organization_stats_cached(region_code=BEIJING, as_of=ON).total
    )
    # then this one reads what it stored, without computing
    stored = cached(
        "organization_stats",
        (BEIJING, ON, None, True),
        lambda: pytest.fail("computed again: the entry was not shared"),
    )
    assert (total, stored.total) == (1, 1)
    # when this connection registers another organization (committed)
    make_organization(registered_on=dt.date(2010, 1, 1))
    assert connection.in_atomic_block is False
    # then the other connection computes the new figure
    assert (
        _in_another_connection(
            lambda: organization_stats_cached(region_code=BEIJING, as_of=ON).total
        )
        == 2
    )
