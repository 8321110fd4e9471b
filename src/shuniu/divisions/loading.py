"""Loading the reference table of divisions shipped in ``data/divisions.csv``."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions.csv"


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


def load_divisions(division_model: Any, path: Path = DATA_FILE) -> tuple[int, int]:
    """Create or update every division of the file; returns (created, updated).

    Takes the model as an argument so a data migration can pass its historical model.
    """
    rows = read_rows(path)
    by_code = {d.code: d for d in division_model.objects.all()}
    created = updated = 0
    for row in rows:
        values = {
            "name": row["name"],
            "name_en": row["name_en"],
            "level": row["level"],
            "valid_from": _date(row["valid_from"]),
            "valid_to": _date(row["valid_to"]),
            "date_precision": row["date_precision"],
            "change": row["change"],
            "document": row["document"][:255],
            "note": row["note"][:255],
        }
        division, change = _create_or_update(
            division_model, by_code.get(row["code"]), values, code=row["code"]
        )
        by_code[row["code"]] = division
        created += change == "created"
        updated += change == "updated"
    # Links second, once every code exists.
    for row in rows:
        division = by_code[row["code"]]
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        successor = by_code.get(row["successor_code"]) if row["successor_code"] else None
        if division.parent_id != (parent.pk if parent else None) or division.successor_id != (
            successor.pk if successor else None
        ):
            division.parent = parent
            division.successor = successor
            division.save(update_fields=["parent", "successor"])
    return created, updated


POPULATION_FILE = Path(__file__).resolve().parent / "data" / "population.csv"


def load_population(
    population_model: Any, division_model: Any, path: Path = POPULATION_FILE
) -> tuple[int, int]:
    """Create or update the census population of every row of the file; returns (created,
    updated). Takes the models as arguments so a data migration can pass its historical ones."""
    by_code = {d.code: d for d in division_model.objects.all()}
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
