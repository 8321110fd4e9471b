"""The people import's store: inserts handed to a background thread (several rows a
statement on SQLite, ``COPY`` on PostgreSQL); either way the rows are there, exactly, once
the store has waited, and a failed insert reaches the import as Django's error."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shuniu.workforce.bulk.store import _PERSON_INSERT, _Store
from shuniu.workforce.models import Person


def person_row(pk: int, now: object) -> tuple[object, ...]:
    # id, created_at, updated_at, version, name, id_cipher, id_hash, id_masked, sex,
    # birth_date, education_level, university_id, major, graduation_year, phone, source,
    # synthetic
    return (pk, now, now, 1, f"人{pk}", f"cipher{pk}", f"hash{pk:04d}", "110101********0011",
            "F" if pk % 2 else "M", dt.date(1980, 1, 1 + pk % 28).isoformat(), "bachelor",
            None, "社会工作", 2002, "", "", pk % 3 == 0)  # fmt: skip


def test_background_inserts_split_into_statements_are_all_there_after_waiting(db):
    # given a store writing in the background, on SQLite 7 rows a statement (30 rows: 4
    # statements in the thread, 2 rows in line), on PostgreSQL one COPY in the thread
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    store = _Store(background=True)
    assert store.background is True
    store._max_params = 7 * len(_PERSON_INSERT) + 3
    try:
        # when 30 people are inserted and written
        store.insert("person", _PERSON_INSERT, [person_row(pk, now) for pk in range(1, 31)])
        store.flush()
        # then reading through the store waits for them: all 30, exactly as given
        counted = store.rows(
            "SELECT COUNT(*), SUM(id), SUM(CASE WHEN synthetic THEN 1 ELSE 0 END) "
            "FROM workforce_person"
        )
        assert [tuple(int(n) for n in row) for row in counted] == [(30, 465, 10)]
    finally:
        store.close()
    stored = Person.objects.order_by("pk").values_list(
        "pk", "name", "id_hash", "sex", "birth_date", "university_id", "graduation_year"
    )
    assert list(stored)[:2] == [
        (1, "人1", "hash0001", "F", dt.date(1980, 1, 2), None, 2002),
        (2, "人2", "hash0002", "M", dt.date(1980, 1, 3), None, 2002),
    ]


def test_a_failed_background_insert_is_raised_as_djangos_error(db):
    # given a store writing in the background, and a person already stored with id 5
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def write_twice() -> None:
        with transaction.atomic():
            store = _Store(background=True)
            try:
                store.insert("person", _PERSON_INSERT, [person_row(5, now)])
                store.flush()
                # when a second insert gives the same id again
                store.insert("person", _PERSON_INSERT, [person_row(4, now), person_row(5, now)])
                store.flush()
                store.wait()
            finally:
                store.close()

    # then the store's next use raises the database's refusal, as Django's error
    with pytest.raises(IntegrityError):
        write_twice()
    assert Person.objects.count() == 0


def test_with_inserts_in_a_thread_the_import_switches_often_and_restores_the_interval(db):
    # given the process's switch interval, and rows whose reading records it
    from shuniu.core.actors import cli_actor
    from shuniu.workforce.bulk import PersonRow, people_import
    from shuniu.workforce.bulk.importer import SWITCH_INTERVAL
    from tests.workforce.factories import id_number

    before = sys.getswitchinterval()
    seen: list[float] = []

    def rows(n: int):
        for i in range(n):
            seen.append(sys.getswitchinterval())
            yield PersonRow(row=i + 2, name=f"导入{i}", id_number=id_number(dt.date(1990, 1, 1)))

    # when one import writes in a thread and another in line
    threaded = people_import(
        actor=cli_actor("test"), rows=rows(2), dry_run=False, background_writes=True
    )
    in_line = people_import(actor=cli_actor("test"), rows=rows(1), dry_run=False)
    # then only the first ran with the short interval, and the interval is back after each
    assert (threaded.people_created, in_line.people_created) == (2, 1)
    assert seen == pytest.approx([SWITCH_INTERVAL, SWITCH_INTERVAL, before])
    assert sys.getswitchinterval() == before


@pytest.fixture
def last_chunk_unwritten_while_matched(monkeypatch):
    """Chunks of two rows, and on SQLite the first chunk's background inserts held back
    until the second chunk has been looked up and matched (its store is about to write):
    the lookups cannot find the first chunk's rows in the database."""
    import threading
    from types import SimpleNamespace

    from shuniu.workforce import bulk
    from shuniu.workforce.bulk import store

    monkeypatch.setattr(bulk.importer, "CHUNK", 2)
    gate = threading.Event()
    if connection.vendor != "sqlite":
        gate.set()  # PostgreSQL's lookups wait for the COPY: nothing to hold back

    class HeldBack(threading.Thread):
        def run(self) -> None:
            gate.wait(timeout=10)
            super().run()

    write_chunk = store._Store.write_chunk

    def release_then_write(self, **kwargs):
        gate.set()
        return write_chunk(self, **kwargs)

    monkeypatch.setattr(store, "threading", SimpleNamespace(Thread=HeldBack))
    # One row a statement: every row goes to the thread (a chunk's rest goes in line).
    monkeypatch.setattr(store._Store, "_rows_per_statement", lambda self, columns: 1)
    monkeypatch.setattr(store._Store, "write_chunk", release_then_write)
    return gate


@pytest.mark.parametrize("serialized", [True, False])
def test_the_next_chunk_matches_the_last_chunks_records_before_they_are_written(
    db, last_chunk_unwritten_while_matched, monkeypatch, serialized
):
    gate = last_chunk_unwritten_while_matched
    if not serialized:
        # An SQLite library that does not serialize a connection's use by several threads:
        # the lookups wait for the thread (nothing held back), with the same outcome.
        from shuniu.workforce.bulk import store

        monkeypatch.setattr(store, "SQLITE_SERIALIZED", False)
        gate.set()
    from shuniu.core.actors import cli_actor
    from shuniu.core.models import AuditRecord
    from shuniu.workforce.bulk import PersonRow, people_import
    from shuniu.workforce.models import Certificate, Employment
    from tests.factories import make_organization
    from tests.workforce.factories import id_number

    # given an employer, and a first chunk (rows 2-3) with a person, her certificate and
    # her job without a role; a second chunk (rows 4-5) naming them again with the role
    # and her phone, and another person with the same certificate number
    employer = make_organization(actor=cli_actor("test"), name="甲社工事务所", division="110105")
    first = id_number(dt.date(1990, 1, 1))
    certificate = {
        "certificate_level": 1,
        "certificate_number": "JZS0000001",
        "exam_year": 2015,
        "registered_division": "110105",
    }
    job = {"employer": "甲社工事务所", "employment_starts_on": dt.date(2016, 3, 1)}
    rows = [
        PersonRow(row=2, name="王芳", id_number=first, **certificate, **job),
        PersonRow(row=3, name="李明", id_number=id_number(dt.date(1991, 2, 2))),
        PersonRow(row=4, name="王芳", id_number=first, phone="13800000000", role="supervisor",
                  **certificate, **job),
        PersonRow(row=5, name="赵敏", id_number=id_number(dt.date(1992, 3, 3)), **certificate),
    ]  # fmt: skip
    # when the rows are imported with the inserts in the background
    result = people_import(
        actor=cli_actor("test"), rows=iter(rows), dry_run=True, background_writes=True
    )
    # then row 4 is matched to row 2's records and row 5's certificate number is refused
    assert [(e.row, e.field, e.reason) for e in result.errors] == [
        (5, "certificate_number", "Row 2 gives this certificate number to another person.")
    ]
    if connection.vendor == "sqlite" and serialized:
        gate.clear()
    # and without row 5 the same file writes 2 people, 1 certificate, 1 job, row 4's
    # changes applied to what row 2 created
    written = people_import(
        actor=cli_actor("test"), rows=iter(rows[:3]), dry_run=False, background_writes=True
    )
    assert written.error_count == 0
    assert (
        written.people_created,
        written.certificates_created,
        written.certificates_unchanged,
        written.employments_created,
    ) == (2, 1, 0, 1)
    assert written.rows == 3
    person = Person.objects.get(name="王芳")
    assert (person.phone, Certificate.objects.get().person_id) == ("13800000000", person.pk)
    assert list(Employment.objects.values_list("person_id", "organization_id", "role")) == [
        (person.pk, employer.pk, "supervisor")
    ]
    # and each chunk's batch records were inserted after its rows: chunk 1 by division
    # (李明 has none), chunk 2 the two records it changed
    batches = AuditRecord.objects.filter(action="people.import_batch").order_by("pk")
    assert [(r.after["batch"], r.division_code, r.after["updated"]) for r in batches] == [
        (1, "", {}),
        (1, "110105", {}),
        (2, "110105", {"person": [person.pk], "employment": [Employment.objects.get().pk]}),
    ]
