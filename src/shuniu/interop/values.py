"""Reading one cell: text, dates as people write them, choices by code or label, lists."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from shuniu.core.validation import date_problem, text_problem
from shuniu.interop.tables import FormulaWithoutValue

DAY, MONTH, YEAR = "day", "month", "year"

_FULL_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00)?)?")
_CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})|(\d{4})年(\d{1,2})月")
_YEAR = re.compile(r"(\d{4})年?")
# Separators people put between several values in one cell.
_LIST_SEPARATORS = re.compile(r"[;；,，、|｜]")


class CellError(ValueError):
    """The cell cannot be read; the message says why, in the active language."""


def checked(value: str) -> str:
    """``value`` if it is acceptable text (core.validation), else a CellError saying why."""
    problem = text_problem(value)
    if problem is not None:
        raise CellError(problem)
    return value


def text(value: Any) -> str:
    """A cell as text, on one line. Excel stores typed-in codes as numbers: 110101, not
    110101.0. Control and direction characters are refused (line breaks and tabs become
    spaces)."""
    if value is None:
        return ""
    if isinstance(value, FormulaWithoutValue):
        raise CellError(
            _("a formula without a computed value; save the file in Excel or paste values")
        )
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return checked(" ".join(str(value).split()))


def _in_range(parsed: tuple[dt.date, str]) -> tuple[dt.date, str]:
    problem = date_problem(parsed[0])
    if problem is not None:
        raise CellError(problem)
    return parsed


def date(value: Any) -> tuple[dt.date, str] | None:
    """A date and its precision (day, month or year); month and year mean their first day.
    Dates outside core.validation's range are refused."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _in_range((value.date(), DAY))
    if isinstance(value, dt.date):
        return _in_range((value, DAY))
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return _in_range((dt.date(value, 1, 1), YEAR))
    raw = text(value)
    if not raw:
        return None
    parsed: tuple[dt.date, str] | None = None
    try:
        if match := (_FULL_DATE.fullmatch(raw) or _CHINESE_DATE.fullmatch(raw)):
            year, month, day = (int(g) for g in match.groups())
            parsed = dt.date(year, month, day), DAY
        elif match := _MONTH.fullmatch(raw):
            year, month = (int(g) for g in match.groups() if g is not None)
            parsed = dt.date(year, month, 1), MONTH
        elif match := _YEAR.fullmatch(raw):
            parsed = dt.date(int(match.group(1)), 1, 1), YEAR
    except ValueError:
        pass
    if parsed is not None:
        return _in_range(parsed)
    raise CellError(
        _("%(value)s is not a date; write YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日 or YYYY-MM.")
        % {"value": raw}
    )


def _token(value: str) -> str:
    return "".join(ch for ch in value if not ch.isspace() and ch not in "-_").lower()


class Choices:
    """The values of one coded field, recognised by code, label in any language, synonym.

    ``names`` gives each code's Chinese names, the first being the one templates offer.
    """

    def __init__(
        self,
        choices: Iterable[tuple[str, str | Promise]],
        names: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.choices = list(choices)
        self.names = dict(names)
        self.by_token: dict[str, str] = {}
        for code, label in self.choices:
            tokens = {code, *self.names.get(code, ())}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    tokens.add(str(label))
            with translation.override(None):
                tokens.add(str(label))
            for token in tokens:
                existing = self.by_token.setdefault(_token(token), code)
                if existing != code:
                    raise ValueError(f"{token!r} names both {existing!r} and {code!r}")

    def display(self, code: str) -> str:
        names = self.names.get(code)
        return names[0] if names else code

    def displays(self) -> list[str]:
        return [self.display(code) for code, _label in self.choices]

    def parse(self, value: Any) -> str:
        raw = text(value)
        if not raw:
            return ""
        code = self.by_token.get(_token(raw))
        if code is None:
            allowed = ", ".join(f"{self.display(c)} ({c})" for c, _label in self.choices)
            raise CellError(
                _("Unknown value %(value)s; one of: %(allowed)s.")
                % {"value": raw, "allowed": allowed}
            )
        return code


def split_list(value: Any) -> list[str]:
    """Several values in one cell, separated by ; ； , ， 、 or |."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text(value)) if part.strip()]
