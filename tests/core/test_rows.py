"""Both bulk imports report row problems with the one ``RowError`` of ``core``."""

from __future__ import annotations

from shuniu.core.rows import RowError
from shuniu.registry import bulk as registry_bulk
from shuniu.workforce import bulk as workforce_bulk


def test_both_imports_share_one_row_error():
    # given / when the class each import reports with
    registry_error = registry_bulk.RowError
    workforce_error = workforce_bulk.RowError
    # then it is the same class
    assert registry_error is RowError
    assert workforce_error is RowError
