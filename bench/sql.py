"""Hand-written SQL shared by the baselines.

The baselines must not reuse the code they are measured against, so the mapping of a
division to the one holding its territory on a date (successors of abolished divisions) and
the region test (the parent chain) are done here in SQL, independently of
``DivisionIndex``. Plain ``WITH RECURSIVE``: the same text runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

# Parameters: the date, then the region's code.
# ``chain`` follows successors while the division was abolished on or before the date; the
# deepest link is the holder. The depth cap keeps a cycle in reference data from looping.
# ``region_holder`` is MATERIALIZED (SQLite 3.35+, PostgreSQL 12+) so that the planner
# starts from the region's few divisions; inlined, SQLite may walk the periods of every
# division first and filter by region afterwards, three times slower on three cities.
REGION_DIVISIONS_CTE = """
chain (division_id, holder_id, depth) AS (
    SELECT id, id, 0 FROM divisions_division
    UNION ALL
    SELECT c.division_id, d.successor_id, c.depth + 1
    FROM chain c JOIN divisions_division d ON d.id = c.holder_id
    WHERE d.successor_id IS NOT NULL AND d.valid_to <= %s AND c.depth < 16
),
holder (division_id, holder_id) AS (
    SELECT c.division_id, c.holder_id FROM chain c
    WHERE c.depth = (SELECT MAX(c2.depth) FROM chain c2 WHERE c2.division_id = c.division_id)
),
ancestry (division_id, ancestor_id) AS (
    SELECT id, id FROM divisions_division
    UNION ALL
    SELECT a.division_id, d.parent_id
    FROM ancestry a JOIN divisions_division d ON d.id = a.ancestor_id
    WHERE d.parent_id IS NOT NULL
),
region_holder (division_id, holder_id) AS MATERIALIZED (
    SELECT h.division_id, h.holder_id
    FROM holder h JOIN ancestry a ON a.division_id = h.holder_id
    WHERE a.ancestor_id = (SELECT id FROM divisions_division WHERE code = %s)
)"""


def fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def county_level_divisions(region_code: str, on: dt.date) -> list[tuple[int, str]]:
    """(id, code) of the districts and counties directly under the region, valid on ``on``."""
    return [
        (row[0], row[1])
        for row in fetch_all(
            """
            SELECT d.id, d.code FROM divisions_division d
            JOIN divisions_division r ON r.id = d.parent_id
            WHERE r.code = %s AND d.level IN ('district', 'county')
              AND (d.valid_from IS NULL OR d.valid_from <= %s)
              AND (d.valid_to IS NULL OR d.valid_to > %s)
            ORDER BY d.code
            """,
            [region_code, on, on],
        )
    ]


# ---------------------------------------------------------------------------------------
# A region's divisions, worked out once before timing
# ---------------------------------------------------------------------------------------

# As the models name them; plain strings so that nothing of the code under test is reused.
_COUNTY = ("district", "county")
_PREFECTURE = ("city", "prefecture")


def _valid(row: tuple[Any, ...], on: dt.date) -> bool:
    valid_from, valid_to = row[4], row[5]
    return (valid_from is None or valid_from <= on) and (valid_to is None or valid_to > on)


def region_map(
    region_code: str, on: dt.date
) -> tuple[list[tuple[int, str]], dict[int, tuple[int, bool]]]:
    """What an analyst would prepare once for a region and a date, before any query: the
    region's district rows (id, code), and for every division (past or present) whose
    territory lies in the region the district row it counts in and whether it got there
    through an ancestor.

    Read from the division table with one plain SELECT and walked here, independently of
    ``DivisionIndex``: successors of a division ended on or before the date; one ended
    without a successor falls to its parent (flagged); the district row is the nearest
    ancestor of that holder among the rows (the holder itself when none).
    """
    rows = fetch_all(
        "SELECT id, code, level, parent_id, valid_from, valid_to, successor_id, reuse_kind "
        "FROM divisions_division",
        [],
    )
    by_id = {row[0]: row for row in rows}
    meanings = [row for row in rows if row[1] == region_code]
    region = next((r for r in meanings if _valid(r, on)), None) or next(
        r for r in meanings if not r[7]
    )
    levels: tuple[str, ...]
    if region[2] == "province":
        levels = (*_PREFECTURE, *_COUNTY)
    elif region[2] in _PREFECTURE:
        levels = _COUNTY
    else:
        levels = ()
    districts = sorted(
        ((r[0], r[1]) for r in rows if r[3] == region[0] and r[2] in levels and _valid(r, on)),
        key=lambda d: d[1],
    )
    if not districts and region[2] in _COUNTY:
        districts = [(region[0], region[1])]
    district_ids = {pk for pk, _ in districts}

    def holder(pk: int) -> tuple[int, bool]:
        seen, through_parent = {pk}, False
        row = by_id[pk]
        while row[5] is not None and row[5] <= on:
            following = row[6] if row[6] is not None else row[3]
            if following is None or following in seen:
                break
            through_parent = through_parent or row[6] is None
            seen.add(following)
            row = by_id[following]
        return row[0], through_parent

    def ancestors(pk: int) -> list[int]:
        chain: list[int] = []
        current: int | None = pk
        while current is not None and current not in chain:
            chain.append(current)
            current = by_id[current][3]
        return chain

    mapping: dict[int, tuple[int, bool]] = {}
    for pk in by_id:
        held, through_parent = holder(pk)
        chain = ancestors(held)
        if region[0] not in chain:
            continue
        row_id = next((a for a in chain if a in district_ids), held)
        mapping[pk] = (row_id, through_parent)
    return districts, mapping
