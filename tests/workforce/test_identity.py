"""Resident ID numbers (GB 11643-1999): validation, legacy conversion, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuniu.workforce import identity
from shuniu.workforce.identity import (
    InvalidIdNumber,
    check_char,
    generate_id_number,
    mask,
    parse_id_number,
)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("440524188001010014", dt.date(1880, 1, 1), "M"),
    ],
)
def test_the_standards_examples_are_valid(number, birth, sex):
    # when
    parsed = parse_id_number(number)
    # then: sex and birth date are derived from the number
    assert (parsed.number, parsed.birth_date, parsed.sex) == (number, birth, sex)


def test_a_lower_case_x_and_spaces_are_normalised():
    assert parse_id_number(" 110105 19491231 002x ").number == "11010519491231002X"
    # the number as written down, without spaces (read without normalising)
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"
    assert parse_id_number("11010519491231002X").number == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        # str.isdigit() accepts these, but they are not the digits of an ID number: a
        # superscript made int() raise a plain ValueError (a 500 past the callers' except)
        "²10105194912310021",
        "1101051949123100²X",
        "²10105194912310",
        # Arabic-Indic digits passed as a second spelling of 11010519491231002X
        "".join(chr(0x0660 + int(c)) for c in "11010519491231002") + "X",
    ],
)
def test_digits_other_than_ascii_and_full_width_are_refused(raw):
    with pytest.raises(InvalidIdNumber):
        parse_id_number(raw)


def test_a_wrong_check_character_is_refused_naming_the_expected_one():
    with pytest.raises(InvalidIdNumber, match="expected X"):
        parse_id_number("110105194912310021")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1101051949123100", "18 characters"),
        ("11010519491331002X", "does not exist"),
        ("11010530001231002X", "not plausible"),
        ("00010519491231002X", "address code"),
        ("1101051949123100AX", "17 digits"),
        ("11010549123100A", "digits only"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(raw, reason):
    with pytest.raises(InvalidIdNumber, match=reason):
        parse_id_number(raw)


def test_birth_dates_remembered_stay_right_and_an_impossible_one_is_still_refused(monkeypatch):
    # given a memo of birth dates that holds two
    monkeypatch.setattr(identity, "_BIRTH_DATES", {})
    monkeypatch.setattr(identity, "_BIRTH_DATES_LIMIT", 2)
    births = [dt.date(1949, 12, 31), dt.date(1980, 2, 29), dt.date(1990, 7, 15)]
    numbers = [
        generate_id_number(address_code="110105", birth_date=birth, sequence=2) for birth in births
    ]
    # when each is parsed twice (the third clears the memo)
    parsed = [parse_id_number(number).birth_date for number in numbers + numbers]
    # then every date is the number's, the memo stays within its limit, and a date that
    # does not exist is refused after the others were remembered
    assert parsed == births + births
    assert len(identity._BIRTH_DATES) <= 2
    with pytest.raises(InvalidIdNumber, match="the birth date 19491331 does not exist"):
        parse_id_number("11010519491331002X")


def test_a_legacy_15_digit_number_is_converted_to_18():
    # given the 15-digit form of 11010519491231002X (no century, no check character)
    legacy = "110105491231002"
    # when
    parsed = parse_id_number(legacy)
    # then
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)


def test_mask_keeps_the_first_six_and_last_four():
    assert mask("11010519491231002X") == "110105********002X"


ADDRESSES = st.sampled_from(["110101", "110102", "110228", "310115", "440303", "440524"])
BIRTHS = st.dates(dt.date(1900, 1, 1), dt.date(2005, 12, 31))


@given(address=ADDRESSES, birth=BIRTHS, sequence=st.integers(0, 999))
def test_every_generated_number_validates(address, birth, sequence):
    number = generate_id_number(address_code=address, birth_date=birth, sequence=sequence)
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(
    address=ADDRESSES,
    birth=BIRTHS,
    sequence=st.integers(0, 999),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_change_in_the_first_17_is_caught(
    address, birth, sequence, position, delta
):
    # given a valid number with one of its first 17 digits changed
    number = generate_id_number(address_code=address, birth_date=birth, sequence=sequence)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    # then the check character no longer matches (whatever else may also be wrong)
    assert check_char(changed[:17]) != changed[17]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed)
