"""How a table cell reads on a page: amounts and shares (floats in the chart tables, which the
downloads write as numbers) with two decimals and grouped thousands, as the user's language
writes them; everything else as it is."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value: Any) -> Any:
    if isinstance(value, float):
        return number_format(value, decimal_pos=2, force_grouping=True)
    return value
