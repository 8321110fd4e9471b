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
