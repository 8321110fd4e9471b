"""The organization import streams: rows read a chunk at a time, twice, never all held;
checks across rows and hubs work across chunks."""

from __future__ import annotations

import pytest

from shuniu.core.actors import cli_actor
from shuniu.core.models import AuditRecord
from shuniu.registry import bulk
from shuniu.registry.bulk import OrganizationRow, organizations_import
from shuniu.registry.models import Organization
from tests.factories import make_organization
from tests.interop.conftest import code, run_command, written_counts


class CountedRows:
    """Rows that are made as they are read, counting reads and passes."""

    def __init__(self, count: int, *, changed_on_pass: int | None = None) -> None:
        self.count = count
        self.changed_on_pass = changed_on_pass
        self.passes = 0
        self.read = 0

    def __iter__(self):
        self.passes += 1
        for n in range(self.count):
            self.read += 1
            name = f"社工事务所{n}"
            if self.passes == self.changed_on_pass and n == self.count - 1:
                name = "改过的名称"
            yield OrganizationRow(
                row=n + 2, name=name, kind="agency", registrar_division="110101", uscc=code(n)
            )


@pytest.fixture
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(bulk.importer, "CHUNK", 2)


def test_rows_are_checked_a_chunk_at_a_time_and_read_again_to_write(db, chunks_of_two):
    # given 5 rows produced one by one
    rows = CountedRows(5)
    read_at_report: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        read_at_report.append((stage, done, rows.read))

    # when
    result = organizations_import(
        actor=cli_actor("test"), rows=rows, dry_run=False, progress=progress, total=5
    )
    # then each chunk is checked when its 2 rows are read, not once all 5 are
    assert read_at_report[:3] == [("check", 2, 2), ("check", 4, 4), ("check", 5, 5)]
    # and the rows are read a second time, a chunk at a time, to be written
    assert read_at_report[3:] == [("write", 2, 7), ("write", 4, 9), ("write", 5, 10)]
    assert rows.passes == 2
    assert (result.created, result.written) == (5, True)
    assert Organization.objects.count() == 5


def test_a_dry_run_reads_the_rows_once(db, chunks_of_two):
    # given
    rows = CountedRows(3)
    before = written_counts()
    # when
    result = organizations_import(actor=cli_actor("test"), rows=rows, dry_run=True)
    # then
    assert (rows.passes, result.created, result.written) == (1, 3, False)
    assert written_counts() == before


def test_a_file_that_changes_between_the_passes_writes_nothing(db, chunks_of_two):
    # given rows whose last one reads differently the second time
    rows = CountedRows(3, changed_on_pass=2)
    before = written_counts()
    # when
    result = organizations_import(actor=cli_actor("test"), rows=rows, dry_run=False)
    # then
    assert [(e.row, e.field) for e in result.errors] == [(4, "name")]
    assert result.written is False
    assert written_counts() == before


def test_a_hub_in_a_later_chunk_is_linked_and_audited(db, csv_file, monkeypatch):
    # given chunks of one row: two agencies led by an association of a later row, one of
    # them a stored organization that changes hub
    monkeypatch.setattr(bulk.importer, "CHUNK", 1)
    stored = make_organization(actor=cli_actor("test"), name="仁助社工事务所", division="110102")
    path = csv_file(
        [
            "统一社会信用代码,名称,类型,登记管理机关区划,所属枢纽组织,协会层级",
            ",悦群社工事务所,社工事务所,西城区,西城区社会工作者联合会,",
            f"{stored.uscc},仁助社工事务所,社工事务所,西城区,西城区社会工作者联合会,",
            ",西城区社会工作者联合会,社工协会,西城区,,区级",
        ]
    )
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert (result.code, result.err_lines) == (0, ["created 2, updated 1, unchanged 0"])
    federation = Organization.objects.get(name="西城区社会工作者联合会")
    assert Organization.objects.get(name="悦群社工事务所").hub_id == federation.pk
    assert Organization.objects.get(pk=stored.pk).hub_id == federation.pk
    register = AuditRecord.objects.get(action="organization.register", object_repr="悦群社工事务所")
    assert register.after["hub_id"] == federation.pk
    update = AuditRecord.objects.get(action="organization.update", object_repr="仁助社工事务所")
    assert (update.before["hub_id"], update.after["hub_id"]) == (None, federation.pk)


def test_duplicates_are_found_across_chunks(db, csv_file, monkeypatch):
    # given chunks of one row, and the same code and the same name on later rows
    monkeypatch.setattr(bulk.importer, "CHUNK", 1)
    path = csv_file(
        [
            "统一社会信用代码,名称,类型,登记管理机关区划",
            f"{code(1)},甲社工事务所,社工事务所,东城区",
            f"{code(1)},乙社工事务所,社工事务所,东城区",
            ",甲社工事务所,社工事务所,东城区",
        ]
    )
    # when
    result = run_command("organizations", str(path), "--lang", "en")
    # then
    assert result.code == 1
    assert result.err_lines[:2] == [
        "row 3, column 统一社会信用代码: The same credit code is in row 2.",
        "row 4, column 名称: Row 2 has the same name and registrar division; give both rows "
        "their credit codes.",
    ]
    assert Organization.objects.count() == 0


def test_problems_beyond_the_limit_are_counted(db, csv_file, monkeypatch):
    # given a report that lists 2 problems, and 5 rows without a kind
    monkeypatch.setattr(bulk.state, "MAX_PROBLEMS", 2)
    lines = ["名称,类型,登记管理机关区划"] + [f"社工事务所{n},,东城区" for n in range(5)]
    # when
    result = run_command("organizations", str(csv_file(lines)), "--lang", "en")
    # then the first two by row are listed and the others counted
    assert result.err_lines == [
        "row 2, column 类型: This value is required.",
        "row 3, column 类型: This value is required.",
        "… and 3 more problems.",
        "CommandError: 5 problems found; nothing was written.",
    ]


def test_the_web_upload_counts_every_problem_beyond_those_listed(
    db, xicheng_officer, settings, tmp_path, monkeypatch
):
    # given a report that lists 2 problems, and an upload of 5 rows without a kind
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.workspace_helpers import logged_in

    monkeypatch.setattr(bulk.state, "MAX_PROBLEMS", 2)
    settings.SHUNIU_UPLOAD_DIR = str(tmp_path)
    lines = ["名称,类型,登记管理机关区划"] + [f"社工事务所{n},,西城区" for n in range(5)]
    upload = SimpleUploadedFile("orgs.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    # when
    page = logged_in(xicheng_officer).post("/workspace/import/", {"file": upload})
    # then the heading counts all 5 and the list shows the first 2
    html = page.content.decode()
    assert "orgs.csv: 5 problems found; nothing was written." in " ".join(html.split())
    assert html.count("This value is required.") == 2
