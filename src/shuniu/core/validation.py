"""Input hygiene in one place: the text and dates every interface accepts.

Text (names, addresses, notes, search terms) must not hold

- control characters: C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F); tab, line feed and
  carriage return only where the input is multi-line (a textarea sends CR LF);
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): they make
  a name display differently from how it is stored and searched ("Trojan Source");
- lone surrogates (U+D800-U+DFFF): JSON can escape them, no database or file can store them;
- and it must not be made of invisible characters only (zero-width spaces and joiners, word
  joiner, BOM, soft hyphen...): such a value looks blank but is not.

Dates lie between ``MIN_DATE`` (the founding of the People's Republic, before any record of
the sector) and ``MAX_DATE``; outside that range a date is a typing error, and date arithmetic
near year 1 or 9999 overflows. Birth dates are the one exception (people born before 1949).

The checks are written once (``text_problem``, ``date_problem``) and offered in the shape each
interface needs: ``clean_text``/``check_date`` for services, pydantic ``Annotated`` types for
the API schemas and query parameters (``shuniu.api.types``, kept apart so that only the API
imports pydantic: every command would pay for it on start), Django validators and form
fields for the pages, and ``model_field_errors`` for ``full_clean`` (so the admin and every
service refuse them too).
The import column parsers (``interop.values``) call ``text_problem``/``date_problem``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIN_DATE = dt.date(1949, 10, 1)
MAX_DATE = dt.date(2100, 12, 31)
# The longest search text the API and the pages take.
MAX_SEARCH_LENGTH = 100
# The highest page number any list takes (API and pages): 10⁹ pages of up to 200 rows is an
# offset of 2·10¹¹, well within the 64-bit integers databases take.
MAX_PAGE = 1_000_000_000

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SURROGATES = "\ud800-\udfff"
# C0 controls, DEL and C1 controls, bidi controls and lone surrogates; in multi-line text
# tab, line feed and carriage return are allowed.
_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{''.join(sorted(_BIDI))}{_SURROGATES}]")
_FORBIDDEN_MULTILINE = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{''.join(sorted(_BIDI))}{_SURROGATES}]"
)
# Characters that show nothing (besides white space): zero-width space, joiners, word
# joiner, invisible operators, BOM, soft hyphen, combining grapheme joiner, Mongolian vowel
# separator, Hangul fillers.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064"
    "\u3164\ufeff\uffa0"
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A number as people type it, in ASCII digits only: Python's Decimal (and pydantic's) also
# reads other scripts' digits ("١٢" is 12), underscores ("1_000") and "NaN"/"Infinity".
_ASCII_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?", re.ASCII)


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _is_invisible(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) == "Cf"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is not acceptable text, in the active language; ``None`` if it is.

    An empty (or blank) value is acceptable here: whether a field is required is the
    field's business. One regular-expression search in the common case, so that imports of
    a million rows can afford it on every cell.
    """
    match = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(value)
    if match is not None:
        ch = match.group()
        params = {"code": _code(ch), "position": match.start() + 1}
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return (
                _(
                    "Remove the invalid character %(code)s (position %(position)d): "
                    "it is half of a character that was split."
                )
                % params
            )
        if ch in _BIDI:
            return (
                _(
                    "Remove the direction control %(code)s (position %(position)d): it can "
                    "make text read differently from how it is stored."
                )
                % params
            )
        return _("Remove the control character %(code)s (position %(position)d).") % params
    first = value[:1]
    if first.isprintable() and first not in _INVISIBLE and not first.isspace():
        # A visible first character (printable excludes format characters): the common
        # case, decided without looking at the others.
        return None
    if value.strip() and all(_is_invisible(ch) for ch in value):
        return _("Write visible text: this holds only invisible characters.")
    return None


# The characters of _INVISIBLE that str.isprintable() accepts (the others are format
# characters, which it refuses).
_PRINTABLE_INVISIBLE = re.compile(
    "[" + "".join(sorted(ch for ch in _INVISIBLE if ch.isprintable())) + "]"
)


def text_acceptable_throughout(value: str) -> bool:
    """Whether ``text_problem`` accepts every piece of ``value`` (every cell of a row joined
    together, say) once runs of spaces are collapsed and the ends stripped: one test for
    many values, so that bulk imports check a row at once instead of each cell. ``False``
    means only "look at each piece"; then ``text_problem`` decides.

    Printable text (``str.isprintable``) has no control, format, direction or separator
    character other than the ASCII space and no lone surrogate, so nothing ``text_problem``
    refuses, except pieces made only of the few printable characters that show nothing:
    text holding any of those is not vouched for.
    """
    return value.isprintable() and _PRINTABLE_INVISIBLE.search(value) is None


def date_problem(value: dt.date) -> str | None:
    """Why ``value`` is not an acceptable date; ``None`` if it is."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if MIN_DATE <= value <= MAX_DATE:
        return None
    return _("Give a date between %(first)s and %(last)s.") % {
        "first": MIN_DATE.isoformat(),
        "last": MAX_DATE.isoformat(),
    }


def decimal_parse(raw: Any) -> Decimal | None:
    """``raw`` as a finite Decimal when it is one, an int or a finite float, or text of ASCII
    digits (spaces around allowed, an exponent of at most 4 digits); None for anything else
    (booleans, NaN, infinities, other scripts' digits, "1_000", lists...)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal | int | float):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not _ASCII_NUMBER.fullmatch(text):
            return None
    else:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    # "-0" is 0 (a stored amount is never negative zero).
    return value + 0 if value.is_finite() else None


def body_limit_message() -> str:
    """What a request over DATA_UPLOAD_MAX_MEMORY_SIZE is told (API 413 and the 413 page)."""
    from django.conf import settings

    size = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / (1024 * 1024)
    return _("The request body may hold at most %(size)s MB.") % {"size": f"{size:g}"}


# ---------------------------------------------------------------------------------------
# Services: raise a ValidationError naming the field


def clean_text(
    value: str, *, field: str, multiline: bool = False, max_length: int | None = None
) -> str:
    """``value`` if it is acceptable text, else a ValidationError naming ``field``."""
    problem = text_problem(value, multiline=multiline)
    if problem is None and max_length is not None and len(value) > max_length:
        problem = _("Write at most %(max)d characters (this has %(length)d).") % {
            "max": max_length,
            "length": len(value),
        }
    if problem is not None:
        raise ValidationError({field: [problem]})
    return value


def check_date(value: dt.date, *, field: str) -> dt.date:
    """``value`` if it lies in the documented range, else a ValidationError naming ``field``."""
    problem = date_problem(value)
    if problem is not None:
        raise ValidationError({field: [problem]})
    return value


# ---------------------------------------------------------------------------------------
# Pages: validators and form fields


@deconstructible
class TextValidator:
    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):
            problem = text_problem(value, multiline=self.multiline)
            if problem is not None:
                raise ValidationError(problem, code="text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


validate_text = TextValidator()
validate_multiline_text = TextValidator(multiline=True)


def validate_date(value: Any) -> None:
    if isinstance(value, dt.date):
        problem = date_problem(value)
        if problem is not None:
            raise ValidationError(problem, code="date_range")


class CleanCharField(forms.CharField):
    """A CharField that refuses what ``text_problem`` refuses; multi-line when its widget is
    a textarea."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        multiline = isinstance(self.widget, forms.Textarea)
        # Ours names the NUL and where it is; Django's own would say it a second time.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        self.validators.append(validate_multiline_text if multiline else validate_text)


# The error message of a page number form field above MAX_PAGE (its max_value).
PAGE_TOO_LARGE = gettext_lazy("There is no page %(value)s: page numbers go up to %(limit_value)s.")


class RangeDateField(forms.DateField):
    """A DateField that takes only dates in the documented range."""

    default_validators = [validate_date]


# ---------------------------------------------------------------------------------------
# Models: checked by full_clean (services, the admin)


def model_field_errors(
    instance: models.Model,
    *,
    exclude: Collection[str] | None = None,
    unbounded_dates: Iterable[str] = (),
) -> dict[str, list[str]]:
    """The text and date problems of ``instance``'s own fields, by field name.

    Text fields are multi-line, character fields single-line; dates must lie in the range
    except the fields named in ``unbounded_dates``.
    """
    skip = set(exclude or ()) | set(unbounded_dates)
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        value = getattr(instance, field.attname, None)
        problem: str | None = None
        if isinstance(field, models.TextField) and isinstance(value, str):
            problem = text_problem(value, multiline=True)
        elif isinstance(field, models.CharField) and isinstance(value, str):
            problem = text_problem(value)
        elif (
            isinstance(field, models.DateField)
            and not isinstance(field, models.DateTimeField)
            and isinstance(value, dt.date)
        ):
            problem = date_problem(value)
        if problem is not None:
            errors[field.name] = [problem]
    return errors
