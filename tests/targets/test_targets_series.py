"""The fast path (``targets.series``) against the one-date statistics (``metric_value``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.errors import ValidationError
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.models import EvaluationStatus
from shuniu.registry.services import organization_event_add
from shuniu.targets.progress import metric_value
from shuniu.targets.series import MetricSeries
from shuniu.workforce.services import certificate_revoke, placement_add, programme_create
from tests.factories import make_organization
from tests.factories_procurement import EvaluationFactory, PostFactory, contracted_purchase
from tests.workforce.factories import SYSTEM, make_certificate, make_person

d = dt.date
FIRST, LAST = d(2009, 1, 1), d(2013, 12, 31)
METRICS = (
    "organizations",
    "districts_covered",
    "certified_workers",
    "programme_placements",
    "posts_funded",
    "contracted_amount",
    "suppliers_good_share",
)
SCOPES = ((), ("110101",), ("110103", "110104", "110108"), ("110102", "110105"))


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def build_records() -> None:
    """Records of every metric around the 2010-07-01 merger (崇文/宣武 into 东城/西城)."""
    # organizations: in 崇文 before the merger, one deregistered, one still registering
    chongwen = make_organization(division="110103", registered_on=d(2009, 6, 1))
    make_organization(division="110104", registered_on=d(2010, 3, 1))
    make_organization(division="110108", registered_on=d(2011, 2, 1))
    make_organization(division="110000", registered_on=d(2011, 5, 1))
    make_organization(division="110105", registered_on=None)
    make_organization(division="310115", registered_on=d(2010, 1, 1))
    organization_event_add(
        actor=_admin(),
        organization=chongwen,
        kind="deregistered",
        date=d(2012, 1, 1),
        source="t",
    )
    # certificates: a person with two levels in two districts, one revoked, one in Shanghai
    p1 = make_person()
    make_certificate(p1, level="junior", issued_on=d(2009, 11, 1), division="110104")
    make_certificate(p1, level="intermediate", issued_on=d(2011, 11, 1), division="110108")
    p2 = make_person()
    make_certificate(p2, issued_on=d(2010, 3, 1), division="110103")
    p3 = make_person()
    revoked = make_certificate(p3, issued_on=d(2010, 11, 1), division="110102")
    certificate_revoke(actor=SYSTEM, certificate=revoked, revoked_on=d(2012, 1, 1))
    p4 = make_person()
    make_certificate(p4, level="senior", issued_on=d(2011, 11, 1), division="110000")
    make_certificate(make_person(), issued_on=d(2010, 11, 1), division="310115")
    # placements: two in Beijing (one in 宣武 before the merger), one in Shanghai
    programme = programme_create(actor=SYSTEM, name="计划", region=division("110000"), year=2009)
    for person, code, starts in ((p1, "110104", d(2009, 9, 1)), (p2, "110108", d(2010, 9, 1))):
        placement_add(
            actor=SYSTEM,
            programme=programme,
            person=person,
            division=division(code),
            starts_on=starts,
        )
    # purchasing: a service contract, a post contract terminated early, graded evaluations
    service = contracted_purchase(region="110105", starts_on=d(2010, 6, 1), ends_on=d(2011, 5, 31))
    posts = contracted_purchase(
        kind="post",
        region="110108",
        amount=Decimal("120000.50"),
        starts_on=d(2011, 1, 1),
        ends_on=d(2012, 12, 31),
    )
    PostFactory(contract=posts, count=7)
    # posts in force up to and including their last day
    PostFactory(
        contract=contracted_purchase(
            kind="post", region="110103", starts_on=d(2010, 2, 1), ends_on=d(2011, 12, 31)
        ),
        count=3,
    )
    posts.terminated_on = d(2012, 6, 1)
    posts.save(update_fields=["terminated_on"])
    for contract, grade, completed in (
        (service, "good", d(2011, 6, 15)),
        (posts, "pass", d(2012, 7, 1)),
    ):
        EvaluationFactory(
            contract=contract,
            status=EvaluationStatus.COMPLETED,
            grade=grade,
            completed_on=completed,
        )


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="factory-admin")


def one_date(region: Division, metric: str, day: dt.date, scope: tuple[str, ...], index):
    holders = {index.holder(division(c).pk, day).pk for c in scope} if scope else None
    try:
        return metric_value(
            region=region,
            metric=metric,
            kind="agency" if metric in ("organizations", "districts_covered") else "",
            on=day,
            index=index,
            holders=holders,
            include_registering=False,
        )
    except ValidationError:
        return None


@pytest.fixture
def records(db):
    build_records()


def series_for(region: Division, metric: str, scope: tuple[str, ...], index) -> MetricSeries:
    return MetricSeries(
        region=region,
        metric=metric,
        kind="agency" if metric in ("organizations", "districts_covered") else "",
        index=index,
        scope=[division(c).pk for c in scope],
        include_registering=False,
    )


# Every metric for Beijing with each scope, and unscoped for 东城 and 崇文 (gone 2010-07-01).
CASES = [
    *((m, "110000", scope) for m in METRICS for scope in SCOPES),
    *((m, region, ()) for m in METRICS for region in ("110101", "110103")),
]


def test_the_series_equals_the_statistic_on_every_date_it_may_change(records):
    # given records of every metric around the merger
    index = DivisionIndex.load()
    for metric, region, scope in CASES:
        place = division(region)
        series = series_for(place, metric, scope, index)
        # when the series gives the value on each date it may change (and the day before)
        days = series.dates(LAST)
        days += [day - dt.timedelta(days=1) for day in days]
        values = series.values(days)
        # then each is what the statistic gives for that date alone (None: no such region)
        for day in days:
            expected = one_date(place, metric, day, scope, index)
            assert values[day] == expected, (metric, region, scope, day)


@given(
    offsets=st.lists(
        st.integers(min_value=0, max_value=(LAST - FIRST).days), min_size=1, max_size=3
    ),
)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_series_equals_the_statistic_on_random_dates(records, offsets):
    # given records of every metric and the drawn dates
    index = DivisionIndex.load()
    days = [FIRST + dt.timedelta(days=n) for n in offsets]
    for metric, region, scope in CASES:
        place = division(region)
        # when the series gives the value on the drawn dates
        values = series_for(place, metric, scope, index).values(days)
        # then each is what the statistic gives for that date alone
        for day in days:
            assert values[day] == one_date(place, metric, day, scope, index), (metric, day)


def test_the_series_reads_its_records_in_one_query(records, django_assert_num_queries):
    # given a series of certified workers of Beijing
    index = DivisionIndex.load()
    series = MetricSeries(
        region=division("110000"), metric="certified_workers", kind="", index=index
    )
    # when the values on every candidate date are computed
    with django_assert_num_queries(1):
        values = series.values(series.dates(LAST))
    # then the certificates were read once, and the value moves as the certificates did: p3's
    # certificate revoked on 2012-01-01, the senior certificate issued on 2011-11-01
    assert values[d(2011, 11, 1)] == Decimal(4)
    assert values[d(2012, 1, 1)] == Decimal(3)


@given(
    issued=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=4),
    revoked=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=4),
)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_certified_workers_follow_issues_and_revocations(db, issued, revoked):
    start = d(2011, 1, 1)
    with transaction.atomic():
        # given certificates issued on the drawn days, some revoked some days later
        for n, day in enumerate(issued):
            certificate = make_certificate(
                make_person(), issued_on=start + dt.timedelta(days=day), division="110102"
            )
            if n < len(revoked):
                certificate_revoke(
                    actor=SYSTEM,
                    certificate=certificate,
                    revoked_on=start + dt.timedelta(days=day + revoked[n] + 1),
                )
        index = DivisionIndex.load()
        beijing = division("110000")
        series = MetricSeries(region=beijing, metric="certified_workers", kind="", index=index)
        days = [start + dt.timedelta(days=i) for i in range(0, 125, 3)]
        # when the series is read on every third day
        values = series.values(days)
        # then it equals the statistic of each day
        for day in days:
            assert values[day] == one_date(beijing, "certified_workers", day, (), index)
        transaction.set_rollback(True)
