"""The API's pydantic types for ninja schemas and query parameters: the checks of
``shuniu.core.validation`` in the shape pydantic takes. Apart from that module so that only the
API imports pydantic (a command or a page that never builds the API does not pay for it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from shuniu.core.validation import (
    ISO_DATE,
    MAX_DATE,
    MAX_SEARCH_LENGTH,
    MIN_DATE,
    date_problem,
    decimal_parse,
    text_problem,
)


def _pydantic_text(multiline: bool) -> Any:
    def check(value: str) -> str:
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            raise PydanticCustomError("text", problem)
        return value

    return AfterValidator(check)


def _iso_date_only(value: Any) -> Any:
    # pydantic reads numbers as Unix times (as_of=0 is 1970-01-01) and accepts date-times;
    # a date parameter is only ever written YYYY-MM-DD.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError(
        "date_format", _("Write the date as YYYY-MM-DD, for example 2010-12-31.")
    )


def _in_range(value: dt.date) -> dt.date:
    problem = date_problem(value)
    if problem is not None:
        raise PydanticCustomError("date_range", problem)
    return value


def _ascii_number(value: Any) -> Any:
    # pydantic reads "١٢" as 12 and "1_000" as 1000; an amount is written in ASCII digits.
    if isinstance(value, str) and decimal_parse(value) is None:
        raise PydanticCustomError("decimal_format", _("Enter a number, such as 1200.50."))
    return value


_DATE_SCHEMA = {
    "type": "string",
    "format": "date",
    "description": f"YYYY-MM-DD, from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}.",
}

# The largest id a database row can have (64-bit integers on SQLite and PostgreSQL).
MAX_ID = 2**63 - 1
# A record's id in a query parameter: ``__in`` lookups do not take a larger integer.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
# One line of text (a name, an address, a code).
CleanStr = Annotated[str, _pydantic_text(multiline=False)]
# Several lines (a note, a description, a source): tab and line breaks allowed.
CleanText = Annotated[str, _pydantic_text(multiline=True)]
# A search fragment.
SearchText = Annotated[str, Field(max_length=MAX_SEARCH_LENGTH), _pydantic_text(multiline=False)]
# A number (an amount, a quantity, a score) written in ASCII digits; its range is the
# service's to check.
ApiDecimal = Annotated[Decimal, BeforeValidator(_ascii_number)]
# A date written YYYY-MM-DD within the documented range.
ApiDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date_only),
    AfterValidator(_in_range),
    WithJsonSchema(_DATE_SCHEMA),
]
