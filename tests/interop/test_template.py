"""``shuniu import template organizations FILE.xlsx``: written, read back, imported."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from shuniu.interop.organizations import COLUMNS
from shuniu.registry.models import Organization
from tests.interop.conftest import run_command, written_counts


@pytest.fixture
def template(db, tmp_path):
    path = tmp_path / "organizations.xlsx"
    result = run_command("template", "organizations", str(path), "--lang", "en")
    assert (result.code, result.err_lines) == (0, [f"Template written to {path}."])
    return path


def test_template_has_chinese_headers_with_english_keys_in_comments(template):
    # given / when
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    # then
    assert [cell.value for cell in sheet[1]] == [c.header for c in COLUMNS]
    assert [cell.comment.text.splitlines()[:2] for cell in sheet[1]][:4] == [
        ["uscc", "optional"],
        ["name", "required"],
        ["name_en", "optional"],
        ["kind", "required"],
    ]
    assert sheet.max_row == 1


def test_template_help_lists_allowed_values_and_todays_divisions(template):
    # given / when
    help_sheet = openpyxl.load_workbook(template)["help"]
    rows = [
        tuple(c for c in row if c is not None) for row in help_sheet.iter_rows(values_only=True)
    ]
    # then
    assert (
        "社工事务所",
        "agency",
        "social-work agency",
        "社会工作服务机构、社会工作事务所、社工机构、社工服务社、社会工作服务社、社会工作服务中心",
    ) in rows
    assert ("校地合作", "university_local", "university-local cooperation") in rows
    assert ("民办非企业单位",) not in rows
    assert ("青少年", "youth", "Youth") in rows
    assert ("北京市东城区", "110101", "Dongcheng District") in rows
    assert ("北京市密云区", "110118", "Miyun District") in rows
    # abolished divisions are not offered
    assert not [row for row in rows if "110103" in row or "110228" in row]


def test_template_offers_drop_down_lists(template):
    # given / when
    workbook = openpyxl.load_workbook(template)
    validations = workbook.worksheets[0].data_validations.dataValidation
    lists = workbook["lists"]
    # then kind, association level, legal form, division and formation have lists
    assert sorted(str(v.sqref) for v in validations) == [
        "D2:D5000",
        "E2:E5000",
        "F2:F5000",
        "G2:G5000",
        "J2:J5000",
    ]
    assert lists.sheet_state == "hidden"
    kinds = [row[0] for row in lists.iter_rows(min_col=1, max_col=1, values_only=True)]
    assert [kind for kind in kinds if kind is not None] == [
        "社工事务所",
        "社工协会",
        "培训机构",
        "评估机构",
        "高校",
        "政府部门",
        "其他",
    ]


def test_empty_template_imports_as_zero_rows(template):
    # given the template as written
    before = written_counts()
    # when
    result = run_command("organizations", str(template), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, ["created 0, updated 0, unchanged 0"])
    assert written_counts() == before


def test_filled_template_imports(template):
    # given a copy of the template filled in as a person would, drop-down values included
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet.append(
        [
            None,
            "西城区社会工作者联合会",
            "Federation",
            "社工协会",
            "区级",
            "社会团体",
            "北京市西城区",
            dt.datetime(2008, 7, 1),  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone
            None,
            None,
            None,
            None,
            "西城区某街",
            "test",
        ]
    )
    sheet.append(["", "悦群社工事务所", None, "社工事务所", None, "民办非企业单位", "北京市西城区"])
    sheet["J3"] = "以会带所"
    sheet["K3"] = "西城区社会工作者联合会"
    sheet["L3"] = "青少年、family"
    filled = template.with_name("filled.xlsx")
    workbook.save(filled)
    # when
    result = run_command("organizations", str(filled), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, ["created 2, updated 0, unchanged 0"])
    federation = Organization.objects.get(name="西城区社会工作者联合会")
    assert (federation.association_level, federation.legal_form, federation.founded_on) == (
        "district",
        "social_group",
        dt.date(2008, 7, 1),
    )
    agency = Organization.objects.get(name="悦群社工事务所")
    assert (agency.hub_id, agency.formation, agency.legal_form) == (
        federation.pk,
        "association_led",
        "social_service",
    )
    assert sorted(agency.service_fields.values_list("code", flat=True)) == ["family", "youth"]


def test_template_does_not_overwrite_without_force(db, tmp_path):
    # given an existing file
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"precious")
    # when
    refused = run_command("template", "organizations", str(path), "--lang", "en")
    forced = run_command("template", "organizations", str(path), "--force", "--lang", "en")
    # then
    assert (refused.code, refused.err_lines) == (
        1,
        [f"CommandError: {path} exists; give --force to overwrite it"],
    )
    assert forced.code == 0
    assert openpyxl.load_workbook(path).worksheets[0]["B1"].value == "名称"


def test_template_must_be_xlsx(db, tmp_path):
    # given / when
    result = run_command("template", "organizations", str(tmp_path / "t.csv"), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (
        1,
        [f"CommandError: {tmp_path / 't.csv'}: a template is an .xlsx file"],
    )
