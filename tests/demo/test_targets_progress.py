"""Issue 9's "done means" for targets, read from the demo dataset."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from shuniu.core.actors import cli_actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.demo import dataset as ds
from shuniu.divisions.models import Division
from shuniu.registry.models import EventKind, OrganizationEvent
from shuniu.targets.models import Target
from shuniu.targets.selectors import target_with_progress, targets_with_progress
from shuniu.targets.services import target_record

END_2010 = dt.date(2010, 12, 31)


@pytest.fixture
def loaded(demo, db):
    return demo


def by_document(items, title):
    return next(i for i in items if i.target.document and i.target.document.title == title)


def test_the_2010_plan_is_met_with_17_agencies_first_met_when_the_tenth_registered(loaded):
    # given the demo's 2010 plan: 10 agencies in 城八区 (as in 2010) + 顺义 + 昌平
    # when its progress is read as of 2010-12-31
    item = by_document(targets_with_progress(region_code="110000", as_of=END_2010), ds.PLAN_2010)
    # then it is met with 17 agencies, first on the day the tenth of them registered
    assert item.progress.actual == Decimal(17)
    assert item.progress.percent == Decimal("170.00")
    assert item.progress.state == "met"
    tenth = sorted(
        OrganizationEvent.objects.filter(
            kind=EventKind.REGISTERED,
            organization__kind="agency",
            organization__registrar_division__code__in=ds.PLAN_2010_SCOPE,
        ).values_list("date", flat=True)
    )
    assert item.progress.first_met_on == dt.date(2010, 6, 15)
    assert dt.date(2010, 6, 15) in tenth
    assert [d.code for d in item.scope] == sorted(ds.PLAN_2010_SCOPE)


def test_an_old_district_in_a_scope_resolves_to_its_successor(loaded):
    # given a target scoped to 崇文 alone, merged into 东城 on 2010-07-01
    target = target_record(
        actor=cli_actor("test"),
        region=Division.objects.get(code="110000"),
        metric="organizations",
        kind="agency",
        value=3,
        due_on=END_2010,
        scope=[Division.objects.get(code="110103")],
    )
    # when it is read before and after the merger
    before = target_with_progress(pk=target.pk, as_of=dt.date(2010, 6, 30)).progress
    after = target_with_progress(pk=target.pk, as_of=END_2010).progress
    # then before it counts 崇文's one agency, after it the whole of 东城 that holds 崇文
    assert before.actual == Decimal(1)
    assert after.actual == Decimal(3)


def test_the_16_district_coverage_target_is_met_in_2012(loaded):
    # given the demo's coverage target (16 districts by 2012-12-31)
    target = Target.objects.get(document__title=ds.PLAN_COVERAGE)
    # when read at the end of 2011 and at the survey's date
    end_2011 = target_with_progress(pk=target.pk, as_of=dt.date(2011, 12, 31)).progress
    late_2012 = target_with_progress(pk=target.pk, as_of=dt.date(2012, 11, 30)).progress
    # then it is short at the end of 2011 and met in 2012
    assert end_2011.actual == Decimal(12)
    assert end_2011.state == "on_track"
    assert late_2012.actual == Decimal(16)
    assert late_2012.state == "met"
    assert late_2012.first_met_on == dt.date(2012, 10, 24)


def test_a_target_with_a_future_deadline_is_behind_when_below_its_pace(loaded):
    # given 100 agencies by 2015-12-31, set on 2011-01-01 when there were 17
    target = Target.objects.get(document__title=ds.PLAN_2015)
    # when read at the survey's date
    progress = target_with_progress(pk=target.pk, as_of=dt.date(2012, 11, 30)).progress
    # then 46 registered agencies are below the pace line's 48.79 (17 + 83 x 699/1825)
    assert progress.actual == Decimal(46)
    assert progress.pace_expected == Decimal("48.79")
    assert progress.state == "behind"
    assert progress.first_met_on is None


def test_a_target_with_a_future_deadline_is_on_track_when_at_its_pace(loaded):
    # given the same target, read at the end of 2011
    target = Target.objects.get(document__title=ds.PLAN_2015)
    progress = target_with_progress(pk=target.pk, as_of=dt.date(2011, 12, 31)).progress
    # then 39 agencies are above the pace (17 + 83 x 364/1825 = 33.55)
    assert progress.actual == Decimal(39)
    assert progress.pace_expected == Decimal("33.55")
    assert progress.state == "on_track"


def test_a_target_read_after_its_deadline_unmet_is_missed(loaded):
    # given the 2015 target, read after its deadline, with fewer than 100 agencies
    target = Target.objects.get(document__title=ds.PLAN_2015)
    progress = target_with_progress(pk=target.pk, as_of=dt.date(2016, 1, 1)).progress
    # then it is missed
    assert progress.actual < Decimal(100)
    assert progress.state == "missed"


def test_unknown_region_and_a_date_before_any_record_are_clear_errors(loaded):
    # when the region is unknown
    with pytest.raises(NotFound):
        targets_with_progress(region_code="999999", as_of=END_2010)
    # when the date lies before the region's first record
    with pytest.raises(ValidationError) as caught:
        targets_with_progress(region_code="110000", as_of=dt.date(1990, 1, 1))
    # then the message names the date field
    assert "as_of" in caught.value.message_dict


def test_the_command_prints_the_api_items_as_json(loaded, client):
    # when the command and the API are asked for Beijing as of 2010-12-31
    out = io.StringIO()
    call_command(
        "targets",
        "progress",
        "--region",
        "110000",
        "--as-of",
        "2010-12-31",
        "--format",
        "json",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    answered = client.get("/api/v1/targets", {"region": "110000", "as_of": "2010-12-31"}).json()
    # then they are the same, the 2010 plan met with 17 first on 2010-06-15
    assert printed == answered
    assert printed["count"] == 3
    plan = printed["items"][0]
    assert plan["progress"]["actual"] == 17
    assert plan["progress"]["state"] == "met"
    assert plan["progress"]["first_met_on"] == "2010-06-15"


def test_the_command_prints_a_table_and_refuses_bad_input(loaded):
    # when the table is asked for
    out = io.StringIO()
    call_command("targets", "progress", "--region", "110000", "--as-of", "2012-11-30", stdout=out)
    # then each target is a row with its state, in zh-hans
    assert out.getvalue().count("已达成") == 2
    assert out.getvalue().count("落后于进度") == 1
    # and an unknown region, a date before any record and a bad date are one-line errors
    with pytest.raises(CommandError, match="未找到：999999"):
        call_command("targets", "progress", "--region", "999999", "--as-of", "2012-11-30")
    with pytest.raises(CommandError, match="as_of: 北京市在 1990-01-01 之前没有任何记录"):
        call_command("targets", "progress", "--region", "110000", "--as-of", "1990-01-01")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("targets", "progress", "--region", "110000", "--as-of", "2012-13-01")
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        call_command("targets", "progress", "--region", "110000", "--format", "xml")
