"""Loading the reference tables of divisions shipped in ``data/``.

``divisions.csv`` is the hand-curated table of the three cities (day-precise dates, State
Council documents). ``divisions-national.csv`` holds every GB/T 2260 code of 1980–2021 with
dates derived from the MCA snapshots, and ``divisions-national-reused.csv`` the older
meanings of codes that were reused (see ``data/divisions-national.NOTICE.md``). The national
load puts the three together: a curated row's non-empty fields win over the national row of
the same code; the national row fills what the curated file leaves empty (440300's parent
广东省, the start of 密云县).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import connections, router

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILE = DATA_DIR / "divisions.csv"
NATIONAL_FILE = DATA_DIR / "divisions-national.csv"
REUSED_FILE = DATA_DIR / "divisions-national-reused.csv"

_VALUE_COLUMNS = (
    "name",
    "name_en",
    "level",
    "valid_from",
    "valid_to",
    "date_precision",
    "change",
    "document",
    "note",
    "successor_rule",
    "reuse_kind",
    "curated",
)
# Row key: the code and, for an older meaning of a reused code, the day it started.
# (Only one older meaning of a code starts on a given day, empty included: checked by a test.)
Key = tuple[str, str]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def read_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _create_or_update(
    model: Any, current: Any, values: dict[str, Any], **keys: Any
) -> tuple[Any, str]:
    """Create the row of ``keys`` with ``values``, or bring ``current`` up to them; returns
    the row and "created", "updated" or "" (unchanged)."""
    if current is None:
        return model.objects.create(**keys, **values), "created"
    if all(getattr(current, k) == v for k, v in values.items()):
        return current, ""
    for key, value in values.items():
        setattr(current, key, value)
    current.save()
    return current, "updated"


def _key(row: dict[str, str]) -> Key:
    # An older meaning may start before 1981 (empty valid_from) like the latest one.
    return (row["code"], "older " + row["valid_from"] if row.get("reuse_kind") else "")


def _obj_key(division: Any) -> Key:
    if not getattr(division, "reuse_kind", ""):
        return (division.code, "")
    start = division.valid_from.isoformat() if division.valid_from else ""
    return (division.code, "older " + start)


def merged_rows(
    curated: Iterable[dict[str, str]],
    national: Iterable[dict[str, str]] = (),
    reused: Iterable[dict[str, str]] = (),
) -> list[dict[str, str]]:
    """The rows to store: national ones overlaid by the curated row of the same code."""
    rows: dict[Key, dict[str, str]] = {}
    for row in [*national, *reused]:
        rows[_key(row)] = {"successor_rule": "", "reuse_kind": "", **row}
    for row in curated:
        base = rows.get((row["code"], ""), {"successor_rule": "", "reuse_kind": ""})
        merged = {**base, **{k: v for k, v in row.items() if v}}
        merged.setdefault("parent_code", "")
        merged.setdefault("successor_code", "")
        for column in _VALUE_COLUMNS:
            merged.setdefault(column, "")
        merged["curated"] = "yes"
        if row["successor_code"] or not base:
            # A curated successor replaces the derived one, and so does its rule.
            merged["successor_rule"] = "curated" if row["successor_code"] else ""
        rows[(row["code"], "")] = merged
    return list(rows.values())


def _values(row: dict[str, str]) -> dict[str, Any]:
    return {
        "name": row["name"],
        "name_en": row["name_en"],
        "level": row["level"],
        "valid_from": _date(row["valid_from"]),
        "valid_to": _date(row["valid_to"]),
        "date_precision": row["date_precision"],
        "change": row["change"],
        "document": row["document"][:255],
        "note": row["note"][:255],
        "successor_rule": row.get("successor_rule", ""),
        "reuse_kind": row.get("reuse_kind", ""),
        "curated": row.get("curated") == "yes",
    }


def _use_on(uses: list[Any], on: dt.date | None) -> Any:
    """The meaning of a code on ``on`` (its latest meaning when none was in force then)."""
    if on is not None:
        for use in uses:
            if (use.valid_from is None or use.valid_from <= on) and (
                use.valid_to is None or on < use.valid_to
            ):
                return use
    return next((u for u in uses if not getattr(u, "reuse_kind", "")), uses[0] if uses else None)


def load_rows(division_model: Any, rows: list[dict[str, str]]) -> tuple[int, int]:
    """Create or update every row; returns (created, updated). Idempotent.

    Takes the model as an argument so a data migration can pass its historical model.
    Parent and successor codes are read as the meaning in force at the end of the row
    (the parent of its last day, the successor on the day it ended).
    """
    by_key = {_obj_key(d): d for d in division_model.objects.all()}
    # Migration 0002's historical model predates the national columns.
    known = {f.name for f in division_model._meta.get_fields()}
    fields = [c for c in _VALUE_COLUMNS if c in known]
    new, changed = [], []
    for row in rows:
        values = {k: v for k, v in _values(row).items() if k in known}
        existing = by_key.get(_key(row))
        if existing is None:
            division = division_model(code=row["code"], **values)
            new.append(division)
            by_key[_key(row)] = division
        elif any(getattr(existing, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(existing, key, value)
            changed.append(existing)
    if changed:
        division_model.objects.bulk_update(changed, fields, batch_size=500)
    if new:
        division_model.objects.bulk_create(new, batch_size=500)
        # SQLite and PostgreSQL return the new ids; read them back for other databases.
        if any(d.pk is None for d in new):
            by_key = {_obj_key(d): d for d in division_model.objects.all()}

    uses: dict[str, list[Any]] = defaultdict(list)
    for division in by_key.values():
        uses[division.code].append(division)
    linked = []
    for row in rows:
        division = by_key[_key(row)]
        end = division.valid_to
        last_day = end - dt.timedelta(days=1) if end is not None else None
        parent = _use_on(uses[row["parent_code"]], last_day) if row["parent_code"] else None
        successor = _use_on(uses[row["successor_code"]], end) if row["successor_code"] else None
        parent_id = parent.pk if parent is not None else None
        successor_id = successor.pk if successor is not None else None
        if division.parent_id != parent_id or division.successor_id != successor_id:
            division.parent_id, division.successor_id = parent_id, successor_id
            linked.append(division)
    if linked:
        # One prepared statement for all rows: bulk_update's CASE per batch took most of a
        # test database's creation (7,400 rows).
        connection = connections[router.db_for_write(division_model)]
        table = connection.ops.quote_name(division_model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET parent_id = %s, successor_id = %s WHERE id = %s",  # noqa: S608 quoted table name, values bound
                [(d.parent_id, d.successor_id, d.pk) for d in linked],
            )
    changed_keys = {_obj_key(d) for d in changed} | {_obj_key(d) for d in linked}
    return len(new), len(changed_keys - {_obj_key(d) for d in new})


def load_divisions(division_model: Any, path: Path = DATA_FILE) -> tuple[int, int]:
    """The curated file alone (migration 0002, before the national table existed)."""
    return load_rows(division_model, merged_rows(read_rows(path)))


def load_national(
    division_model: Any,
    *,
    national: Path = NATIONAL_FILE,
    reused: Path = REUSED_FILE,
    curated: Path = DATA_FILE,
) -> tuple[int, int]:
    """The national table under the curated rows; returns (created, updated)."""
    return load_rows(
        division_model,
        merged_rows(read_rows(curated), read_rows(national), read_rows(reused)),
    )


POPULATION_FILE = Path(__file__).resolve().parent / "data" / "population.csv"


def load_population(
    population_model: Any, division_model: Any, path: Path = POPULATION_FILE
) -> tuple[int, int]:
    """Create or update the census population of every row of the file; returns (created,
    updated). Takes the models as arguments so a data migration can pass its historical ones."""
    # A reused code's older meanings are not the division the census counted.
    by_code = {d.code: d for d in division_model.objects.all() if not getattr(d, "reuse_kind", "")}
    existing = {(p.division_id, p.census): p for p in population_model.objects.all()}
    created = updated = 0
    for row in read_rows(path):
        division = by_code[row["code"]]
        values = {
            "name": row["name"],
            "reference_date": dt.date.fromisoformat(row["reference_date"]),
            "population": int(row["population"]),
            "source": row["source"],
        }
        census = int(row["census"])
        _row, change = _create_or_update(
            population_model,
            existing.get((division.pk, census)),
            values,
            division=division,
            census=census,
        )
        created += change == "created"
        updated += change == "updated"
    return created, updated
