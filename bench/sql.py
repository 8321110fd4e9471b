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
