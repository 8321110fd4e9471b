"""The sector report of Beijing as of 2012-11-30 on the demo dataset reproduces the 2012
survey's Beijing figures (agencies 17 → 39 → 50, 16 districts covered, 11,723 certified) in
every format: the data, the HTML, the XLSX read back, the PDF rasterised, and the page."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.report_files import report_file
from shuniu.interop.report_pdf import chromium_path
from shuniu.stats.narrative import sector_narrative
from shuniu.stats.report import sector_report
from shuniu.workforce.models import Person

BEIJING = "110000"
LATE_2012 = dt.date(2012, 11, 30)
SHOTS = Path("/tmp/shots")  # noqa: S108 where the rasterised pages are looked at
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium is not installed: the PDF cannot be printed"
)
needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)
# An ID number, whole or masked as the platform shows it (first 3 + stars + last 4).
ID_NUMBER = re.compile(r"\b\d{17}[\dXx]\b|\d{3}\*{7,}\d{3}[\dXx]")


@pytest.fixture
def report(demo, db):
    return sector_report(region_code=BEIJING, as_of=LATE_2012)


def test_the_report_holds_the_survey_figures_of_beijing(report):
    # then: agencies 17 → 39 → 50 at the survey's dates, each as published
    growth = {p.as_of: (p.total, p.published) for p in report.growth}
    assert growth[dt.date(2010, 12, 31)] == (17, Decimal(17))
    assert growth[dt.date(2011, 12, 31)] == (39, Decimal(39))
    assert growth[LATE_2012] == (50, Decimal(50))
    # the growth starts at the last year end without an agency
    assert (report.growth[0].as_of, report.growth[0].total) == (dt.date(2008, 12, 31), 0)
    key = {f.metric: (f.computed, f.published, f.agrees) for f in report.key_figures}
    assert key["organizations"] == (50, Decimal(50), True)
    assert key["districts_covered"] == (16, Decimal(16), True)
    assert key["certified_workers"] == (11723, Decimal(11723), True)
    # "over 20" universities: 23 computed lies within the bound
    assert key["universities"] == (23, Decimal(20), True)
    assert (report.organizations.districts_covered, report.organizations.districts_total) == (
        16,
        16,
    )


def test_the_hubs_support_and_formations_of_beijing(report):
    # then: 西城区社会工作者联合会 leads the six association-led agencies of 西城
    assert [(h.name, h.association_level, len(h.members)) for h in report.hubs.hubs] == [
        ("西城区社会工作者联合会", "district", 6)
    ]
    assert (report.hubs.led, report.hubs.agencies) == (6, 50)
    # and the operating profile counts the same hub-led agencies
    assert report.operating.hub_led.count == 6
    support = {s.kind: (s.records, s.amount_yuan, s.area_m2) for s in report.support.by_kind}
    assert support == {
        "office_space": (3, Decimal(0), Decimal(185)),
        "funds": (3, Decimal(230000), Decimal(0)),
        "guidance": (2, Decimal(0), Decimal(0)),
    }
    assert report.support.receivers == 6
    assert {f.formation: f.count for f in report.formations} == {
        "transformation": 7,
        "university_local": 29,
        "association_led": 6,
        "independent": 8,
    }


def test_the_narrative_fills_in_the_numbers_in_both_languages(report):
    with translation.override("en"):
        english = sector_narrative(report)
    with translation.override("zh-hans"):
        chinese = sector_narrative(report)
    assert english[:3] == [
        "As of 2012-11-30, Beijing had 50 social-work agencies (4 of them still registering).",
        "Agencies were present in 16 of its 16 districts.",
        "Their number grew from 4 at 2009-12-31 to 50 at 2012-11-30.",
    ]
    assert "1 hub organization led 6 of the agencies." in english
    assert (
        "11,723 people held a valid social-work certificate; 434 of them worked for an agency."
        in english
    )
    assert chinese[0] == "截至2012-11-30，北京市共有社会工作服务机构50家（其中4家仍在登记中）。"
    assert len(chinese) == len(english)


def _cells(workbook) -> dict[str, list[tuple]]:
    return {
        sheet.title: [row for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def test_the_xlsx_has_a_sheet_per_section_with_the_survey_numbers(report):
    # when the report is written as XLSX in English and read back
    data = report_file(report, fmt="xlsx", language="en", index=DivisionIndex.load())
    sheets = _cells(load_workbook(io.BytesIO(data)))
    # then one sheet per section
    assert list(sheets) == [
        "Cover",
        "Summary",
        "Key figures",
        "Growth by year",
        "Districts and coverage",
        "Formation paths",
        "Hubs and the agencies they lead",
        "Support received",
        "Operating model",
        "Workforce and pipeline",
        "Purchasing",
        "Targets and their state",
    ]
    # and the survey's figures are numbers in their cells
    growth = {row[0].date(): row[1] for row in sheets["Growth by year"] if hasattr(row[0], "date")}
    assert [growth[dt.date(2010, 12, 31)], growth[dt.date(2011, 12, 31)], growth[LATE_2012]] == [
        17,
        39,
        50,
    ]
    key = {row[0]: row[1] for row in sheets["Key figures"] if row and row[1] is not None}
    assert key["Districts covered"] == 16
    assert key["Certified social workers"] == 11723
    assert key["Social-work agencies"] == 50
    assert all(isinstance(v, int) for v in (key["Districts covered"], growth[LATE_2012]))


def test_the_xlsx_headers_follow_the_language(report):
    data = report_file(report, fmt="xlsx", language="zh-hans", index=DivisionIndex.load())
    sheets = _cells(load_workbook(io.BytesIO(data)))
    assert "关键数字" in sheets
    assert ("指标", "计算值", "公布值", "公布数字截至日期", "吻合情况", "来源") in sheets[
        "关键数字"
    ]


def test_the_html_has_every_section_the_narrative_and_the_charts(report):
    html = report_file(report, fmt="html", language="zh-hans", index=DivisionIndex.load())
    text = html.decode("utf-8")
    for section in (
        "narrative",
        "key-figures",
        "growth",
        "districts",
        "formations",
        "hubs",
        "support",
        "operating",
        "workforce",
        "purchasing",
        "targets",
    ):
        assert f'id="{section}"' in text, section
    assert "截至2012-11-30，北京市共有社会工作服务机构50家" in text
    # server-drawn SVG: the growth line, the district map (16 districts), the formation bars
    assert text.count("<svg") == 5
    assert text.count("<path d=") == 16
    assert "<script" not in text
    # standalone: its stylesheet inline, nothing fetched
    assert "<style>" in text
    assert 'href="/static' not in text


def test_no_personal_data_in_any_format(report):
    # given the people of the demo dataset
    names = set(Person.objects.values_list("name", flat=True))
    masks = set(Person.objects.values_list("id_masked", flat=True))
    assert len(names) > 1000
    index = DivisionIndex.load()
    # when the report is written in every format but the PDF (its text is the HTML's)
    outputs = {
        "html": report_file(report, fmt="html", language="zh-hans", index=index).decode(),
        "xlsx": "\n".join(
            str(cell)
            for rows in _cells(
                load_workbook(
                    io.BytesIO(report_file(report, fmt="xlsx", language="zh-hans", index=index))
                )
            ).values()
            for row in rows
            for cell in row
            if cell is not None
        ),
    }
    # then no person's name, no ID number and no mask appears
    for fmt, text in outputs.items():
        assert not ID_NUMBER.search(text), fmt
        assert not any(mask in text for mask in masks), fmt
        found = [name for name in names if len(name) >= 2 and f">{name}<" in text]
        assert found == [], fmt
        cells = set(text.split("\n")) if fmt == "xlsx" else set()
        assert not (cells & names), fmt


@needs_chromium
@needs_pdftoppm
def test_the_command_writes_all_three_formats_and_the_pdf_pages_are_not_blank(report, tmp_path):
    # when the command writes each format
    for fmt in ("html", "xlsx", "pdf"):
        out = io.StringIO()
        call_command(
            "report",
            "sector",
            "--region",
            BEIJING,
            "--as-of",
            "2012-11-30",
            "--format",
            fmt,
            "--output",
            str(tmp_path / f"report.{fmt}"),
            stdout=out,
        )
        assert out.getvalue().strip() == str(tmp_path / f"report.{fmt}")
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # then the first pages, rasterised, carry ink (not blank pages)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-l",
            "4",
            str(tmp_path / "report.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 4
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        shutil.copy(page, SHOTS / f"report-{page.name}")
        assert _ink(tmp_path / "report.pdf", number) > 0.005, page.name
    # and the PDF holds the Chinese text (fonts embedded, not boxes)
    text = subprocess.run(
        ["pdftotext", "-l", "2", str(tmp_path / "report.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "北京市" in text
    assert "50" in text


def _ink(pdf: Path, page: int) -> float:
    """The share of a page's pixels that are not white (grey PGM from pdftoppm: a header of
    three lines, then one byte per pixel)."""
    pgm = subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-f", str(page), "-l", str(page), str(pdf)],
        check=True,
        capture_output=True,
    ).stdout
    magic, size, depth, pixels = pgm.split(b"\n", 3)
    width, height = (int(n) for n in size.split())
    assert (magic, depth) == (b"P5", b"255")
    return sum(1 for value in pixels[: width * height] if value < 200) / (width * height)


def test_the_page_shows_the_report_to_anyone(report, client, django_assert_max_num_queries):
    # when an anonymous reader opens the page
    response = client.get(
        "/report/", {"region": BEIJING, "as_of": "2012-11-30"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then the report is there with its download links
    assert response.status_code == 200
    text = response.content.decode()
    assert "截至2012-11-30，北京市共有社会工作服务机构50家" in text
    for fmt in ("html", "xlsx"):
        assert f'id="download-{fmt}"' in text
    assert 'id="download-pdf"' in text
    # and the dashboard links to it
    dashboard = client.get("/", {"region": BEIJING, "as_of": "2012-11-30"}).content.decode()
    assert "/report/?region=110000&amp;as_of=2012-11-30" in dashboard


def test_the_download_sends_the_xlsx_with_the_survey_numbers(report, client):
    response = client.get(
        "/report/download/",
        {"region": BEIJING, "as_of": "2012-11-30", "format": "xlsx"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sector-110000-2012-11-30.xlsx"'
    sheets = _cells(load_workbook(io.BytesIO(response.content)))
    assert sheets["Key figures"][4][:2] == ("Social-work agencies", 50)
