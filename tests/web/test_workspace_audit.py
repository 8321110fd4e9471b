"""The audit trail: who sees which records, the log page's filters and pages, an
organization's history, and bounded queries however long the trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuniu.core.actors import SystemActor
from shuniu.core.models import AuditRecord
from shuniu.core.selectors import AuditFilter, AuditSubject, audit_log
from shuniu.registry.models import Organization
from shuniu.registry.services import organization_event_add, organization_event_delete
from tests.factories import make_organization
from tests.web.html import table_rows
from tests.web.workspace_helpers import logged_in, make_agency_staff, make_orgs, text_of

ORG_PARTS = (
    ("registry.organizationevent", "organization_id"),
    ("registry.support", "receiver_id"),
    ("registry.support", "giver_id"),
)


@pytest.fixture
def orgs(db):
    found = make_orgs()
    # 宣武区 merged into 西城区 in 2010: its records are the 西城 officer's to read.
    found["xuanwu"] = make_organization(
        name="宣武助老社工事务所", division="110104", registered_on=dt.date(2009, 5, 1)
    )
    return found


@pytest.fixture
def chaoyang_officer(make_officer):
    return make_officer("cy_officer", "110105")


def names(records) -> list[str]:
    """The organizations the records are about (events name theirs in the snapshot)."""
    ids = {
        int(r.object_id) if r.object_type == "registry.organization" else r.after["organization_id"]
        for r in records
    }
    return sorted(Organization.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_officers_see_the_records_of_their_jurisdiction_only(
    orgs, xicheng_officer, chaoyang_officer, beijing_officer, admin_user
):
    # given four organizations, each registered with its registration event (8 records)
    assert AuditRecord.objects.count() == 8
    # when / then a 西城 officer sees 西城's and 宣武's records, never 朝阳's
    records, count = audit_log(actor=xicheng_officer)
    assert count == 6
    assert names(records) == ["宣武助老社工事务所", "西城区社会工作者联合会", "西城悦群社工事务所"]
    assert {r.division_code for r in records} == {"110102", "110104"}
    # and a 朝阳 officer sees 朝阳's only
    records, count = audit_log(actor=chaoyang_officer)
    assert (count, names(records)) == (2, ["朝阳阳光社工事务所"])
    # and the city officer and the administrator see all
    assert audit_log(actor=beijing_officer)[1] == 8
    assert audit_log(actor=admin_user)[1] == 8


def test_people_without_an_officer_role_see_nothing(orgs):
    from django.contrib.auth.models import AnonymousUser

    assert audit_log(actor=make_agency_staff(orgs["xicheng"])) == ([], 0)
    assert audit_log(actor=AnonymousUser()) == ([], 0)


def test_the_command_line_sees_everything(orgs):
    assert audit_log(actor=SystemActor(label="cli:test"))[1] == 8


def test_the_log_filters_by_action_user_and_dates(orgs, xicheng_officer):
    today = timezone.localdate()
    day = dt.timedelta(days=1)

    def count(**filters):
        return audit_log(actor=xicheng_officer, filters=AuditFilter(**filters))[1]

    assert count(action="organization.register") == 3
    assert count(action="organization_event.add") == 3
    assert count(user="FACTORY") == 6
    assert count(user="xc_") == 0
    assert count(since=today, until=today) == 6
    assert count(since=today + day) == 0
    assert count(until=today - day) == 0


def test_the_trail_of_an_organization_keeps_deleted_events(orgs, xicheng_officer):
    # given the 西城 agency's registration event was deleted
    org = orgs["xicheng"]
    organization_event_delete(actor=xicheng_officer, event=org.events.get())
    subject = AuditSubject("registry.organization", str(org.pk), ORG_PARTS)
    # when
    records, count = audit_log(actor=xicheng_officer, filters=AuditFilter(subject=subject))
    # then its entry, the event's addition and its deletion are its trail
    assert count == 3
    assert [r.action for r in records] == [
        "organization_event.delete",
        "organization_event.add",
        "organization.register",
    ]


# ---------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------


def test_the_audit_page_never_shows_another_districts_records(orgs, xicheng_officer):
    # when a 西城 officer opens the log
    html = logged_in(xicheng_officer).get("/workspace/audit/").content.decode()
    # then
    assert "朝阳" not in html
    assert text_of(html, "audit-count") == "1–6 of 6 records"
    rows = table_rows(html, "audit-table")
    assert rows[0] == ["When", "Who", "What", "Record", "Changes"]
    assert [row[1] for row in rows if row[1:2] == ["factory-admin"]] == ["factory-admin"] * 6


def test_the_audit_page_filters(orgs, xicheng_officer):
    client = logged_in(xicheng_officer)
    html = client.get("/workspace/audit/", {"action": "organization.register"}).content.decode()
    assert text_of(html, "audit-count") == "1–3 of 3 records"
    html = client.get("/workspace/audit/", {"user": "nobody"}).content.decode()
    assert text_of(html, "audit-table-empty") == "No changes recorded."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"action": "bogus"}, "Action: Unknown action “bogus”: choose one from the list."),
        (
            {"since": "2012-01-02", "until": "2012-01-01"},
            "To: The end date lies before the start date.",
        ),
        (
            {"since": "2012-13-01"},
            "From: Not a date: write it as YYYY-MM-DD, for example 2010-12-31.",
        ),
        ({"page": "0"}, "Page: Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_filters_are_named(orgs, xicheng_officer, query, message):
    response = logged_in(xicheng_officer).get("/workspace/audit/", query)
    assert response.status_code == 400
    assert text_of(response.content.decode(), "query-errors") == (
        f"The query could not be answered: {message}"
    )


def add_records(code: str, n: int) -> None:
    """Records written straight to the table: this test is about reading a long trail."""
    AuditRecord.objects.bulk_create(
        AuditRecord(
            actor_label="bulk",
            action="organization.update",
            object_type="registry.organization",
            object_id="0",
            object_repr=f"记录{i}",
            division_code=code,
            before={"address": ""},
            after={"address": f"地址{i}"},
        )
        for i in range(n)
    )


def test_the_audit_page_pages(orgs, xicheng_officer):
    # given 66 records in 西城's jurisdiction
    add_records("110102", 60)
    client = logged_in(xicheng_officer)
    # when / then the first page holds 50 and links to the next
    html = client.get("/workspace/audit/", {"user": "bulk"}).content.decode()
    assert text_of(html, "audit-count") == "1–50 of 60 records"
    assert len(table_rows(html, "audit-table")) == 1 + 50 * 3  # header, then each record's diff
    assert 'href="?user=bulk&amp;page=2"' in html
    # and the second the remaining 10
    html = client.get("/workspace/audit/", {"user": "bulk", "page": "2"}).content.decode()
    assert text_of(html, "audit-count") == "51–60 of 60 records"


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_audit_page_reads_a_fixed_number_of_queries(orgs, xicheng_officer):
    # given the page with 6 records
    client = logged_in(xicheng_officer)
    few = queries(client, "/workspace/audit/")
    # when 60 more records (and more organizations) are added
    add_records("110102", 60)
    for i in range(3):
        make_organization(name=f"西城测试{i}", division="110102")
    # then the page costs the same
    assert queries(client, "/workspace/audit/") == few
    assert few <= 12


def test_the_history_reads_a_fixed_number_of_queries(orgs, xicheng_officer):
    # given an organization with one event
    org = orgs["xicheng"]
    client = logged_in(xicheng_officer)
    url = f"/workspace/organizations/{org.pk}/history/"
    few = queries(client, url)
    # when twenty more events are recorded
    for year in range(2011, 2031):
        organization_event_add(
            actor=xicheng_officer,
            organization=org,
            kind="annual_inspection",
            date=dt.date(year, 6, 1),
            source="年检公告",
            inspection_year=year - 1,
            inspection_result="passed",
        )
    # then the page costs the same
    assert queries(client, url) == few
    assert few <= 15


def test_the_home_page_shows_recent_changes_of_the_jurisdiction(orgs, xicheng_officer):
    html = logged_in(xicheng_officer).get("/workspace/").content.decode()
    assert text_of(html, "jurisdiction") == "Your jurisdiction: Xicheng District (110102)"
    rows = table_rows(html, "recent-table")
    assert len(rows) == 1 + 6
    assert "朝阳" not in html
    assert text_of(html, "found-count") == "3 organizations"


def test_the_audit_page_shows_an_import_batch_as_counts_not_lists(orgs, xicheng_officer):
    # given a people import of 3 people certified in 西城 (one batch record for 西城)
    from shuniu.workforce.bulk import PersonRow, people_import
    from shuniu.workforce.identity import generate_id_number

    rows = [
        PersonRow(
            row=row,
            name=f"测试{row}",
            id_number=generate_id_number(
                address_code="110102", birth_date=dt.date(1990, 1, row), sequence=row
            ),
            certificate_level=1,
            certificate_number=f"JZ-TRAIL-{row}",
            exam_year=2015,
            registered_division="110102",
        )
        for row in (2, 3, 4)
    ]
    result = people_import(actor=SystemActor("test"), rows=rows, dry_run=False)
    assert result.people_created == 3
    batch = AuditRecord.objects.get(action="people.import_batch")
    people = batch.after["created"]["person"]["ids"]
    certificates = batch.after["created"]["certificate"]["ids"]
    # when the 西城 officer reads the log, filtered to imports
    html = (
        logged_in(xicheng_officer)
        .get("/workspace/audit/", {"action": "people.import_batch"})
        .content.decode()
    )
    # then one entry: the rows and the counts with their id ranges, no keys or hashes
    assert text_of(html, "audit-count") == "1–1 of 1 record"
    rows_shown = table_rows(html, "audit-table")[1]
    assert rows_shown[2] == "People imported (a batch of rows)"
    assert rows_shown[3] == f"Import {batch.object_id[:8]}, batch 1 Xicheng District"
    assert table_rows(html, "audit-table")[3:] == [
        ["Rows", "Value: 2–4"],
        ["People created", f"Value: 3 (ids {min(people)}–{max(people)})"],
        ["Certificates created", f"Value: 3 (ids {min(certificates)}–{max(certificates)})"],
    ]
    assert batch.after["created"]["person"]["keys"][0] not in html
