from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shuniu.divisions.models import Division
from shuniu.targets.models import PublishedFigure
from shuniu.targets.published import published_figures_for


def figure(region: str, metric: str, kind: str, as_of: dt.date, source: str = "report"):
    return PublishedFigure.objects.create(
        region=Division.objects.get(code=region),
        metric=metric,
        kind=kind,
        value=Decimal(17),
        as_of=as_of,
        source=source,
    )


def test_published_figures_for_matches_region_date_kind_and_metric(db):
    # given
    end_2010 = dt.date(2010, 12, 31)
    total = figure("110000", "organizations", "agency", end_2010, source="b report")
    coverage = figure("110000", "districts_covered", "agency", end_2010)
    second_source = figure("110000", "organizations", "agency", end_2010, source="a report")
    figure("110000", "organizations", "agency", dt.date(2011, 12, 31))
    figure("110000", "organizations", "", end_2010)
    figure("310000", "organizations", "agency", end_2010)
    figure("110000", "certified_workers", "agency", end_2010)
    # when
    found = published_figures_for(region_code="110000", as_of=end_2010, kind="agency")
    # then
    assert found == [coverage, second_source, total]


def test_published_figures_for_all_kinds_reads_the_kindless_figures(db):
    # given
    late_2012 = dt.date(2012, 11, 30)
    figure("110000", "organizations", "agency", late_2012)
    all_kinds = figure("110000", "organizations", "", late_2012)
    # when / then
    assert published_figures_for(region_code="110000", as_of=late_2012, kind=None) == [all_kinds]
    assert published_figures_for(region_code="110000", as_of=late_2012, kind="") == [all_kinds]
    assert published_figures_for(region_code="999999", as_of=late_2012, kind=None) == []
