"""The sector report on a small world made with factories: its sections on a date, the hubs
and support selectors, the narrative's conditional sentences, bad input (selector, command,
page, download), the PDF's refusal without Chromium, and who may read it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.actors import cli_actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.core.models import AuditRecord
from shuniu.interop.report_svg import bar_chart, line_chart
from shuniu.registry.selectors import hubs_leading, support_received
from shuniu.registry.services import organization_event_add, support_record
from shuniu.stats.narrative import sector_narrative
from shuniu.stats.report import _agrees, sector_report
from tests.factories import make_organization

ADMIN = cli_actor("test")
d = dt.date


@pytest.fixture
def world(db):
    """A district hub of 西城, three agencies (one led from its registration, one joining
    in 2011, one leaving it in 2011) and two support records."""
    hub = make_organization(
        name="西城区测试联合会",
        kind="association",
        association_level="district",
        legal_form="social_group",
        division="110102",
        registered_on=d(2009, 1, 5),
    )
    government = make_organization(
        name="测试民政局", kind="government", legal_form="government", registered_on=None
    )
    led = make_organization(
        name="甲社工事务所",
        division="110102",
        registered_on=d(2009, 6, 1),
        formation="association_led",
        hub=hub,
    )
    joining = make_organization(
        name="乙社工事务所", division="110101", registered_on=d(2010, 3, 1), formation="independent"
    )
    leaving = make_organization(
        name="丙社工事务所", division="110105", registered_on=d(2010, 5, 1), formation="independent"
    )
    organization_event_add(
        actor=ADMIN,
        organization=joining,
        kind="joined_hub",
        date=d(2011, 3, 1),
        hub=hub,
        source="t",
    )
    organization_event_add(
        actor=ADMIN,
        organization=leaving,
        kind="joined_hub",
        date=d(2010, 6, 1),
        hub=hub,
        source="t",
    )
    organization_event_add(
        actor=ADMIN, organization=leaving, kind="left_hub", date=d(2011, 2, 1), source="t"
    )
    support_record(
        actor=ADMIN,
        giver=government,
        receiver=led,
        kind="funds",
        starts_on=d(2010, 1, 1),
        amount_yuan=Decimal("50000.00"),
    )
    support_record(
        actor=ADMIN,
        giver=government,
        receiver=joining,
        kind="office_space",
        starts_on=d(2011, 6, 1),
        area_m2=Decimal("40.00"),
    )
    return {"hub": hub, "led": led, "joining": joining, "leaving": leaving}


def ids(world) -> list[int]:
    return sorted(world[k].pk for k in ("led", "joining", "leaving"))


# ---------------------------------------------------------------------------------------
# Hubs and support on a date


def test_hubs_follow_the_join_and_leave_events(world):
    # when: the end of 2010 (丙 joined in June), then the end of 2011 (丙 left, 乙 joined)
    end_2010 = hubs_leading(organization_ids=ids(world), as_of=d(2010, 12, 31))
    end_2011 = hubs_leading(organization_ids=ids(world), as_of=d(2011, 12, 31))
    # then
    assert [(h.name, h.members) for h in end_2010] == [
        ("西城区测试联合会", ["丙社工事务所", "甲社工事务所"])
    ]
    assert [(h.name, h.members) for h in end_2011] == [
        ("西城区测试联合会", ["乙社工事务所", "甲社工事务所"])
    ]


def test_support_counts_what_started_by_the_date(world, django_assert_num_queries):
    # when
    with django_assert_num_queries(2):
        before = support_received(organization_ids=ids(world), as_of=d(2010, 12, 31))
    after = support_received(organization_ids=ids(world), as_of=d(2011, 12, 31))
    # then
    assert [(s.kind, s.records, s.amount_yuan) for s in before.by_kind] == [
        ("funds", 1, Decimal("50000.00"))
    ]
    assert before.receivers == 1
    assert [(s.kind, s.records, s.area_m2) for s in after.by_kind] == [
        ("office_space", 1, Decimal("40.00")),
        ("funds", 1, Decimal(0)),
    ]
    assert after.receivers == 2


def test_no_support_is_an_empty_list_not_an_error(world):
    none = support_received(organization_ids=[], as_of=d(2011, 12, 31))
    assert (none.by_kind, none.receivers) == ([], 0)


# ---------------------------------------------------------------------------------------
# The report


def test_the_report_of_the_world_at_the_end_of_2011(world):
    # when
    report = sector_report(region_code="110000", as_of=d(2011, 12, 31))
    # then
    assert report.first_record == d(2009, 1, 5)
    assert [(p.as_of, p.total) for p in report.growth] == [
        (d(2009, 12, 31), 1),
        (d(2010, 12, 31), 3),
        (d(2011, 12, 31), 3),
    ]
    assert (report.organizations.total, report.organizations.districts_covered) == (3, 3)
    assert (report.hubs.led, report.hubs.agencies) == (2, 3)
    assert (report.support.records, report.support.receivers) == (2, 2)
    assert report.support.amount_yuan == Decimal("50000.00")
    assert {f.formation: f.count for f in report.formations} == {
        "association_led": 1,
        "independent": 2,
    }
    # no published figure for the date: the key figures stand alone
    assert [(f.metric, f.computed, f.published) for f in report.key_figures] == [
        ("organizations", 3, None),
        ("districts_covered", 3, None),
        ("certified_workers", 0, None),
    ]


def test_the_narrative_says_only_what_the_data_holds(world):
    report = sector_report(region_code="110000", as_of=d(2011, 12, 31))
    with translation.override("en"):
        sentences = sector_narrative(report)
    assert sentences == [
        "As of 2011-12-31, Beijing had 3 social-work agencies.",
        "Agencies were present in 3 of its 16 districts.",
        "Their number grew from 1 at 2009-12-31 to 3 at 2011-12-31.",
        "The most common formation path was independent: 2 agencies (66.7%).",
        "1 hub organization led 2 of the agencies.",
        "2 agencies had received support (2 records), 50,000.00 yuan of it in money.",
    ]
    with translation.override("zh-hans"):
        chinese = sector_narrative(report)
    assert chinese[0] == "截至2011-12-31，北京市共有社会工作服务机构3家。"
    assert chinese[4] == "1个枢纽型组织带领了其中2家机构。"


def test_the_report_reads_a_fixed_number_of_queries_whatever_the_agencies(
    world, django_assert_max_num_queries
):
    # given the count for three agencies
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        sector_report(region_code="110000", as_of=d(2011, 12, 31))
    # when ten more agencies exist
    for n in range(10):
        make_organization(name=f"丁{n}社工事务所", division="110108", registered_on=d(2011, 1, 1))
    # then the report reads no more queries
    with django_assert_max_num_queries(len(three.captured_queries)):
        report = sector_report(region_code="110000", as_of=d(2011, 12, 31))
    assert report.organizations.total == 13


@pytest.mark.parametrize(
    ("region", "as_of", "error", "field", "message"),
    [
        ("999999", d(2011, 12, 31), NotFound, None, "999999"),
        (
            "110000",
            d(2008, 12, 31),
            ValidationError,
            "as_of",
            "北京市 has no record before 2008-12-31",
        ),
        ("110103", d(2011, 12, 31), ValidationError, "region", "did not exist on 2011-12-31"),
        ("110000", d(2999, 1, 1), ValidationError, "as_of", "Give a date between 1949-10-01"),
    ],
)
def test_bad_region_or_date_is_refused(world, region, as_of, error, field, message):
    with translation.override("en"), pytest.raises(error) as caught:
        sector_report(region_code=region, as_of=as_of)
    text = str(caught.value) if field is None else " ".join(caught.value.message_dict[field])
    assert message in text


def test_a_region_without_any_record_is_refused(db):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        sector_report(region_code="440300", as_of=d(2011, 12, 31))
    assert caught.value.message_dict["as_of"] == ["深圳市 has no record at all."]


# ---------------------------------------------------------------------------------------
# The shares' bounds (a qualified published figure is a bound)


@given(computed=st.integers(0, 10_000), published=st.integers(0, 10_000))
def test_a_qualified_figure_agrees_within_its_bound(computed, published):
    value = Decimal(published)
    assert _agrees(computed, value, "over") is (computed >= published)
    assert _agrees(computed, value, "逾") is (computed >= published)
    assert _agrees(computed, value, "nearly") is (computed <= published)
    assert _agrees(computed, value, "") is (computed == published)
    assert _agrees(computed, value, "about") is None  # no rule says how far is "about"
    assert _agrees(None, value, "") is None


# ---------------------------------------------------------------------------------------
# Charts


def test_charts_escape_their_labels_and_print_their_numbers():
    svg = bar_chart(["<script>alert(1)</script>", "乙"], [3, Decimal("12.50")], label="a & b")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="a &amp; b"' in svg
    assert ">3</text>" in svg
    assert ">12.50</text>" in svg
    line = line_chart(["2010", "2011"], [17, 39], label="g")
    assert ">17</text>" in line
    assert ">39</text>" in line
    assert line.count("<circle") == 2


# ---------------------------------------------------------------------------------------
# The command


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "sector", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--region", "999999", "--as-of", "2011-12-31"],
            "--region: no region has the code '999999'",
        ),
        (
            ["--region", "110000", "--as-of", "2008-12-31"],
            "as_of: 北京市 has no record before 2008-12-31",
        ),
        (["--region", "110000", "--as-of", "2011-13-01"], "--as-of: '2011-13-01' is not a date"),
        (
            ["--region", "110000", "--format", "docx"],
            "--format: unknown format 'docx'; one of html, xlsx, pdf",
        ),
        (
            ["--region", "110000", "--language", "fr"],
            "--language：未知语言 'fr'；应为 zh-hans, en 之一",
        ),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(world, tmp_path, args, message):
    # the CLI's own language is zh-hans; --language en sets the messages' language
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        run("--language", "en", *args, "--output", str(tmp_path / "out"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_the_command_writes_html_named_after_region_and_date(world, tmp_path, monkeypatch):
    # given the working directory
    monkeypatch.chdir(tmp_path)
    # when no --output is given
    printed = run("--region", "110000", "--as-of", "2011-12-31", "--language", "en")
    # then the default name, in the working directory
    path = tmp_path / "sector-110000-2011-12-31.html"
    assert printed.strip() == "sector-110000-2011-12-31.html"
    text = path.read_text(encoding="utf-8")
    assert "As of 2011-12-31, Beijing had 3 social-work agencies" in text
    assert '<html lang="en">' in text


def test_the_command_without_chromium_fails_clearly(world, tmp_path, settings):
    settings.SHUNIU_CHROMIUM = "/nonexistent/chromium"
    with pytest.raises(CommandError) as caught:
        run(
            "--language",
            "en",
            "--region",
            "110000",
            "--as-of",
            "2011-12-31",
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "r.pdf"),
        )
    assert str(caught.value) == (
        "PDF is unavailable: Chromium was not found (set SHUNIU_CHROMIUM to its path)."
    )
    assert not (tmp_path / "r.pdf").exists()


# ---------------------------------------------------------------------------------------
# The page and its downloads


QUERY = {"region": "110000", "as_of": "2011-12-31"}


def test_anyone_may_read_the_page(world, client, make_officer, django_user_model):
    # given an anonymous reader, an officer of another city, an ordinary user
    readers = [
        None,
        make_officer("sh_officer", "310000"),
        django_user_model.objects.create_user("u"),
    ]
    for user in readers:
        client.logout()
        if user is not None:
            client.force_login(user)
        # when
        response = client.get("/report/", QUERY, HTTP_ACCEPT_LANGUAGE="en")
        # then
        assert response.status_code == 200
        assert "As of 2011-12-31, Beijing had 3 social-work agencies" in response.content.decode()


def test_the_page_and_download_write_nothing(world, client):
    # given the audit log
    before = AuditRecord.objects.count()
    # when a reader tries to write to them
    responses = [
        client.post("/report/", QUERY),
        client.post("/report/download/", {**QUERY, "format": "html"}),
        client.delete("/report/"),
    ]
    # then refused, and nothing changed
    assert [r.status_code for r in responses] == [405, 405, 405]
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"region": "999999"}, "Region", "“999999” is not one of the regions offered"),
        ({"region": "110000", "as_of": "2008-12-31"}, "As of", "has no record before 2008-12-31"),
        ({"region": "110000", "as_of": "31/12/2011"}, "As of", "Not a date"),
    ],
)
def test_the_page_names_the_field_of_a_bad_query(world, client, query, field, message):
    response = client.get("/report/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"<strong>{field}</strong>" in text
    assert message in text
    assert 'id="sector-report"' not in text


@pytest.mark.parametrize(
    ("query", "line"),
    [
        (
            {**QUERY, "format": "docx"},
            "format (File format): Unknown file format “docx”: one of html, xlsx, pdf.",
        ),
        (QUERY, "format (File format): Say which file format: one of html, xlsx, pdf."),
        (
            {"region": "110000", "as_of": "2008-12-31", "format": "html"},
            "as_of (As of): 北京市 has no record before 2008-12-31",
        ),
    ],
)
def test_the_download_names_the_parameter_of_a_bad_query(world, client, query, line):
    response = client.get("/report/download/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert line in response.content.decode()


def test_the_html_download_is_the_standalone_file(world, client):
    response = client.get(
        "/report/download/", {**QUERY, "format": "html"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sector-110000-2011-12-31.html"'
    text = response.content.decode()
    assert "<style>" in text
    assert "As of 2011-12-31, Beijing had 3 social-work agencies" in text


def test_without_chromium_the_pdf_is_a_503_problem_and_the_page_says_so(world, client, settings):
    # given no Chromium
    settings.SHUNIU_CHROMIUM = "/nonexistent/chromium"
    # when the PDF is asked for
    response = client.get(
        "/report/download/", {**QUERY, "format": "pdf"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then a problem saying why
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "PDF unavailable",
        "status": 503,
        "detail": "PDF is unavailable: Chromium was not found (set SHUNIU_CHROMIUM to its path).",
    }
    # and the page's PDF button says it is unavailable instead of linking
    page = client.get("/report/", QUERY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "PDF (unavailable: Chromium is not installed on the server)" in page
    assert "format=pdf" not in page


def test_the_page_is_linked_from_the_dashboard(world, client):
    page = client.get("/", QUERY).content.decode()
    assert 'href="/report/?region=110000&amp;as_of=2011-12-31" id="report-link"' in page


def test_a_district_report_has_no_map_but_its_figures(world, client):
    response = client.get(
        "/report/", {"region": "110102", "as_of": "2011-12-31"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "As of 2011-12-31, Xicheng District had 1 social-work agency." in text
    assert "<path d=" not in text


# ---------------------------------------------------------------------------------------
# The PDF's bounds (a stand-in for Chromium: a script)


def stand_in(tmp_path, body: str) -> str:
    script = tmp_path / "chromium"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_a_second_pdf_waits_only_briefly_for_the_first(settings, tmp_path):
    from shuniu.interop import report_pdf

    settings.SHUNIU_CHROMIUM = stand_in(tmp_path, "exit 0")
    # given a print already running
    # when another asks, then it is told to come back
    with (
        report_pdf._one_at_a_time,
        translation.override("en"),
        pytest.raises(report_pdf.PdfUnavailable) as caught,
    ):
        report_pdf.html_to_pdf("<p>x</p>", wait=0.01)
    assert str(caught.value) == "PDF is unavailable: another PDF is being made; try again."


def test_a_stuck_chromium_is_stopped_and_a_silent_one_reported(settings, tmp_path):
    from shuniu.interop import report_pdf

    with translation.override("en"):
        settings.SHUNIU_CHROMIUM = stand_in(tmp_path, "sleep 30")
        with pytest.raises(report_pdf.PdfUnavailable) as stuck:
            report_pdf.html_to_pdf("<p>x</p>", timeout=0.5)
        settings.SHUNIU_CHROMIUM = stand_in(tmp_path, "exit 0")
        with pytest.raises(report_pdf.PdfUnavailable) as silent:
            report_pdf.html_to_pdf("<p>x</p>")
    assert str(stuck.value) == "PDF is unavailable: Chromium took longer than 0.5 seconds."
    assert str(silent.value) == "PDF is unavailable: Chromium did not write a PDF."
    # and the lock is free again
    assert report_pdf._one_at_a_time.acquire(blocking=False)
    report_pdf._one_at_a_time.release()
