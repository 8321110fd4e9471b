"""The statistics cache (``shuniu.stats.cache``) keyed by the data version
(``shuniu.core.dataversion``): served until a write, computed again after a write of every
kind, shared by connections, never storing what a writing transaction saw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.actors import cli_actor
from shuniu.core.dataversion import (
    bumps_deferred,
    data_version,
    data_version_bump,
    written_in_this_transaction,
)
from shuniu.registry.bulk import OrganizationRow, organizations_import
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_event_add, organization_periods_rebuild
from shuniu.stats import cache as stats_cache
from shuniu.stats.cache import (
    cache_key,
    cached,
    organization_stats_cached,
    workforce_stats_cached,
)
from shuniu.stats.selectors import organization_stats, workforce_stats
from tests.factories import make_organization
from tests.factories_procurement_deliver import awarded_purchase, buyer_officer, signed
from tests.workforce.factories import make_certificate, make_person

ADMIN = cli_actor("test")
ON = dt.date(2012, 11, 30)
BEIJING = "110000"


@pytest.fixture
def stats_cache_on(settings, monkeypatch):
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    # A test runs in one transaction that is never committed; what it writes stands for a
    # committed write that readers on other connections see (the flag itself is tested on
    # its own below, and with real commits in the last test).
    monkeypatch.setattr(stats_cache, "written_in_this_transaction", lambda: False)


class Counting:
    """A figure that counts how often it is computed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return Organization.objects.count()


def test_a_figure_is_computed_once_until_a_write(db, stats_cache_on):
    # given one organization and a figure read twice
    make_organization(registered_on=dt.date(2010, 1, 1))
    compute = Counting()
    first = cached("count", (BEIJING,), compute)
    second = cached("count", (BEIJING,), compute)
    # then the second read is the stored figure
    assert (first, second, compute.calls) == (1, 1, 1)
    # when a second organization is registered
    make_organization(registered_on=dt.date(2010, 1, 1))
    # then the figure is computed again, with it
    assert cached("count", (BEIJING,), compute) == 2
    assert compute.calls == 2


def _register() -> None:
    make_organization(division="110102", registered_on=dt.date(2010, 1, 1))


def _deregister_event() -> None:
    org = Organization.objects.get(name="已在册")
    organization_event_add(
        actor=ADMIN, organization=org, kind="deregistered", date=dt.date(2011, 6, 1), source="t"
    )


def _import() -> None:
    rows = [
        OrganizationRow(
            row=n,
            name=f"导入事务所{n}",
            kind="agency",
            registrar_division="110105",
            registered_on=dt.date(2011, 3, 1),
        )
        for n in (2, 3)
    ]
    result = organizations_import(actor=ADMIN, rows=rows, dry_run=False)
    assert result.errors == []


@pytest.mark.parametrize(
    ("write", "total_after"),
    [(_register, 2), (_deregister_event, 0), (_import, 3)],
    ids=["register", "event", "import"],
)
def test_organization_figures_are_right_after_each_kind_of_write(
    db, stats_cache_on, write, total_after
):
    # given one registered organization and its figures cached
    make_organization(name="已在册", division="110101", registered_on=dt.date(2010, 1, 1))
    assert organization_stats_cached(region_code=BEIJING, as_of=ON).total == 1
    version = data_version()
    # when
    write()
    # then the version moved and the cached figures are the selector's
    assert data_version() != version
    figures = organization_stats_cached(region_code=BEIJING, as_of=ON)
    assert figures.total == total_after
    assert figures == organization_stats(region_code=BEIJING, as_of=ON)


def test_workforce_figures_are_right_after_a_certificate(db, stats_cache_on):
    # given one certified person, figures cached
    make_certificate(make_person(), division="110102", issued_on=dt.date(2010, 11, 1))
    assert workforce_stats_cached(region_code=BEIJING, as_of=ON).certified_total == 1
    # when a second certificate is added
    make_certificate(make_person(), division="110105", issued_on=dt.date(2011, 11, 1))
    # then
    figures = workforce_stats_cached(region_code=BEIJING, as_of=ON)
    assert figures.certified_total == 2
    assert figures == workforce_stats(region_code=BEIJING, as_of=ON)


def test_a_contract_moves_the_version(db):
    # given an awarded purchase
    buyer = buyer_officer()
    purchase = awarded_purchase()
    before = data_version()
    # when its contract is signed
    signed(buyer, purchase=purchase)
    # then
    assert data_version() != before


def test_the_period_rebuild_and_a_migration_move_the_version(db):
    # given
    org = make_organization(registered_on=dt.date(2010, 1, 1))
    before = data_version()
    # when the periods are rebuilt (derived rows, no audit record)
    organization_periods_rebuild(organizations=[org])
    after_rebuild = data_version()
    # and when migrations run (data they load keeps no audit record either)
    call_command("migrate", verbosity=0)
    after_migrate = data_version()
    # then each moved it; the migration started a new epoch
    assert len({before, after_rebuild, after_migrate}) == 3
    assert after_migrate.split(".")[0] != after_rebuild.split(".")[0]


def test_what_a_writing_transaction_computes_is_not_stored(db, settings):
    # given the cache on and a write in this (uncommitted) transaction
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    data_version_bump()
    assert written_in_this_transaction()
    compute = Counting()
    # when the figure is read twice
    cached("count", (BEIJING,), compute)
    cached("count", (BEIJING,), compute)
    # then it was computed each time: the write may still roll back
    assert compute.calls == 2


def _number(version: str) -> int:
    return int(version.split(".")[1])


def test_deferred_bumps_become_one_at_the_end_of_the_block(db):
    # given the version
    data_version_bump()
    before = data_version()
    # when a block (a long import) bumps three times
    with transaction.atomic():
        with bumps_deferred():
            data_version_bump()
            data_version_bump()
            data_version_bump()
            # then inside it the row is untouched (not locked on PostgreSQL), but what this
            # transaction computes is still not cached
            assert data_version() == before
            assert written_in_this_transaction()
        # and at its end the version moved once
        assert _number(data_version()) == _number(before) + 1


def test_a_block_that_fails_leaves_no_bump_behind(db):
    # given
    data_version_bump()
    before = data_version()

    # when the block raises after bumping
    def refused_block() -> None:
        with transaction.atomic(), bumps_deferred():
            data_version_bump()
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused_block()
    # then nothing moved, and later bumps are immediate again
    assert data_version() == before
    with transaction.atomic():
        data_version_bump()
        assert _number(data_version()) == _number(before) + 1


def test_an_import_moves_the_version_once(db):
    # given
    data_version_bump()
    before = data_version()
    # when an import of several rows runs (its audit writes chunk by chunk)
    _import()
    # then one bump, made at its end
    assert _number(data_version()) == _number(before) + 1


def test_the_cache_is_off_at_zero_seconds(db, settings):
    settings.SHUNIU_STATS_CACHE_SECONDS = 0
    compute = Counting()
    cached("count", (BEIJING,), compute)
    cached("count", (BEIJING,), compute)
    assert compute.calls == 2


def test_each_language_has_its_own_entry(db, stats_cache_on):
    # given a figure whose text depends on the language
    def label() -> str:
        return str(translation.gettext("Districts covered"))

    # when read in Chinese, then in English
    with translation.override("zh-hans"):
        chinese = cached("label", (), label)
    with translation.override("en"):
        english = cached("label", (), label)
    # then
    assert (chinese, english) == ("覆盖区县", "Districts covered")


dates = st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2100, 12, 31))
region_codes = st.from_regex(r"\d{6}", fullmatch=True)


@given(a=st.tuples(region_codes, dates), b=st.tuples(region_codes, dates))
def test_keys_are_equal_exactly_when_the_arguments_are(a, b):
    with translation.override("en"):
        assert (cache_key("s", a, "e.1") == cache_key("s", b, "e.1")) == (a == b)
        assert cache_key("s", a, "e.1") != cache_key("s", a, "e.2")


def test_the_stats_endpoint_answers_from_the_cache_in_few_queries(
    client, db, stats_cache_on, django_assert_max_num_queries
):
    # given the figures asked once
    make_organization(registered_on=dt.date(2010, 1, 1))
    url = f"/api/v1/stats/organizations?region={BEIJING}&as_of={ON.isoformat()}"
    first = client.get(url)
    # when asked again: the rate count, the version and the cache entry
    with django_assert_max_num_queries(3):
        again = client.get(url)
    # then the same answer
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.json()["total"] == 1


def test_a_block_marked_for_rollback_bumps_nothing(db):
    # given
    data_version_bump()
    before = data_version()
    # when a block bumps, then marks its transaction for rollback and ends normally (an
    # import whose file changed between its passes)
    with transaction.atomic(), bumps_deferred():
        data_version_bump()
        transaction.set_rollback(True)
    # then the block ended without error and nothing moved
    assert data_version() == before
