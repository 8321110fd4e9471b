"""The people import and the caller's scope: an officer may link a person kept by another
jurisdiction (a row with the whole ID number and a job or certificate in their own), but a
row that would change that person's stored fields is a row error and nothing is written.
Scope is that of ``workforce.selectors.can_manage_person``, as stored when the import began,
computed once per chunk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuniu.core.models import AuditRecord
from shuniu.divisions.models import Division
from shuniu.workforce import bulk
from shuniu.workforce.bulk import PersonRow, people_import
from shuniu.workforce.models import Certificate, Employment, Person
from shuniu.workforce.selectors import can_manage_person, manageable_person_ids
from shuniu.workforce.services import placement_add, programme_create
from tests.factories import make_organization
from tests.interop.conftest import run_command
from tests.workforce.factories import SYSTEM, employ, id_number, make_certificate, make_person

KEPT = (
    "This person's record is kept by another jurisdiction: leave this column blank, or ask "
    "an administrator to change it."
)
XICHENG_AGENCY = "西城新岗社工事务所"
HAIDIAN_AGENCY = "海淀原岗社工事务所"


@pytest.fixture
def world(db, xicheng_officer):
    """王芳, employed only in 海淀 (phone 010-1111), and agencies in 西城 and 海淀."""
    xicheng = make_organization(name=XICHENG_AGENCY, division="110102")
    haidian = make_organization(name=HAIDIAN_AGENCY, division="110108")
    number = id_number()
    person = make_person(name="王芳", number=number, phone="010-1111", major="社会工作")
    employ(person, haidian, starts_on=dt.date(2015, 3, 1))
    return {
        "officer": xicheng_officer,
        "xicheng": xicheng,
        "haidian": haidian,
        "person": person,
        "number": number,
    }


def stored() -> dict[str, object]:
    """Everything the import could write, in full for the person fields."""
    return {
        "people": sorted(
            Person.objects.values_list("pk", "version", "name", "phone", "major", "education_level")
        ),
        "certificates": Certificate.objects.count(),
        "employments": sorted(
            Employment.objects.values_list("pk", "person_id", "organization_id", "starts_on")
        ),
        "audit": AuditRecord.objects.count(),
    }


def hired_in_xicheng(world, **person_fields) -> PersonRow:
    """A row giving the whole number and a new job at the 西城 agency."""
    return PersonRow(
        row=2,
        name="王芳",
        id_number=world["number"],
        employer=XICHENG_AGENCY,
        employment_starts_on=dt.date(2024, 9, 1),
        **person_fields,
    )


def problems(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.reason) for e in result.errors]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_an_officer_cannot_change_the_phone_of_a_person_kept_elsewhere(world, dry_run):
    # given the officer of 西城 and a row hiring 王芳 (employed only in 海淀) with a new phone
    before = stored()
    row = hired_in_xicheng(world, phone="13900000000")
    # when
    with translation.override("en"):
        result = people_import(actor=world["officer"], rows=[row], dry_run=dry_run)
    # then the phone column is the problem, and nothing is written or audited
    assert problems(result) == [(2, "phone", KEPT)]
    assert (result.error_count, result.written, result.people_updated) == (1, False, 0)
    assert stored() == before


def test_every_changed_column_is_named_and_a_blank_stored_value_counts_as_a_change(world):
    # given a row changing the major, filling the blank education and giving the stored phone
    before = stored()
    row = hired_in_xicheng(world, major="心理学", education_level="master", phone="010-1111")
    # when
    with translation.override("en"):
        result = people_import(actor=world["officer"], rows=[row], dry_run=False)
    # then the two changed columns are named, in the file's column order; the phone is not
    assert problems(result) == [(2, "education_level", KEPT), (2, "major", KEPT)]
    assert stored() == before


def test_the_same_row_without_changes_links_the_person_with_a_new_job(world):
    # given the row hiring 王芳 in 西城, with the person's columns blank or as stored
    person = world["person"]
    audit_before = AuditRecord.objects.count()
    row = hired_in_xicheng(world, phone="010-1111")
    # when
    result = people_import(actor=world["officer"], rows=[row], dry_run=False)
    # then 王芳 is linked: a new job in 西城, her stored record unchanged
    assert (result.error_count, result.written) == (0, True)
    assert (result.people_created, result.people_updated, result.employments_created) == (0, 1, 1)
    assert list(
        Employment.objects.filter(person=person)
        .order_by("starts_on")
        .values_list("organization__name", "starts_on")
    ) == [(HAIDIAN_AGENCY, dt.date(2015, 3, 1)), (XICHENG_AGENCY, dt.date(2024, 9, 1))]
    assert Person.objects.filter(pk=person.pk).values_list("version", "phone").get() == (
        1,
        "010-1111",
    )
    new = AuditRecord.objects.order_by("id")[audit_before:]
    assert [(a.action, a.actor_label, a.division_code) for a in new] == [
        ("people.import_batch", "xc_officer", "110102")
    ]
    # and from now on she is within the officer's scope
    assert can_manage_person(world["officer"], person)


def test_a_certificate_registered_in_the_jurisdiction_links_too(world):
    # given a row registering a certificate of 王芳 in 西城, no person column given
    row = PersonRow(
        row=2,
        name="王芳",
        id_number=world["number"],
        certificate_level=1,
        certificate_number="JZ2016000077",
        exam_year=2016,
        registered_division="110102",
    )
    # when
    result = people_import(actor=world["officer"], rows=[row], dry_run=False)
    # then
    assert (result.error_count, result.certificates_created) == (0, 1)
    assert Certificate.objects.get().person_id == world["person"].pk


def test_an_administrator_updates_the_person_kept_anywhere(world, admin_user):
    # given the row hiring 王芳 in 西城 with a new phone, imported by an administrator
    person = world["person"]
    row = hired_in_xicheng(world, phone="13900000000")
    # when
    result = people_import(actor=admin_user, rows=[row], dry_run=False)
    # then
    assert (result.error_count, result.people_updated, result.employments_created) == (0, 1, 1)
    assert Person.objects.filter(pk=person.pk).values_list("version", "phone").get() == (
        2,
        "13900000000",
    )
    update = AuditRecord.objects.get(action="person.update", object_id=str(person.pk))
    assert (update.before["phone"], update.after["phone"]) == ("010-1111", "13900000000")


def test_an_officer_updates_a_person_of_their_own_jurisdiction(world):
    # given 王芳 employed in 西城 as well, before the import
    person = world["person"]
    employ(person, world["xicheng"], starts_on=dt.date(2020, 1, 1))
    # when a row gives a new phone (and the job already stored)
    row = hired_in_xicheng(world, phone="13900000000")
    row.employment_starts_on = dt.date(2020, 1, 1)
    result = people_import(actor=world["officer"], rows=[row], dry_run=False)
    # then
    assert (result.error_count, result.people_updated, result.employments_unchanged) == (0, 1, 1)
    assert Person.objects.get(pk=person.pk).phone == "13900000000"


def test_a_link_made_earlier_in_the_file_does_not_open_the_record(world):
    # given a first row hiring 王芳 in 西城, then a row of the same job changing her phone
    before = stored()
    rows = [hired_in_xicheng(world), hired_in_xicheng(world, phone="13900000000")]
    rows[1].row = 3
    # when
    with translation.override("en"):
        result = people_import(actor=world["officer"], rows=rows, dry_run=False)
    # then scope is as stored when the import began: the second row is refused
    assert problems(result) == [(3, "phone", KEPT)]
    assert stored() == before


def test_the_cli_as_an_officer_names_the_column_and_writes_nothing(world, csv_file):
    # given a file hiring 王芳 in 西城 with a new phone, imported with --as the officer
    before = stored()
    path = csv_file(
        [
            "姓名,身份证号,联系电话,工作单位,入职日期",
            f"王芳,{world['number']},13900000000,{XICHENG_AGENCY},2024-09-01",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--as", "xc_officer", "--lang", "en")
    # then one line names the row and column, the exit code is 1, nothing is written
    assert result.code == 1
    assert result.err_lines == [
        f"row 2, column 联系电话: {KEPT}",
        "CommandError: 1 problem found; nothing was written.",
    ]
    assert stored() == before


def test_the_cli_in_chinese(world, csv_file):
    # given
    path = csv_file(
        [
            "姓名,身份证号,专业,工作单位,入职日期",
            f"王芳,{world['number']},心理学,{XICHENG_AGENCY},2024-09-01",
        ],
        name="p.csv",
    )
    # when
    result = run_command("people", str(path), "--as", "xc_officer", "--lang", "zh-hans")
    # then
    assert result.code == 1
    assert result.err_lines[0] == (
        "第 2 行，专业 列：此人的记录由其他辖区管理：请将此列留空，或请管理员修改。"
    )


def test_scope_is_computed_with_one_query_per_chunk(world, monkeypatch):
    # given three people kept in 海淀 (one row each, hired in 西城), in chunks of two
    people = [world["number"]]
    for index in range(2):
        number = id_number()
        employ(make_person(name=f"李{index}", number=number), world["haidian"])
        people.append(number)
    names = ["王芳", "李0", "李1"]
    rows = [
        PersonRow(
            row=2 + i,
            name=names[i],
            id_number=number,
            employer=XICHENG_AGENCY,
            employment_starts_on=dt.date(2024, 9, 1),
        )
        for i, number in enumerate(people)
    ]
    monkeypatch.setattr(bulk.importer, "CHUNK", 2)
    calls = []
    real = bulk.matching.manageable_person_ids
    monkeypatch.setattr(
        bulk.matching,
        "manageable_person_ids",
        lambda **kwargs: calls.append(sorted(kwargs["person_ids"])) or real(**kwargs),
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        result = people_import(actor=world["officer"], rows=rows, dry_run=True)
    # then one call per chunk, with the chunk's stored people
    assert result.error_count == 0
    ids = sorted(Person.objects.filter(name__in=names).values_list("pk", flat=True))
    assert calls == [ids[:2], ids[2:]]
    scope_queries = [q for q in queries.captured_queries if "EXISTS" in q["sql"].upper()]
    assert len(scope_queries) == 2


@pytest.fixture
def links(db, xicheng_officer):
    """People linked to 西城 in each way the scope rule knows, and some linked elsewhere."""
    xicheng = make_organization(name="西城甲", division="110102")
    haidian = make_organization(name="海淀乙", division="110108")
    made = {
        name: make_person(name=name)
        for name in ("证书西城", "工作西城", "项目西城", "工作海淀", "证书海淀", "无")
    }
    make_certificate(made["证书西城"], division="110102")
    employ(made["工作西城"], xicheng)
    employ(made["项目西城"], haidian)
    programme = programme_create(
        actor=SYSTEM, name="社工计划", region=Division.objects.get(code="110000"), year=2009
    )
    placement_add(
        actor=SYSTEM,
        programme=programme,
        person=made["项目西城"],
        division=Division.objects.get(code="110102"),
        starts_on=dt.date(2009, 9, 1),
    )
    employ(made["工作海淀"], haidian)
    make_certificate(made["证书海淀"], division="110108")
    return made


def test_the_chunk_rule_is_that_of_can_manage_person(
    links, xicheng_officer, admin_user, make_officer
):
    # given
    evaluator_like = make_officer("nobody")
    ids = [person.pk for person in links.values()]
    for actor in (xicheng_officer, admin_user, evaluator_like):
        # when
        found = manageable_person_ids(actor=actor, person_ids=ids)
        # then
        expected = {p.pk for p in links.values() if can_manage_person(actor, p)}
        assert found == expected, actor
    assert manageable_person_ids(actor=xicheng_officer, person_ids=ids) == {
        links[name].pk for name in ("证书西城", "工作西城", "项目西城")
    }


def test_links_from_the_running_import_are_left_out(links, xicheng_officer):
    # given the ids of 证书西城's certificate and 工作西城's job as an import's first ids
    first_certificate = Certificate.objects.get(person=links["证书西城"]).pk
    first_job = Employment.objects.get(person=links["工作西城"]).pk
    ids = [person.pk for person in links.values()]
    # when links with those ids or larger are left out
    found = manageable_person_ids(
        actor=xicheng_officer,
        person_ids=ids,
        certificates_before=first_certificate,
        employments_before=first_job,
    )
    # then only the placement links anyone to 西城
    assert found == {links["项目西城"].pk}


# What 王芳's record holds (world), and values that differ, for each person column.
_STORED_AND_OTHER = {
    "education_level": ("", "master"),
    "major": ("社会工作", "心理学"),
    "graduation_year": (None, 2008),
    "phone": ("010-1111", "13900000000"),
    "source": ("", "2024 名册"),
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    choices=st.fixed_dictionaries(
        {name: st.sampled_from(["blank", "stored", "other"]) for name in _STORED_AND_OTHER}
    )
)
def test_exactly_the_changed_columns_are_refused(world, admin_user, choices):
    # given a row hiring 王芳 in 西城 with each person column blank, as stored, or different
    fields = {}
    for name, choice in choices.items():
        stored_value, other = _STORED_AND_OTHER[name]
        if choice == "other":
            fields[name] = other
        elif choice == "stored" and stored_value:
            fields[name] = stored_value
    row = hired_in_xicheng(world, **fields)
    changed = [
        name
        for name in bulk.FIELDS
        if name in fields and fields[name] != _STORED_AND_OTHER[name][0]
    ]
    # when the officer and an administrator try it
    with translation.override("en"):
        officer = people_import(actor=world["officer"], rows=[row], dry_run=True)
        admin = people_import(actor=admin_user, rows=[row], dry_run=True)
    # then the officer is refused exactly the changed columns, the administrator none
    assert problems(officer) == [(2, name, KEPT) for name in changed]
    assert (admin.error_count, admin.people_updated) == (0, 1)
