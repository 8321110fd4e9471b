"""``shuniu import organizations FILE``: formats, matching, all-or-nothing, jurisdiction."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.divisions.selectors import DivisionIndex
from shuniu.registry import codes
from shuniu.registry.models import Organization, OrganizationEvent, OrganizationPeriod
from shuniu.registry.services import organization_periods_rebuild
from tests.factories import make_organization
from tests.interop.conftest import HEADER_EN, HEADER_ZH, code, run_command, written_counts

DONE = "created {}, updated {}, unchanged {}"


def rows_two_new() -> list[str]:
    return [
        f"{code(1)},东城区助人社工事务所,社工事务所,东城区,2009-06,2009-06-15,东城区某街1号,青少年；老年人",
        ",西城区社会工作者联合会,社工协会,110102,2008年7月1日,,,",
    ]


def test_chinese_header_in_utf8_with_bom_creates_organizations_like_register(db, csv_file):
    # given a UTF-8 (BOM) CSV with Chinese headers and two new organizations
    path = csv_file([HEADER_ZH, *rows_two_new()], encoding="utf-8-sig")
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.out, result.err_lines) == (0, "", [DONE.format(2, 0, 0)])
    agency = Organization.objects.get(uscc=code(1))
    assert (agency.name, agency.kind, agency.registrar_division.code, agency.status) == (
        "东城区助人社工事务所",
        "agency",
        "110101",
        "registered",
    )
    assert (agency.founded_on, agency.registered_on) == (dt.date(2009, 6, 1), dt.date(2009, 6, 15))
    assert sorted(agency.service_fields.values_list("code", flat=True)) == ["elderly", "youth"]
    assert list(agency.events.values_list("kind", "date", "date_precision", "source")) == [
        ("founded", dt.date(2009, 6, 1), "month", "东城区助人社工事务所"),
        ("registered", dt.date(2009, 6, 15), "day", "东城区助人社工事务所"),
    ]
    assert list(agency.periods.values_list("start", "end", "status")) == [
        (dt.date(2009, 6, 1), dt.date(2009, 6, 15), "preparing"),
        (dt.date(2009, 6, 15), None, "registered"),
    ]
    federation = Organization.objects.get(name="西城区社会工作者联合会")
    assert (federation.uscc, federation.kind, federation.status) == (
        None,
        "association",
        "preparing",
    )
    audit = list(AuditRecord.objects.order_by("id").values_list("action", "object_repr"))
    assert audit == [
        ("organization.register", "东城区助人社工事务所"),
        ("organization.register", "西城区社会工作者联合会"),
        ("organization_event.add", "2009-06-01 founded"),
        ("organization_event.add", "2009-06-15 registered"),
        ("organization_event.add", "2008-07-01 founded"),
    ]
    first = AuditRecord.objects.order_by("id").first()
    assert first.after["service_fields"] == ["elderly", "youth"]
    assert first.after["sponsors"] == []
    assert first.division_code == "110101"
    labels = set(AuditRecord.objects.values_list("actor_label", flat=True))
    assert len(labels) == 1
    assert labels.pop().endswith(" (import organizations)")
    # one request id ties the records of one import together
    request_ids = set(AuditRecord.objects.values_list("request_id", flat=True))
    assert len(request_ids) == 1
    assert request_ids.pop() != ""


def test_english_header_in_plain_utf8(db, csv_file):
    # given English headers in any case, plain UTF-8
    path = csv_file([HEADER_EN.upper().replace("_", " "), *rows_two_new()])
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(2, 0, 0)])
    assert Organization.objects.get(uscc=code(1)).address == "东城区某街1号"


def test_gb18030_csv_as_excel_in_china_writes_it(db, csv_file):
    # given the same file in GB18030
    path = csv_file([HEADER_ZH, *rows_two_new()], encoding="gb18030")
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(2, 0, 0)])
    assert sorted(Organization.objects.values_list("name", flat=True)) == [
        "东城区助人社工事务所",
        "西城区社会工作者联合会",
    ]


def test_xlsx_with_date_cells_and_numeric_codes(db, tmp_path):
    # given a workbook with a date cell and a division code typed as a number
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ZH.split(","))
    sheet.append([code(1), "东城区助人社工事务所", "agency", 110101, None, dt.date(2009, 6, 15)])
    sheet.append([None, "朝阳区社工事务所", "社会工作服务机构", "北京市朝阳区", "2010年7月"])
    path = tmp_path / "orgs.xlsx"
    workbook.save(path)
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(2, 0, 0)])
    agency = Organization.objects.get(uscc=code(1))
    assert (agency.registrar_division.code, agency.registered_on) == (
        "110101",
        dt.date(2009, 6, 15),
    )
    chaoyang = Organization.objects.get(name="朝阳区社工事务所")
    assert (chaoyang.registrar_division.code, chaoyang.founded_on, chaoyang.status) == (
        "110105",
        dt.date(2010, 7, 1),
        "preparing",
    )


def test_utf16_csv_is_refused_and_nothing_written(db, csv_file):
    # given a CSV saved as "Unicode text" (UTF-16)
    path = csv_file([HEADER_ZH, *rows_two_new()], encoding="utf-16")
    before = written_counts()
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == ["CommandError: cannot read orgs.csv: not UTF-8 or GB18030 text"]
    assert written_counts() == before


def test_unknown_extension_is_refused(db, tmp_path):
    # given
    path = tmp_path / "orgs.txt"
    path.write_text(HEADER_ZH, encoding="utf-8")
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == [
        "CommandError: cannot read orgs.txt: unsupported file type .txt; use .csv or .xlsx"
    ]


def test_reimporting_the_same_file_changes_nothing(db, csv_file):
    # given a file already imported once
    path = csv_file([HEADER_ZH, *rows_two_new()])
    assert run_command("organizations", str(path), "--lang", "en").code == 0
    before = written_counts()
    versions = list(Organization.objects.order_by("id").values_list("version", "updated_at"))
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then every row is unchanged and no audit record was written
    assert (result.code, result.err_lines) == (0, [DONE.format(0, 0, 2)])
    assert written_counts() == before
    assert (
        list(Organization.objects.order_by("id").values_list("version", "updated_at")) == versions
    )


def existing_agency(**kwargs) -> Organization:
    defaults = {
        "actor": cli_actor("test"),
        "name": "甲社工事务所",
        "division": "110101",
        "uscc": code(50),
        "registered_on": dt.date(2010, 1, 1),
        "address": "旧地址",
        "service_fields": ["youth"],
    }
    return make_organization(**{**defaults, **kwargs})


def test_a_changed_address_updates_the_matched_organization(db, csv_file):
    # given a stored organization and a row with its credit code and a new address
    org = existing_agency()
    path = csv_file(
        [HEADER_ZH, f"{code(50)},甲社工事务所,社工事务所,东城区,,2010-01-01,新地址,青少年"]
    )
    audit_before = AuditRecord.objects.count()
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then only the address changed, through an audited, versioned update
    assert (result.code, result.err_lines) == (0, [DONE.format(0, 1, 0)])
    org.refresh_from_db()
    assert (org.address, org.version, org.name, org.status) == (
        "新地址",
        2,
        "甲社工事务所",
        "registered",
    )
    assert "新地址" in org.search_text
    assert OrganizationEvent.objects.filter(organization=org).count() == 1
    assert AuditRecord.objects.count() == audit_before + 1
    record = AuditRecord.objects.latest("id")
    assert (record.action, record.object_id, record.division_code) == (
        "organization.update",
        str(org.pk),
        "110101",
    )
    assert (record.before["address"], record.after["address"]) == ("旧地址", "新地址")
    assert (record.before["version"], record.after["version"]) == (1, 2)
    assert record.after["service_fields"] == ["youth"]


def test_blank_cells_leave_stored_values_alone(db, csv_file):
    # given a stored organization and a row that leaves address and fields blank
    org = existing_agency()
    path = csv_file([HEADER_ZH, f"{code(50)},甲社工事务所,社工事务所,东城区,,,,"])
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(0, 0, 1)])
    org.refresh_from_db()
    assert (org.address, org.registered_on) == ("旧地址", dt.date(2010, 1, 1))
    assert list(org.service_fields.values_list("code", flat=True)) == ["youth"]


def test_match_by_name_and_division_adds_the_credit_code(db, csv_file):
    # given a stored organization without a credit code
    org = existing_agency(uscc=None, with_uscc=False)
    path = csv_file([HEADER_ZH, f"{code(51)},甲社工事务所,社工事务所,110101,,,,"])
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(0, 1, 0)])
    org.refresh_from_db()
    assert (org.uscc, org.version) == (code(51), 2)


def test_a_missing_registration_event_is_added(db, csv_file):
    # given an organization recorded without a registration date
    org = existing_agency(registered_on=None, founded_on=dt.date(2009, 3, 1))
    path = csv_file([HEADER_ZH, f"{code(50)},甲社工事务所,社工事务所,东城区,2009-03,2010-05-04,,"])
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then the recorded founding month agrees and the registration becomes an event
    assert (result.code, result.err_lines) == (0, [DONE.format(0, 1, 0)])
    org.refresh_from_db()
    assert (org.status, org.registered_on, org.version) == ("registered", dt.date(2010, 5, 4), 2)
    assert list(org.events.order_by("date").values_list("kind", "date")) == [
        ("founded", dt.date(2009, 3, 1)),
        ("registered", dt.date(2010, 5, 4)),
    ]
    assert list(
        AuditRecord.objects.filter(object_type="registry.organizationevent")
        .order_by("-id")
        .values_list("action", flat=True)[:1]
    ) == ["organization_event.add"]


def test_dry_run_reports_the_plan_and_writes_nothing(db, csv_file):
    # given one stored organization whose address changes and one new row
    existing_agency()
    path = csv_file(
        [
            HEADER_ZH,
            f"{code(50)},甲社工事务所,社工事务所,东城区,,,新地址,青少年;家庭",
            f"{code(1)},乙社工事务所,社工事务所,东城区,,,,",
        ]
    )
    before = written_counts()
    # when
    result = run_command("organizations", str(path), "--dry-run", "--lang", "en")
    # then
    assert result.code == 0
    assert result.err_lines == [
        "row 2 (甲社工事务所): changes 地址, 服务领域",
        "dry run, nothing written: " + DONE.format(1, 1, 0),
    ]
    assert written_counts() == before
    assert Organization.objects.get(uscc=code(50)).address == "旧地址"


def test_hub_may_be_another_row_of_the_same_file(db, csv_file):
    # given an association and an agency led by it, both new, the agency first
    path = csv_file(
        [
            "名称,类型,登记管理机关区划,所属枢纽组织,协会层级",
            "悦群社工事务所,社工事务所,西城区,西城区社会工作者联合会,",
            "西城区社会工作者联合会,社工协会,西城区,,区级",
        ]
    )
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(2, 0, 0)])
    federation = Organization.objects.get(name="西城区社会工作者联合会")
    assert federation.association_level == "district"
    assert Organization.objects.get(name="悦群社工事务所").hub_id == federation.pk
    register = AuditRecord.objects.get(action="organization.register", object_repr="悦群社工事务所")
    assert register.after["hub_id"] == federation.pk


def test_hub_may_be_a_stored_organization_given_by_credit_code(db, csv_file):
    # given a stored association
    federation = make_organization(
        actor=cli_actor("test"),
        name="西城区社会工作者联合会",
        kind="association",
        division="110102",
        legal_form="social_group",
    )
    path = csv_file(
        [
            "名称,类型,登记管理机关区划,所属枢纽组织",
            f"仁助社工事务所,agency,110102,{federation.uscc}",
        ]
    )
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, [DONE.format(1, 0, 0)])
    assert Organization.objects.get(name="仁助社工事务所").hub_id == federation.pk


def test_a_division_may_be_named_with_its_city_when_its_name_is_ambiguous(db, csv_file):
    # given a name several cities of the national reference table use, none of the three
    # curated cities (桥东区: 石家庄, 邢台, 张家口 ...)
    path = csv_file(
        [
            "名称,类型,登记管理机关区划",
            "甲社工事务所,agency,桥东区",
            "乙社工事务所,agency,北京市朝阳区",
        ]
    )
    before = written_counts()
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then the row is refused, naming the candidates
    assert result.code == 1
    assert result.err_lines[0].startswith(
        "row 2, column 登记管理机关区划: 桥东区 names several divisions (130103, "
    )
    assert result.err_lines[0].endswith("give the code or the name with its city.")
    assert result.err_lines[1:] == ["CommandError: 1 problem found; nothing was written."]
    assert written_counts() == before


def test_a_bare_name_of_the_three_cities_means_their_division(db):
    # given 朝阳区 in Beijing (curated) and in 长春 (national table)
    names = DivisionIndex.load().names(str)
    # then the bare name is Beijing's, the other is named with its city
    assert [d.code for d in names["朝阳区"]] == ["110105"]
    assert [d.code for d in names["长春市朝阳区"]] == ["220104"]


def wrong_check(valid: str) -> str:
    return valid[:17] + ("0" if valid[17] != "0" else "1")


def error_cases():
    good = code(1)
    bad = wrong_check(good)
    expected_check = codes.uscc_check_char(good[:17])
    header_more = "名称,类型,登记管理机关区划,登记类型,组建方式,协会层级,所属枢纽组织"
    return [
        pytest.param(
            [HEADER_ZH, f"{good[:17]},乙,社工事务所,东城区,,,,"],
            ["row 2, column 统一社会信用代码: The code must have 18 characters, not 17."],
            id="credit code length",
        ),
        pytest.param(
            [HEADER_ZH, f"{bad},乙,社工事务所,东城区,,,,"],
            [
                f"row 2, column 统一社会信用代码: The check character (position 18) is {bad[17]}; "
                f"the other characters give {expected_check}."
            ],
            id="credit code check character",
        ),
        pytest.param(
            [
                HEADER_ZH,
                f"{good},乙,社工事务所,东城区,,,,",
                f"{good.lower()},丙,社工事务所,东城区,,,,",
            ],
            ["row 3, column 统一社会信用代码: The same credit code is in row 2."],
            id="duplicate credit code in the file",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,999999,,,,"],
            ["row 2, column 登记管理机关区划: Unknown division code 999999."],
            id="unknown division code",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,火星区,,,,"],
            [
                "row 2, column 登记管理机关区划: Unknown division 火星区: give a six-digit code or "
                "a name such as 东城区 or 北京市东城区."
            ],
            id="unknown division name",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社企,东城区,,,,"],
            [
                "row 2, column 类型: Unknown value 社企; one of: 社工事务所 (agency), 社工协会 "
                "(association), 培训机构 (training), 评估机构 (evaluation), 高校 (university), "
                "政府部门 (government), 其他 (other)."
            ],
            id="unknown kind",
        ),
        pytest.param(
            [header_more, "乙,社工事务所,东城区,,外包,,"],
            [
                "row 2, column 组建方式: Unknown value 外包; one of: 整合改造 (transformation), "
                "校地合作 (university_local), 以会带所 (association_led), 民间自办 (independent)."
            ],
            id="unknown formation",
        ),
        pytest.param(
            [header_more, "乙,社工事务所,东城区,公司,,,"],
            [
                "row 2, column 登记类型: Unknown value 公司; one of: 社会团体 (social_group), "
                "社会服务机构 (social_service), 基金会 (foundation), 事业单位 "
                "(public_institution), 机关 (government)."
            ],
            id="unknown legal form",
        ),
        pytest.param(
            [header_more, "乙,社工事务所,东城区,,,区级,"],
            ["row 2, column 协会层级: Only associations have a level (city, district or street)."],
            id="level of a non-association",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,东城区,2010-02-30,,,"],
            [
                "row 2, column 成立日期: 2010-02-30 is not a date; write YYYY-MM-DD, YYYY/MM/DD, "
                "YYYY年M月D日 or YYYY-MM."
            ],
            id="bad date",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,东城区,2011-01-01,2010-12-31,,"],
            [
                "row 2, column 成立日期: The founding date 2011-01-01 is after the registration "
                "date 2010-12-31."
            ],
            id="founded after registered",
        ),
        pytest.param(
            ["名称,登记管理机关区划", "乙,东城区"],
            ["row 1, column 类型/kind: this required column is missing"],
            id="missing required column",
        ),
        pytest.param(
            ["名称,类型,登记管理机关区划,备注", "乙,社工事务所,东城区,x"],
            ["row 1, column 备注: unknown column; the template lists the columns allowed"],
            id="unknown column",
        ),
        pytest.param(
            [HEADER_ZH, ",,社工事务所,东城区,,,,"],
            ["row 2, column 名称: This value is required."],
            id="missing required value",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,东城区,,,,青少年、外太空"],
            ["row 2, column 服务领域: Unknown service field 外太空."],
            id="unknown service field",
        ),
        pytest.param(
            [header_more, "乙,社工事务所,东城区,,,,不存在的协会"],
            [
                "row 2, column 所属枢纽组织: No organization, stored or in this file, has the "
                "credit code or name 不存在的协会."
            ],
            id="hub not found",
        ),
        pytest.param(
            [header_more, "乙,社工事务所,东城区,,,,甲社工事务所"],
            ["row 2, column 所属枢纽组织: The leading hub must be an association."],
            id="hub not an association",
        ),
        pytest.param(
            [HEADER_ZH, f"{code(50)},甲社工事务所,社工事务所,东城区,,2011-05-01,,"],
            [
                "row 2, column 登记日期: History differs: 2010-01-01 is recorded for this event; "
                "record a correction event instead of importing another date."
            ],
            id="registration date differs from the recorded event",
        ),
        pytest.param(
            [
                HEADER_ZH,
                ",甲社工事务所,社工事务所,东城区,,,,",
                ",甲社工事务所,社工事务所,东城区,,,,",
            ],
            ["row 3, column 名称: This row and row 2 are the same organization (甲社工事务所)."],
            id="two rows match one stored organization",
        ),
        pytest.param(
            [HEADER_ZH, ",乙,社工事务所,东城区,,,,", ",乙,社工事务所,东城区,,,,"],
            [
                "row 3, column 名称: Row 2 has the same name and registrar division; give both "
                "rows their credit codes."
            ],
            id="two new rows with one name and no code",
        ),
    ]


@pytest.mark.parametrize(("lines", "expected"), error_cases())
def test_each_kind_of_error_is_reported_and_nothing_is_written(db, csv_file, lines, expected):
    # given a stored agency (甲社工事务所, code 50, registered 2010-01-01) and a bad file
    existing_agency()
    before = written_counts()
    path = csv_file(lines)
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == [
        *expected,
        "CommandError: 1 problem found; nothing was written.",
    ]
    assert written_counts() == before


def test_a_renamed_organization_cannot_be_renamed_by_import(db, csv_file):
    # given an organization whose history records a renaming
    org = existing_agency()
    OrganizationEvent.objects.create(
        organization=org,
        kind="renamed",
        date=dt.date(2011, 1, 1),
        name_before="甲社工事务所",
        name_after="甲社会工作服务中心",
        source="test",
    )
    organization_periods_rebuild(organizations=[org])
    before = written_counts()
    path = csv_file([HEADER_ZH, f"{code(50)},甲新名,社工事务所,东城区,,,,"])
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == [
        "row 2, column 名称: This organization's history records changes of this field; add a "
        "'renamed' event instead.",
        "CommandError: 1 problem found; nothing was written.",
    ]
    assert written_counts() == before


def test_every_error_of_every_row_is_reported_in_row_order(db, csv_file):
    # given a file where most rows are wrong, some in several columns
    path = csv_file(
        [
            HEADER_ZH,
            f"{code(1)},好的社工事务所,社工事务所,东城区,,,,",
            "52,,火箭,火星区,昨天,,,",
            f"{code(1)},重复社工事务所,社工事务所,东城区,,,,",
            ",另一个,社工事务所,东城区,2012-01-01,2011-01-01,,外太空",
        ]
    )
    before = written_counts()
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then the good row is not written either
    assert result.code == 1
    assert result.err_lines == [
        "row 3, column 统一社会信用代码: The code must have 18 characters, not 2.",
        "row 3, column 名称: This value is required.",
        "row 3, column 类型: Unknown value 火箭; one of: 社工事务所 (agency), 社工协会 "
        "(association), 培训机构 (training), 评估机构 (evaluation), 高校 (university), "
        "政府部门 (government), 其他 (other).",
        "row 3, column 登记管理机关区划: Unknown division 火星区: give a six-digit code or a name "
        "such as 东城区 or 北京市东城区.",
        "row 3, column 成立日期: 昨天 is not a date; write YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日 or "
        "YYYY-MM.",
        "row 4, column 统一社会信用代码: The same credit code is in row 2.",
        "row 5, column 成立日期: The founding date 2012-01-01 is after the registration date "
        "2011-01-01.",
        "row 5, column 服务领域: Unknown service field 外太空.",
        "CommandError: 8 problems found; nothing was written.",
    ]
    assert written_counts() == before


def test_officer_outside_jurisdiction_gets_row_errors(db, csv_file, officer):
    officer("xc_officer", "110102")
    # given a Xicheng officer importing one Xicheng and one Dongcheng row
    path = csv_file(
        [
            "名称,类型,登记管理机关区划",
            "西城社工事务所,社工事务所,西城区",
            "东城社工事务所,社工事务所,东城区",
        ]
    )
    before = written_counts()
    # when
    result = run_command("organizations", str(path), "--as", "xc_officer", "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == [
        "row 3, column 登记管理机关区划: 东城区 is outside your jurisdiction.",
        "CommandError: 1 problem found; nothing was written.",
    ]
    assert written_counts() == before


def test_officer_cannot_move_an_organization_out_of_another_district(db, csv_file, officer):
    officer("xc_officer", "110102")
    # given a Dongcheng organization that a Xicheng officer tries to move to Xicheng
    existing_agency()
    path = csv_file(
        ["统一社会信用代码,名称,类型,登记管理机关区划", f"{code(50)},甲社工事务所,agency,西城区"]
    )
    # when
    result = run_command("organizations", str(path), "--as", "xc_officer", "--lang", "en")
    # then
    assert result.code == 1
    assert (
        result.err_lines[0]
        == "row 2, column 登记管理机关区划: 东城区 is outside your jurisdiction."
    )


def test_officer_inside_jurisdiction_imports_as_themselves(db, csv_file, officer):
    xicheng_officer = officer("xc_officer", "110102")
    # given a Xicheng officer and a Xicheng row
    path = csv_file(["名称,类型,登记管理机关区划", "西城社工事务所,社工事务所,110102"])
    # when
    result = run_command("organizations", str(path), "--as", "xc_officer", "--lang", "en")
    # then the audit names the officer
    assert (result.code, result.err_lines) == (0, [DONE.format(1, 0, 0)])
    record = AuditRecord.objects.get(action="organization.register")
    assert (record.actor_id, record.actor_label) == (xicheng_officer.pk, "xc_officer")


def test_a_user_without_a_role_is_refused_before_reading_rows(db, csv_file, officer):
    # given a user who is neither officer nor admin
    officer("nobody")
    path = csv_file(["名称,类型,登记管理机关区划", "西城社工事务所,社工事务所,110102"])
    # when
    result = run_command("organizations", str(path), "--as", "nobody", "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (
        1,
        ["CommandError: Only officers and administrators may change the registry."],
    )
    assert Organization.objects.count() == 0


def test_unknown_user_is_refused(db, csv_file):
    # given
    path = csv_file(["名称,类型,登记管理机关区划", "西城社工事务所,社工事务所,110102"])
    # when
    result = run_command("organizations", str(path), "--as", "ghost", "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (1, ["CommandError: no active user ghost"])


def test_json_output_on_success(db, csv_file):
    # given
    existing_agency()
    path = csv_file(
        [HEADER_ZH, f"{code(50)},甲社工事务所,社工事务所,东城区,,,新地址,", *rows_two_new()]
    )
    # when
    result = run_command("organizations", str(path), "--format", "json", "--lang", "en")
    # then
    assert result.code == 0
    assert json.loads(result.out) == {
        "dry_run": False,
        "written": True,
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "errors": [],
        "updates": [{"row": 2, "name": "甲社工事务所", "columns": ["地址"]}],
    }


def test_json_output_lists_errors_and_exits_1(db, csv_file):
    # given
    path = csv_file([HEADER_ZH, ",,社工事务所,东城区,,,,"])
    # when
    result = run_command("organizations", str(path), "--format", "json", "--lang", "en")
    # then
    assert result.code == 1
    assert json.loads(result.out) == {
        "dry_run": False,
        "written": False,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "row": 2,
                "column": "名称",
                "reason": "This value is required.",
                "message": "row 2, column 名称: This value is required.",
            }
        ],
        "updates": [],
    }
    assert result.err_lines == ["CommandError: 1 problem found; nothing was written."]


def test_unknown_entity_is_a_usage_error(db):
    # given / when
    result = run_command("planets", "x.csv")
    # then
    assert result.code == 1
    assert "invalid choice: 'planets'" in result.err


def test_import_uses_a_fixed_number_of_queries_whatever_the_row_count(db, csv_file):
    # given files of 3 and 20 new rows (one insert batch on either database)
    def lines(count: int, offset: int) -> list[str]:
        return [HEADER_ZH] + [
            f"{code(n)},社工事务所{n},社工事务所,东城区,2009-01,2010-01-01,,青少年"
            for n in range(offset, offset + count)
        ]

    small, large = csv_file(lines(3, 100), name="small.csv"), csv_file(lines(20, 200), name="l.csv")
    # when
    with CaptureQueriesContext(connection) as small_queries:
        assert run_command("organizations", str(small)).code == 0
    with CaptureQueriesContext(connection) as large_queries:
        assert run_command("organizations", str(large)).code == 0
    # then
    assert Organization.objects.count() == 23
    assert OrganizationPeriod.objects.count() == 46
    assert len(large_queries) == len(small_queries)
