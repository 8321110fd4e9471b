"""How a cell of the sector report reads: whole numbers grouped, amounts with two decimals,
shares as percentages, dates as ISO dates and nothing as a dash (the XLSX writes the same
cells as numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from shuniu.interop.report_tables import Share

register = template.Library()


@register.filter
def report_cell(value: Any) -> Any:
    if value is None:
        return "—"
    if isinstance(value, Share):
        # Rounded here: number_format cuts a Decimal's extra places off instead of rounding.
        percent = (value * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return number_format(percent, decimal_pos=1) + "%"
    if isinstance(value, Decimal):
        # Amounts and ratios keep two places, finer figures (per 10,000 residents) their own.
        places = max(2, -int(value.as_tuple().exponent))
        return number_format(value, decimal_pos=places, force_grouping=True)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@register.filter
def report_cell_class(value: Any) -> str:
    """Numbers align right, dates keep to one line, text reads from the left."""
    if isinstance(value, bool | str):
        return ""
    if value is None or isinstance(value, int | Decimal):
        return "num"
    if isinstance(value, dt.date):
        return "date"
    return ""
