"""Cached statistics: one helper, ``cached``, for every caller of the statistics selectors
(the API, the pages and the command line).

A figure is stored in Django's cache (``settings.CACHES["default"]``, shared by every process
through the database) under its name, its arguments, the data version
(``shuniu.core.dataversion``), the language and today's date. Every write moves the data
version in its own transaction, so an entry is never read after a write: the first request
after it computes the figure again. Nothing is ever deleted on a write; old entries expire
(``SHUNIU_STATS_CACHE_SECONDS``) or are culled.

Cost of a hit: the version (one query by primary key) and the cache read (one query on the
database cache). What a connection computes inside a transaction that has written is not
stored: the write may still roll back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import router
from django.utils import timezone, translation

from shuniu.core.dataversion import data_version, written_in_this_transaction
from shuniu.core.models import DataVersion
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.stats import selectors
from shuniu.stats.selectors import (
    OrganizationSeries,
    OrganizationStats,
    RecordsEnd,
    WorkforceStats,
    organization_series,
    organization_stats,
    records_end,
    workforce_stats,
)

T = TypeVar("T")

PREFIX = "stats"
# The shape of what is stored (pickled dataclasses) is the selectors' code: an upgrade that
# changes it must not unpickle entries of the old code, even before any write or migration.
CODE = hashlib.blake2b(Path(selectors.__file__).read_bytes(), digest_size=4).hexdigest()
# A stored entry says which key it was stored for: a hash collision (or an entry another
# version of the code pickled differently) is computed again, never served.
_MISSING = object()


def cache_seconds() -> int:
    """How long an entry may be kept; 0 turns the cache off (``SHUNIU_STATS_CACHE_SECONDS``)."""
    return int(getattr(settings, "SHUNIU_STATS_CACHE_SECONDS", 0))


def cache_key(name: str, args: tuple[object, ...], version: str) -> str:
    """The key of figure ``name`` with ``args`` (``repr`` of plain values: codes, dates,
    flags) under data ``version``, in the active language, as of today, for this code."""
    parts = repr((args, translation.get_language() or "", timezone.localdate().isoformat()))
    digest = hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:{CODE}:{name}:{version}:{digest}"


def cached(name: str, args: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for the same ``name`` and ``args`` since the last
    write. ``args`` must determine the result (with the language and today's date, which are
    added here); exceptions (a region that does not exist) are not cached."""
    seconds = cache_seconds()
    if seconds <= 0 or written_in_this_transaction():
        return compute()
    # The version of the database the figure is read from: with a read replica, a reader must
    # not store figures from the replica's (lagging) data under the primary's newer version,
    # where they would stay until the next write.
    key = cache_key(name, args, data_version(using=router.db_for_read(DataVersion)))
    found = cache.get(key, _MISSING)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == key:
        return found[1]  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, (key, value), seconds)
    return value


# The statistics the API, the pages and the command line share, each under one name. The
# division index a caller may pass is how the figure is computed, not what it is: not in
# the key.


def organization_stats_cached(
    *,
    region_code: str,
    as_of: dt.date,
    kind: str | None = None,
    include_registering: bool = True,
    index: DivisionIndex | None = None,
) -> OrganizationStats:
    return cached(
        "organization_stats",
        (region_code, as_of, kind, include_registering),
        lambda: organization_stats(
            region_code=region_code,
            as_of=as_of,
            kind=kind,
            include_registering=include_registering,
            index=index,
        ),
    )


def organization_series_cached(
    *,
    region_code: str,
    start: dt.date,
    end: dt.date,
    kind: str | None = None,
    step: str = "year",
    include_registering: bool = True,
    index: DivisionIndex | None = None,
) -> OrganizationSeries:
    return cached(
        "organization_series",
        (region_code, start, end, kind, step, include_registering),
        lambda: organization_series(
            region_code=region_code,
            start=start,
            end=end,
            kind=kind,
            step=step,
            include_registering=include_registering,
            index=index,
        ),
    )


def workforce_stats_cached(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> WorkforceStats:
    return cached(
        "workforce_stats",
        (region_code, as_of),
        lambda: workforce_stats(region_code=region_code, as_of=as_of, index=index),
    )


def records_end_cached(*, region: Division, today: dt.date, index: DivisionIndex) -> RecordsEnd:
    # By the division's key, not its code: a reused code names two divisions.
    return cached(
        "records_end",
        (region.pk, today),
        lambda: records_end(region=region, today=today, index=index),
    )
