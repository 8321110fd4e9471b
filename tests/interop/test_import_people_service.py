"""``workforce.bulk.people_import`` called directly, as the web upload calls it: streaming,
progress, permissions, the cap on reported problems."""

from __future__ import annotations

import datetime as dt
import weakref

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from shuniu.core.actors import cli_actor
from shuniu.core.errors import PermissionDenied
from shuniu.workforce import bulk
from shuniu.workforce.bulk import PersonRow, RowError, people_import
from shuniu.workforce.identity import generate_id_number
from shuniu.workforce.models import Certificate, Person
from tests.factories import make_organization


def number(serial: int) -> str:
    return generate_id_number(
        address_code="110105",
        birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=serial // 1000),
        sequence=serial % 1000,
    )


def certified(serial: int, cls: type[PersonRow] = PersonRow) -> PersonRow:
    """A row of a person with a certificate registered in 朝阳区."""
    return cls(
        row=serial + 2,
        name=f"人员{serial}",
        id_number=number(serial),
        certificate_level=1,
        certificate_number=f"JZS{serial:07d}",
        exam_year=2012,
        registered_division="110105",
    )


class Tracked(PersonRow):
    """A row that can be watched with a weak reference (slots rows cannot)."""


def test_rows_are_consumed_one_at_a_time_and_not_kept(db):
    # given a generator of 5,000 rows that counts how many it made are still alive
    made: list[weakref.ref[PersonRow]] = []
    most_alive = 0

    def rows():
        nonlocal most_alive
        for serial in range(5_000):
            made[:] = [ref for ref in made if ref() is not None]
            most_alive = max(most_alive, len(made))
            row = certified(serial, Tracked)
            made.append(weakref.ref(row))
            yield row

    # when
    result = people_import(actor=cli_actor("test"), rows=rows(), dry_run=False)
    # then every row was imported, and the service never held on to earlier rows
    assert (result.error_count, result.people_created, Person.objects.count()) == (0, 5000, 5000)
    assert most_alive <= 1


def test_a_generator_is_read_once_and_lazily(db):
    # given a generator that records when each row is taken, against the rows written
    taken: list[int] = []
    written_when_taken: list[int] = []

    def rows():
        for serial in range(2 * bulk.CHUNK + 10):
            taken.append(serial)
            if serial % bulk.CHUNK == 0:
                written_when_taken.append(Person.objects.count())
            yield certified(serial)

    # when
    people_import(actor=cli_actor("test"), rows=rows(), dry_run=False)
    # then the first chunk was written before the second was read from the generator
    assert len(taken) == 2 * bulk.CHUNK + 10
    assert written_when_taken == [0, bulk.CHUNK, 2 * bulk.CHUNK]


def test_progress_is_reported_for_rows_then_the_audit(db):
    # given
    calls: list[tuple[str, int, int]] = []
    rows = (certified(serial) for serial in range(bulk.CHUNK + 1))
    # when
    people_import(
        actor=cli_actor("test"), rows=rows, dry_run=False, progress=lambda *a: calls.append(a)
    )
    # then: a report per chunk (total unknown), the end of the rows, the audit steps
    assert calls == [
        ("check", bulk.CHUNK, 0),
        ("check", bulk.CHUNK + 1, bulk.CHUNK + 1),
        ("write", 0, 1),
        ("write", 1, 1),
    ]


def test_a_dry_run_counts_what_the_import_would_do(db):
    # given a person stored, and rows for them and for someone new
    actor = cli_actor("test")
    people_import(actor=actor, rows=[certified(1)], dry_run=False)
    rows = [certified(1), certified(2), PersonRow(row=9, name="人员1", id_number=number(1))]
    # when
    dry = people_import(actor=actor, rows=rows, dry_run=True)
    real = people_import(actor=actor, rows=rows, dry_run=False)
    # then
    counts = ("people_created", "people_unchanged", "certificates_created", "rows")
    assert [getattr(dry, c) for c in counts] == [getattr(real, c) for c in counts] == [1, 1, 1, 3]
    assert (dry.written, real.written) == (False, True)


def test_only_the_first_problems_are_kept_but_all_are_counted(db, monkeypatch):
    # given more bad rows than the report keeps
    monkeypatch.setattr(bulk.rows, "MAX_PROBLEMS", 3)
    rows = [PersonRow(row=n, name="", id_number=number(n)) for n in range(10, 2, -1)]
    # when
    with translation.override("en"):
        result = people_import(actor=cli_actor("test"), rows=rows, dry_run=True)
    # then the three smallest rows are listed and all eight counted
    assert result.error_count == 8
    assert [e.row for e in result.errors] == [3, 4, 5]
    assert result.errors[0] == RowError(3, "name", "A name is required.")


def test_cell_errors_from_reading_are_reported_and_not_checked_again(db):
    # given a row whose level could not be read
    row = certified(1)
    row.certificate_level = None
    row.errors.append(RowError(3, "certificate_level", "Unknown value 4."))
    # when
    result = people_import(actor=cli_actor("test"), rows=[row], dry_run=True)
    # then the reading problem is the only one for that column
    assert result.errors == [RowError(3, "certificate_level", "Unknown value 4.")]


def test_synthetic_people_are_marked(db):
    # given / when
    people_import(actor=cli_actor("demo"), rows=[certified(1)], dry_run=False, synthetic=True)
    # then
    assert Person.objects.get().synthetic is True


def test_anonymous_and_users_without_a_role_are_refused(db):
    # given
    nobody = get_user_model().objects.create(username="nobody")
    # when / then
    for actor in (AnonymousUser(), nobody):
        with pytest.raises(PermissionDenied):
            people_import(actor=actor, rows=[certified(1)], dry_run=True)


def test_an_officer_imports_only_within_the_jurisdiction(db, officer):
    # given an officer of 西城区, an employer in 东城区
    xicheng = officer("xc", "110102")
    make_organization(name="东城区某社工事务所", division="110101")
    rows = [
        PersonRow(row=2, name="甲", id_number=number(1), employer="东城区某社工事务所",
                  employment_starts_on=dt.date(2012, 1, 1)),
        certified(2),
        PersonRow(row=5, name="乙", id_number=number(3)),
    ]  # fmt: skip
    # when
    with translation.override("en"):
        result = people_import(actor=xicheng, rows=rows, dry_run=True)
    # then
    assert [(e.row, e.field, e.reason) for e in result.errors] == [
        (2, "employer", "This employer is outside your jurisdiction."),
        (4, "registered_division", "朝阳区 is outside your jurisdiction."),
        (
            5,
            "employer",
            "Officers import people with a certificate or an employment in their "
            "jurisdiction; only administrators may enter a person alone.",
        ),
    ]
    assert Certificate.objects.count() == 0
