"""``decimal_parse``: the one reader of typed numbers (amounts, quantities, scores)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuniu.core.validation import decimal_parse

# Decimal digits of every script but ASCII (Arabic-Indic, Devanagari, fullwidth...).
OTHER_DIGITS = st.characters(categories=("Nd",), exclude_characters="0123456789").filter(
    lambda ch: unicodedata.decimal(ch, None) is not None
)


@given(
    st.text(alphabet="0123456789.", max_size=8),
    OTHER_DIGITS,
    st.text(alphabet="0123456789", max_size=8),
)
def test_a_number_with_any_other_scripts_digit_is_none(before, digit, after):
    assert decimal_parse(before + digit + after) is None


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12
    )
)
def test_an_ascii_number_reads_back_as_itself(value):
    assert decimal_parse(str(value)) == value
    assert decimal_parse(f"  {value}\t") == value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("1e3", Decimal("1000")),
        (".5", Decimal("0.5")),
        (7, Decimal(7)),
        (2.5, Decimal("2.5")),
        (Decimal("3.10"), Decimal("3.10")),
        ("-0", Decimal(0)),
        ("١٢", None),
        ("１２", None),
        ("1_000", None),
        ("1e99999", None),
        ("NaN", None),
        ("-Infinity", None),
        (Decimal("sNaN"), None),
        (float("inf"), None),
        (True, None),
        (None, None),
        ([], None),
        ("", None),
        ("1 2", None),
        ("0x10", None),
    ],
)
def test_examples(raw, expected):
    assert decimal_parse(raw) == expected


def test_negative_zero_is_stored_as_zero():
    assert str(decimal_parse("-0.00")) == "0.00"
