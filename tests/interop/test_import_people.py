"""``shuniu import people FILE``: formats, matching, merging, every kind of problem, dry run."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.core.selectors import import_batches
from shuniu.workforce.identity import generate_id_number, id_hash
from shuniu.workforce.models import Certificate, Employment, Person
from shuniu.workforce.services import person_snapshot
from tests.factories import make_organization
from tests.interop.conftest import run_command

HEADER_ZH = (
    "姓名,身份证号,性别,学历,毕业院校,证书等级,证书编号,考试年度,发证日期,登记地,工作单位,岗位,"
    "入职日期,离职日期"
)
HEADER_EN = (
    "name,id_number,sex,education_level,university,certificate_level,certificate_number,"
    "exam_year,issued_on,registered_division,employer,role,employment_starts_on,"
    "employment_ends_on"
)
EMPLOYER = "东城区助人社工事务所"
UNIVERSITY = "北京测试大学"
# Valid numbers (check character right) that no factory produces.
ZHANG = generate_id_number(address_code="110101", birth_date=dt.date(1985, 3, 1), sequence=11)
LI = generate_id_number(address_code="110102", birth_date=dt.date(1990, 7, 15), sequence=22)
WANG = generate_id_number(address_code="310101", birth_date=dt.date(1979, 12, 31), sequence=35)
DONE = "created {}, updated {}, unchanged {}"


def details(certificates: int, jobs: int, jobs_updated: int = 0, *, certs_kept=0, jobs_kept=0):
    return (
        f"certificates created {certificates}, certificates unchanged {certs_kept}, "
        f"employments created {jobs}, employments updated {jobs_updated}, "
        f"employments unchanged {jobs_kept}"
    )


@pytest.fixture
def orgs(db):
    actor = cli_actor("test")
    return {
        "employer": make_organization(actor=actor, name=EMPLOYER, division="110101"),
        "university": make_organization(
            actor=actor,
            name=UNIVERSITY,
            kind="university",
            legal_form="public_institution",
            division="110108",
        ),
    }


def rows_two_people(orgs) -> list[str]:
    employer = orgs["employer"]
    return [
        f"张三,{ZHANG},男,本科,{UNIVERSITY},助理社会工作师,JZ2010000001,2010,,,"
        f"{employer.uscc},,2011-03-01,",
        f"李四,{LI},,硕士,,社会工作师,JZ2012000002,2012,2012年9月15日,西城区,{EMPLOYER},督导,"
        "2013/1/1,2015-06-30",
    ]


def stored() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "certificates": Certificate.objects.count(),
        "employments": Employment.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def test_chinese_header_in_utf8_with_bom_creates_people_certificates_and_jobs(orgs, csv_file):
    # given a UTF-8 (BOM) file with two people, each with a certificate and a job
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], encoding="utf-8-sig", name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert (result.code, result.out) == (0, "")
    assert result.err_lines == [DONE.format(2, 0, 0), details(2, 2)]
    zhang = Person.objects.get(id_hash=id_hash(ZHANG))
    assert (zhang.name, zhang.sex, zhang.birth_date, zhang.id_masked) == (
        "张三",
        "M",
        dt.date(1985, 3, 1),
        ZHANG[:6] + "********" + ZHANG[-4:],
    )
    assert (zhang.education_level, zhang.university, zhang.synthetic) == (
        "bachelor",
        orgs["university"],
        False,
    )
    # the exam year's 30 June when no issue date; the employer's division when none given
    certificate = zhang.certificates.get()
    assert (
        certificate.level,
        certificate.number,
        certificate.exam_year,
        certificate.issued_on,
        certificate.registered_division.code,
    ) == (1, "JZ2010000001", 2010, dt.date(2010, 6, 30), "110101")
    job = zhang.employments.get()
    assert (job.organization, job.role, job.starts_on, job.ends_on) == (
        orgs["employer"],
        "social_worker",
        dt.date(2011, 3, 1),
        None,
    )
    li = Person.objects.get(name="李四")
    certificate = li.certificates.get()
    assert (certificate.level, certificate.issued_on, certificate.registered_division.code) == (
        2,
        dt.date(2012, 9, 15),
        "110102",
    )
    assert list(li.employments.values_list("role", "starts_on", "ends_on")) == [
        ("supervisor", dt.date(2013, 1, 1), dt.date(2015, 6, 30))
    ]


def test_one_audit_record_per_batch_and_division_with_the_keys_never_the_number(orgs, csv_file):
    # given two people: 张三's certificate and job in 东城 (110101), 李四's certificate in
    # 西城 (110102) and job with the 东城 employer
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], name="p.csv")
    # when
    run_command("people", str(path), "--lang", "en")
    # then one batch record per division, nothing per created record
    zhang, li = Person.objects.get(name="张三"), Person.objects.get(name="李四")
    assert not AuditRecord.objects.filter(object_type__startswith="workforce.").exists()
    records = list(AuditRecord.objects.filter(action="people.import_batch").order_by("id"))
    assert [r.division_code for r in records] == ["110101", "110102"]
    east, west = records
    assert east.object_id == west.object_id  # the import's key
    assert east.actor_label.endswith(" (import people)")
    assert (east.before, east.after["batch"], east.after["rows"]) == (None, 1, [2, 3])
    zhang_job, li_job = zhang.employments.get(), li.employments.get()
    assert east.after["created"] == {
        "person": {"ids": [zhang.pk], "keys": [id_hash(ZHANG)], "rows": [2]},
        "certificate": {
            "ids": [zhang.certificates.get().pk],
            "keys": ["JZ2010000001"],
            "rows": [2],
        },
        "employment": {
            "ids": [zhang_job.pk, li_job.pk],
            "keys": [
                [zhang.pk, orgs["employer"].pk, "2011-03-01"],
                [li.pk, orgs["employer"].pk, "2013-01-01"],
            ],
            "rows": [2, 3],
        },
    }
    assert west.after["created"] == {
        "person": {"ids": [li.pk], "keys": [id_hash(LI)], "rows": [3]},
        "certificate": {"ids": [li.certificates.get().pk], "keys": ["JZ2012000002"], "rows": [3]},
    }
    assert (east.after["updated"], west.after["updated"]) == ({}, {})
    # the clear numbers are nowhere in the trail
    text = json.dumps([r.after for r in records]) + "".join(r.object_repr for r in records)
    assert ZHANG not in text
    assert LI not in text
    request_ids = AuditRecord.objects.filter(action="people.import_batch")
    assert len(set(request_ids.values_list("request_id", flat=True))) == 1


def test_which_import_created_and_changed_a_person(orgs, csv_file, admin_user):
    # given a first import creating 张三, then a second giving him a major
    run_command("people", str(csv_file([HEADER_ZH, *rows_two_people(orgs)], name="a.csv")))
    zhang = Person.objects.get(name="张三")
    second = csv_file(["姓名,身份证号,专业", f"李四,{LI},", f"张三,{ZHANG},社会工作"], name="b.csv")
    run_command("people", str(second))
    # when the trail is asked which imports created or changed him
    found = import_batches(actor=admin_user, table="person", pk=zhang.pk)
    # then the first (created, row 2) and the second (changed, from rows 2-3) answer
    assert [
        (r.after["created"].get("person", {}).get("ids"), r.after["updated"]) for r in found
    ] == [
        ([zhang.pk], {}),
        (None, {"person": [zhang.pk]}),
    ]
    assert found[0].object_id != found[1].object_id
    assert found[1].after["rows"] == [2, 3]
    # and his change is still audited with its before and after
    update = AuditRecord.objects.get(action="person.update", object_id=str(zhang.pk))
    assert (update.before["major"], update.after["major"]) == ("", "社会工作")
    # and 李四, created by the first only, is not claimed by the second
    li = Person.objects.get(name="李四")
    assert [r.object_id for r in import_batches(actor=admin_user, table="person", pk=li.pk)] == [
        found[0].object_id
    ]


def test_which_import_is_scoped_to_the_officers_divisions(orgs, csv_file, xicheng_officer):
    # given the import of 张三 (东城) and 李四 (西城)
    run_command("people", str(csv_file([HEADER_ZH, *rows_two_people(orgs)], name="a.csv")))
    zhang, li = Person.objects.get(name="张三"), Person.objects.get(name="李四")
    officer = xicheng_officer
    # when a 西城 officer asks, then only the batch of their division answers
    assert import_batches(actor=officer, table="person", pk=zhang.pk) == []
    assert [r.division_code for r in import_batches(actor=officer, table="person", pk=li.pk)] == [
        "110102"
    ]
    # and an anonymous reader learns nothing
    assert import_batches(actor=AnonymousUser(), table="person", pk=li.pk) == []


def test_a_dry_run_and_a_refused_import_leave_no_batch_record(orgs, csv_file):
    # given a good file and one whose second row has no name
    good = csv_file([HEADER_ZH, *rows_two_people(orgs)], name="a.csv")
    bad_rows = rows_two_people(orgs)
    bad_rows[1] = bad_rows[1].replace("李四,", ",", 1)
    bad = csv_file([HEADER_ZH, *bad_rows], name="b.csv")
    before = stored()
    # when the first is dry-run and the second imported
    run_command("people", str(good), "--dry-run")
    run_command("people", str(bad))
    # then nothing is written, audit included
    assert before["people"] == 0
    assert stored() == before


def test_english_header_in_plain_utf8(orgs, csv_file):
    # given
    path = csv_file([HEADER_EN, *rows_two_people(orgs)], name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines[0]) == (0, DONE.format(2, 0, 0))


def test_gb18030_file_as_excel_in_china_saves_it(orgs, csv_file):
    # given
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], encoding="gb18030", name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines[0]) == (0, DONE.format(2, 0, 0))
    assert sorted(Person.objects.values_list("name", flat=True)) == ["张三", "李四"]


def test_xlsx_with_typed_cells(orgs, tmp_path):
    # given a workbook with numbers and dates typed as Excel stores them
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ZH.split(","))
    cells = ["王五", WANG, "男", None, None, 2, "JZ2015000003", 2015, dt.datetime(2015, 10, 8)]  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone
    sheet.append([*cells, 310101, None, None, None, None])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines[0]) == (0, DONE.format(1, 0, 0))
    certificate = Certificate.objects.get()
    assert (certificate.level, certificate.issued_on, certificate.registered_division.code) == (
        2,
        dt.date(2015, 10, 8),
        "310101",
    )


def test_an_id_number_stored_by_excel_as_a_number_is_refused(orgs, tmp_path):
    # given an 18-digit number typed into a number cell (Excel keeps 15 digits)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "证书等级", "证书编号", "考试年度", "登记地"])
    sheet.append(["王五", float(WANG[:17] + "0"), 1, "JZ1", 2015, "310101"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines[0] == (
        "row 2, column 身份证号: Excel stored this ID number as a number and lost digits; "
        "format the column as text and type the number again."
    )


def test_importing_the_same_file_again_changes_nothing(orgs, csv_file):
    # given a file imported once
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], name="p.csv")
    run_command("people", str(path), "--lang", "en")
    before = stored()
    versions = list(Person.objects.values_list("version", "updated_at").order_by("id"))
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then nothing is written, not even an audit record
    assert result.err_lines == [
        DONE.format(0, 0, 2),
        details(0, 0, certs_kept=2, jobs_kept=2),
    ]
    assert stored() == before
    assert list(Person.objects.values_list("version", "updated_at").order_by("id")) == versions


def test_rows_of_one_person_are_merged_by_id_number(orgs, csv_file):
    # given one person on three rows: two certificates, one job, the old 15-digit number once
    legacy = ZHANG[:6] + ZHANG[8:17]
    path = csv_file(
        [
            HEADER_ZH,
            f"张三,{ZHANG},,,,助理社会工作师,JZ1,2010,,东城区,,,,",
            f"张三,{legacy},男,本科,,社会工作师,JZ2,2013,,东城区,,,,",
            f"张三,{ZHANG.lower()},,,,,,,,,{EMPLOYER},,2014-01-01,",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then one person, with what every row gave
    assert result.err_lines == [DONE.format(1, 0, 0), details(2, 1)]
    zhang = Person.objects.get()
    assert (zhang.id_hash, zhang.education_level) == (id_hash(ZHANG), "bachelor")
    assert sorted(zhang.certificates.values_list("number", "level")) == [("JZ1", 1), ("JZ2", 2)]
    assert zhang.employments.count() == 1


def test_a_15_digit_number_is_stored_as_its_18_digit_form(orgs, csv_file):
    # given an old 15-digit number
    legacy = WANG[:6] + WANG[8:17]
    path = csv_file([HEADER_ZH, f"王五,{legacy},,,,,,,,,{EMPLOYER},,2010-01-01,"], name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 0
    wang = Person.objects.get()
    assert (wang.id_hash, wang.id_masked, wang.birth_date) == (
        id_hash(WANG),
        WANG[:6] + "********" + WANG[-4:],
        dt.date(1979, 12, 31),
    )


def test_a_stored_person_gets_new_values_a_certificate_and_a_job_end(orgs, csv_file):
    # given the two people stored, then a file that changes them
    run_command("people", str(csv_file([HEADER_ZH, *rows_two_people(orgs)], name="a.csv")))
    zhang = Person.objects.get(name="张三")
    path = csv_file(
        [
            HEADER_ZH,
            f"张三,{ZHANG},,硕士,,社会工作师,JZ2014000009,2014,,东城区,,,,",
            f"李四,{LI},,,,,,,,,{EMPLOYER},,2013-01-01,2015-06-30",
            f"张三,{ZHANG},,,,,,,,,{orgs['employer'].uscc},,2011-03-01,2016-01-01",
        ],
        name="b.csv",
    )
    audit_before = AuditRecord.objects.count()
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.err_lines == [
        DONE.format(0, 1, 1),
        details(1, 0, 1, jobs_kept=1),
    ]
    zhang.refresh_from_db()
    assert (zhang.education_level, zhang.version) == ("master", 2)
    assert zhang.employments.get().ends_on == dt.date(2016, 1, 1)
    new = AuditRecord.objects.filter(id__gt=0).order_by("id")[audit_before:]
    assert [(a.action, a.before and a.before.get("education_level")) for a in new] == [
        ("person.update", "bachelor"),
        ("employment.update", None),
        ("people.import_batch", None),
    ]
    # the batch names the new certificate and the two records changed, all in 东城
    certificate = zhang.certificates.get(number="JZ2014000009")
    assert (new[2].division_code, new[2].after["created"], new[2].after["updated"]) == (
        "110101",
        {"certificate": {"ids": [certificate.pk], "keys": ["JZ2014000009"], "rows": [2]}},
        {"person": [zhang.pk], "employment": [zhang.employments.get().pk]},
    )
    # the same record the person_update service writes, masked number only
    person_update = new[0]
    assert person_update.after == person_snapshot(zhang)
    assert (person_update.before["version"], person_update.before["education_level"]) == (
        1,
        "bachelor",
    )
    assert "id_hash" not in person_update.before


def test_dry_run_reports_the_counts_and_writes_nothing(orgs, csv_file):
    # given
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], name="p.csv")
    before = stored()
    # when
    result = run_command("people", str(path), "--dry-run", "--lang", "en")
    # then
    assert result.code == 0
    assert result.err_lines == [
        "dry run, nothing written: " + DONE.format(2, 0, 0),
        details(2, 2),
    ]
    assert stored() == before


def test_json_output(orgs, csv_file):
    # given
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], name="p.csv")
    # when
    result = run_command("people", str(path), "--format", "json", "--lang", "en")
    # then
    assert json.loads(result.out) == {
        "dry_run": False,
        "written": True,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "certificates_created": 2,
        "certificates_unchanged": 0,
        "employments_created": 2,
        "employments_updated": 0,
        "employments_unchanged": 0,
        "errors": [],
        "updates": [],
    }


# ---------------------------------------------------------------------------------------
# Problems: every one names its row and column, and nothing is written
# ---------------------------------------------------------------------------------------

BAD_CHECK = ZHANG[:17] + ("1" if ZHANG[17] != "1" else "2")
BAD_DATE = "110101" + "19491331" + "1230"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            f"张三,{BAD_CHECK},,,,,,,,,{EMPLOYER},,2011-03-01,",
            f"row 2, column 身份证号: wrong check character {BAD_CHECK[17]} (expected {ZHANG[17]})",
        ),
        (
            f"张三,{BAD_DATE},,,,,,,,,{EMPLOYER},,2011-03-01,",
            "row 2, column 身份证号: the birth date 19491331 does not exist",
        ),
        (
            f"张三,{ZHANG},女,,,,,,,,{EMPLOYER},,2011-03-01,",
            "row 2, column 性别: The ID number says male.",
        ),
        (
            f"张三,{ZHANG},,,,,,,,,{EMPLOYER},,2011-13-01,",
            "row 2, column 入职日期: 2011-13-01 is not a date; write YYYY-MM-DD, YYYY/MM/DD, "
            "YYYY年M月D日 or YYYY-MM.",
        ),
        (
            f"张三,{ZHANG},,,,四级社工师,JZ1,2010,,东城区,,,,",
            "row 2, column 证书等级: Unknown value 四级社工师; one of: 助理社会工作师 (junior), "
            "社会工作师 (intermediate), 高级社会工作师 (senior).",
        ),
        (
            f"张三,{ZHANG},,,,,,,,,不存在的机构,,2011-03-01,",
            "row 2, column 工作单位: No organization has the credit code or name 不存在的机构.",
        ),
        (
            f"张三,{ZHANG},,,{EMPLOYER},,,,,,,,,",
            f"row 2, column 毕业院校: {EMPLOYER} is not a university (its kind is "
            "social-work agency).",
        ),
        (
            f"张三,{ZHANG},,,,助理社会工作师,,2010,,东城区,,,,",
            "row 2, column 证书编号: A certificate needs its number.",
        ),
        (
            f"张三,{ZHANG},,,,,,,,,{EMPLOYER},,,",
            "row 2, column 入职日期: An employment needs its start date.",
        ),
        (
            f"张三,{ZHANG},,,,,,,,,{EMPLOYER},,2011-03-01,2011-03-01",
            "row 2, column 离职日期: An employment ends after it starts.",
        ),
        (
            f"张三,{ZHANG},,,,,,,,,{EMPLOYER},,1999-03-01,",
            "row 2, column 入职日期: 1999-03-01 is before the person's 16th birthday (2001-03-01).",
        ),
        (
            f"张三,{ZHANG},,,,助理社会工作师,JZ1,2010,2009-12-01,东城区,,,,",
            "row 2, column 发证日期: The issue date lies between the exam year and today.",
        ),
        (
            f"张三,{ZHANG},,,,助理社会工作师,JZ1,2010,,密云区,,,,",
            "row 2, column 登记地: 密云区 (110118) did not exist on 2010-06-30",
        ),
    ],
    ids=[
        "check character",
        "date in ID number",
        "sex",
        "column date",
        "level",
        "employer",
        "university",
        "certificate number",
        "start date",
        "end date",
        "too young",
        "issue date",
        "division",
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(orgs, csv_file, row, message):
    # given a good row, then the bad one
    good = rows_two_people(orgs)[1]
    path = csv_file([HEADER_ZH, row, good], name="p.csv")
    before = stored()
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == [
        message,
        "CommandError: 1 problem found; nothing was written.",
    ]
    assert stored() == before


def test_rows_repeating_a_division_a_date_and_a_birthday_each_get_their_problems(orgs, csv_file):
    # given two people born on the same day, each with a certificate registered in 密云区
    # before it existed and a job before their 16th birthday (the checks remember what they
    # worked out for the first row), then a row with 密云区 on a date it existed
    twin = generate_id_number(address_code="110102", birth_date=dt.date(1985, 3, 1), sequence=12)
    path = csv_file(
        [
            HEADER_ZH,
            f"张三,{ZHANG},,,,助理社会工作师,JZ1,2010,,密云区,{EMPLOYER},,1999-03-01,",
            f"张四,{twin},,,,助理社会工作师,JZ2,2010,,密云区,{EMPLOYER},,1999-03-01,",
            f"李四,{LI},,,,助理社会工作师,JZ3,2016,,密云区,,,,",
        ]
    )
    before = stored()
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then both rows have both problems, the third none, and nothing is written
    assert result.err_lines == [
        "row 2, column 登记地: 密云区 (110118) did not exist on 2010-06-30",
        "row 2, column 入职日期: 1999-03-01 is before the person's 16th birthday (2001-03-01).",
        "row 3, column 登记地: 密云区 (110118) did not exist on 2010-06-30",
        "row 3, column 入职日期: 1999-03-01 is before the person's 16th birthday (2001-03-01).",
        "CommandError: 4 problems found; nothing was written.",
    ]
    assert stored() == before


def test_a_certificate_number_held_by_another_stored_person_is_refused(orgs, csv_file):
    # given 张三 stored with certificate JZ2010000001
    run_command("people", str(csv_file([HEADER_ZH, rows_two_people(orgs)[0]], name="a.csv")))
    before = stored()
    path = csv_file([HEADER_ZH, f"王五,{WANG},,,,助理社会工作师,JZ2010000001,2010,,东城区,,,,"])
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.err_lines[0] == (
        "row 2, column 证书编号: This certificate number is stored for another person."
    )
    assert stored() == before


def test_one_certificate_number_for_two_people_in_the_file_names_both_rows(orgs, csv_file):
    # given
    path = csv_file(
        [
            HEADER_ZH,
            f"张三,{ZHANG},,,,助理社会工作师,JZ7,2010,,东城区,,,,",
            f"王五,{WANG},,,,助理社会工作师,JZ7,2010,,东城区,,,,",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.err_lines[0] == (
        "row 3, column 证书编号: Row 2 gives this certificate number to another person."
    )
    assert stored()["people"] == 0


def test_one_person_with_two_names_names_both_rows(orgs, csv_file):
    # given the same ID number under two names, and a conflicting education
    path = csv_file(
        [
            HEADER_ZH,
            f"张三,{ZHANG},,本科,,,,,,,{EMPLOYER},,2011-03-01,",
            f"张叁,{ZHANG},,,,,,,,,{EMPLOYER},,2012-03-01,",
            f"张三,{ZHANG},,硕士,,,,,,,{EMPLOYER},,2013-03-01,",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.err_lines == [
        "row 3, column 姓名: Row 2 has the same ID number with another name (张三).",
        "row 4, column 学历: Row 2 gives this person another value.",
        "CommandError: 2 problems found; nothing was written.",
    ]
    assert stored()["people"] == 0


def test_a_stored_person_under_another_name_is_refused(orgs, csv_file):
    # given
    run_command("people", str(csv_file([HEADER_ZH, rows_two_people(orgs)[0]], name="a.csv")))
    path = csv_file([HEADER_ZH, f"张叁,{ZHANG},,,,,,,,,{EMPLOYER},,2012-03-01,"])
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.err_lines[0] == (
        "row 2, column 姓名: The person stored with this ID number has another name; "
        "correct the name or the ID number."
    )
    assert Employment.objects.count() == 1


def test_a_missing_required_column_is_a_header_problem(orgs, csv_file):
    # given no ID number column
    path = csv_file(["姓名,工作单位", f"张三,{EMPLOYER}"], name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines[0] == (
        "row 1, column 身份证号/id_number: this required column is missing"
    )


def test_headers_files_often_use_are_understood(orgs, csv_file):
    # given 身份证号码 and 手机号码 instead of 身份证号 and 联系电话
    path = csv_file(
        [
            "姓名,身份证号码,手机号码,工作单位,入职时间",
            f"张三,{ZHANG},13800138000,{EMPLOYER},2011-03-01",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 0
    assert Person.objects.get().phone == "13800138000"


def test_a_file_in_another_encoding_is_refused(orgs, csv_file):
    # given a CSV saved as "Unicode text" (UTF-16)
    path = csv_file([HEADER_ZH, *rows_two_people(orgs)], encoding="utf-16", name="p.csv")
    # when
    result = run_command("people", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines == ["CommandError: cannot read p.csv: not UTF-8 or GB18030 text"]
    assert stored()["people"] == 0


def test_the_template_has_the_columns_and_the_people_help(db, tmp_path):
    # given / when
    path = tmp_path / "people.xlsx"
    result = run_command("template", "people", str(path), "--lang", "en")
    # then
    assert result.code == 0
    workbook = openpyxl.load_workbook(path)
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers[:3] == ["姓名", "身份证号", "性别"]
    assert len(headers) == 18
    help_text = [row[0] for row in workbook["help"].iter_rows(values_only=True) if row[0]]
    assert help_text[1].startswith("Enter one row per person, certificate and job")
    assert "证书等级 / certificate_level" in help_text


def test_bad_cells_in_rows_otherwise_clean_are_reported_by_row_and_column(orgs, csv_file):
    # given rows of clean text (read a row at once) but for one cell each: a direction
    # control in a name, a name of a Hangul filler only (printable, but shows nothing), a
    # tab inside an employer's name, and a clean row with runs of spaces
    employer = orgs["employer"]
    path = csv_file(
        [
            HEADER_ZH,
            f"张\u202e三,{ZHANG},男,本科,,,,,,,{employer.uscc},,2011-03-01,",
            f"\u3164,{LI},,,,,,,,,{employer.uscc},,2011-03-01,",
            f"王五,{WANG},,,,,,,,,东城区\t助人社工事务所,,2011-03-01,",
        ],
        name="people.csv",
    )
    # when it is imported
    result = run_command("people", str(path), "--lang", "en")
    # then each bad cell is reported with its row and column, and nothing is written
    assert result.code != 0
    assert result.err_lines[:3] == [
        "row 2, column 姓名: Remove the direction control U+202E (position 2): it can make "
        "text read differently from how it is stored.",
        "row 3, column 姓名: Write visible text: this holds only invisible characters.",
        "row 4, column 工作单位: No organization has the credit code or name 东城区 "
        "助人社工事务所.",
    ]
    assert len(result.err_lines) == 4  # and the summary: nothing written
    assert {k: v for k, v in stored().items() if k != "audit"} == {
        "people": 0,
        "certificates": 0,
        "employments": 0,
    }
    assert not AuditRecord.objects.filter(action="people.import_batch").exists()


def test_runs_of_spaces_in_a_clean_row_are_folded(orgs, csv_file):
    # given a clean row whose name and employer hold runs of spaces and spaces at the ends
    path = csv_file(
        [HEADER_ZH, f" 张  三 ,{ZHANG},男,本科,,,,,,,  {EMPLOYER}  ,,2011-03-01,"],
        name="people.csv",
    )
    # when it is imported
    result = run_command("people", str(path))
    # then the name is stored with single spaces and the employer found by its name
    assert result.code == 0, result.err
    assert list(Person.objects.values_list("name", flat=True)) == ["张 三"]
    assert list(Employment.objects.values_list("organization_id", flat=True)) == [
        orgs["employer"].pk
    ]
