"""Imported ID numbers are stored encrypted and hashed: the clear number is nowhere in the
database, not in the people, the audit trail, nor the database file's bytes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shuniu.core.actors import cli_actor
from shuniu.workforce.bulk import PersonRow, people_import
from shuniu.workforce.identity import decrypt, generate_id_number
from shuniu.workforce.models import Person

NUMBER = generate_id_number(address_code="440305", birth_date=dt.date(1988, 8, 8), sequence=421)
LEGACY = NUMBER[:6] + NUMBER[8:17]
TABLES = ("workforce_person", "workforce_certificate", "workforce_employment", "core_auditrecord")


def import_two_rows() -> None:
    rows = [
        PersonRow(
            row=2,
            name="赵六",
            id_number=LEGACY,
            certificate_level=2,
            certificate_number="JZ-STORE-1",
            exam_year=2014,
            registered_division="440305",
        ),
        PersonRow(row=3, name="赵六", id_number=NUMBER, education_level="bachelor"),
    ]
    result = people_import(actor=cli_actor("test"), rows=rows, dry_run=False)
    assert (result.error_count, result.people_created, result.people_updated) == (0, 1, 0)


def every_value() -> list[str]:
    values = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 test tables and constants of the code; no outside input
            values += [str(value) for row in cursor.fetchall() for value in row]
    return values


def test_the_clear_number_is_in_no_column_of_people_or_the_audit_trail(db):
    # given / when
    import_two_rows()
    # then the number (either form) is in no column; the masked form and the cipher are
    values = every_value()
    assert not [v for v in values if NUMBER in v or LEGACY in v or NUMBER.lower() in v]
    masked = NUMBER[:6] + "********" + NUMBER[-4:]
    assert sum(masked in v for v in values) == 1  # the person; the audit names it by hash
    person = Person.objects.get()
    assert sum(person.id_hash in v for v in values) == 2  # the person and its batch record
    person = Person.objects.get()
    assert decrypt(person.id_cipher, row=person.pk) == NUMBER


def test_the_clear_number_is_not_in_the_sqlite_database_file(db):
    if connection.vendor != "sqlite":
        pytest.skip("scans the bytes of SQLite's database file")
    # given the import (in the test's transaction)
    import_two_rows()
    # when the database is serialized as it would be written to its file, page by page
    connection.ensure_connection()
    data = connection.connection.serialize()
    # then neither form of the number is in it, in ASCII or UTF-16
    assert b"JZ-STORE-1" in data  # the pages hold the imported rows
    for form in (NUMBER, LEGACY):
        assert form.encode() not in data
        assert form.encode("utf-16-le") not in data
