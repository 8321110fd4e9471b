"""core.validation: the text and date checks every interface builds on, as properties over
generated input and as the exact messages people read."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from ninja import Schema
from pydantic import ValidationError as PydanticError

from shuniu.api.types import ApiDate, CleanStr, CleanText, SearchText
from shuniu.core.validation import (
    MAX_DATE,
    MIN_DATE,
    CleanCharField,
    RangeDateField,
    check_date,
    clean_text,
    date_problem,
    text_acceptable_throughout,
    text_problem,
)
from shuniu.interop import values

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\ufeff\u3164"
CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
# Letters, digits, punctuation, CJK and spaces: what names and addresses are made of.
PRINTABLE = st.characters(categories=("L", "N", "P", "S", "Zs"))
VISIBLE = st.characters(categories=("L", "N", "P", "S"))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- text: properties ----------------------------------------------------------------------


@given(st.text(PRINTABLE), VISIBLE, st.text(PRINTABLE))
def test_text_with_a_visible_character_and_no_controls_is_accepted(before, ch, after):
    value = before + ch + after
    assert text_problem(value) is None
    assert text_problem(value, multiline=True) is None
    assert clean_text(value, field="name") == value


@given(st.text(PRINTABLE), st.sampled_from(CONTROLS), st.text(PRINTABLE))
def test_a_control_character_is_refused_on_one_line_with_its_position(before, ch, after):
    problem = text_problem(before + ch + after)
    assert problem == (
        f"Remove the control character U+{ord(ch):04X} (position {len(before) + 1})."
    )


@given(st.text(PRINTABLE), st.sampled_from(CONTROLS), st.text(PRINTABLE))
def test_multiline_text_allows_tab_and_line_breaks_only(before, ch, after):
    problem = text_problem(before + ch + after, multiline=True)
    if ch in "\t\n\r":
        assert problem is None or problem.startswith("Write visible text")
    else:
        assert problem == (
            f"Remove the control character U+{ord(ch):04X} (position {len(before) + 1})."
        )


@given(st.text(PRINTABLE), st.sampled_from(BIDI), st.text(PRINTABLE), st.booleans())
def test_a_direction_control_is_refused_everywhere(before, ch, after, multiline):
    problem = text_problem(before + ch + after, multiline=multiline)
    assert problem == (
        f"Remove the direction control U+{ord(ch):04X} (position {len(before) + 1}): it can "
        "make text read differently from how it is stored."
    )


@given(st.text(PRINTABLE), st.integers(0xD800, 0xDFFF), st.text(PRINTABLE))
def test_a_lone_surrogate_is_refused(before, code, after):
    problem = text_problem(before + chr(code) + after)
    assert problem == (
        f"Remove the invalid character U+{code:04X} (position {len(before) + 1}): "
        "it is half of a character that was split."
    )


@given(st.text(st.sampled_from(INVISIBLE + " \u3000"), min_size=1))
def test_text_of_invisible_characters_only_is_refused(value):
    problem = text_problem(value)
    if value.strip():
        assert problem == "Write visible text: this holds only invisible characters."
    else:
        # Only spaces: blank, which each field's "required" decides about.
        assert problem is None


@given(st.text())
def test_the_verdict_matches_the_definition_for_any_text(value):
    # Any text is refused exactly when it holds a forbidden character or is invisible-only.
    forbidden = [
        ch
        for ch in value
        if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in BIDI or 0xD800 <= ord(ch) <= 0xDFFF
    ]
    invisible_only = bool(value.strip()) and all(
        ch.isspace() or ch in INVISIBLE or unicodedata.category(ch) == "Cf" for ch in value
    )
    problem = text_problem(value)
    assert (problem is None) == (not forbidden and not invisible_only)
    if forbidden:
        assert f"U+{ord(forbidden[0]):04X} (position {value.index(forbidden[0]) + 1})" in problem


@given(st.lists(st.text(), max_size=6))
def test_text_vouched_for_at_once_is_accepted_piece_by_piece(pieces):
    # given any pieces of text (the cells of a row) joined together
    joined = "".join(pieces)
    # when the whole is vouched for at once
    vouched = text_acceptable_throughout(joined)
    # then every piece, its white space folded, is accepted by the check of one value, and
    # a piece without an ASCII space has no other white space to fold
    if vouched:
        assert all(text_problem(" ".join(piece.split())) is None for piece in pieces)
        assert all(piece.split() == [piece] for piece in pieces if piece and " " not in piece)


@pytest.mark.parametrize(
    ("value", "vouched"),
    [
        ("张三,110101198503010011,东城区 助人社工事务所", True),
        ("张三\t李四", False),
        ("社工\u202e所", False),
        ("\u3164", False),
        ("张\u3000三", False),
        ("", True),
    ],
)
def test_text_vouched_for_at_once_exactly(value, vouched):
    assert text_acceptable_throughout(value) is vouched


def test_clean_text_names_the_field_and_the_length():
    with pytest.raises(ValidationError) as nul:
        clean_text("a\x00", field="name")
    with pytest.raises(ValidationError) as long:
        clean_text("社工" * 60, field="name", max_length=100)
    assert nul.value.message_dict == {"name": ["Remove the control character U+0000 (position 2)."]}
    assert long.value.message_dict == {"name": ["Write at most 100 characters (this has 120)."]}


def test_messages_are_translated():
    with translation.override("zh-hans"):
        assert text_problem("a\x00") == "请删除控制字符 U+0000（第 2 个字符）。"
        assert date_problem(dt.date(1, 1, 1)) == "请填写 1949-10-01 至 2100-12-31 之间的日期。"


# --- dates ---------------------------------------------------------------------------------


@given(st.dates())
def test_a_date_is_accepted_exactly_within_the_range(value):
    problem = date_problem(value)
    if MIN_DATE <= value <= MAX_DATE:
        assert problem is None
        assert check_date(value, field="as_of") == value
    else:
        assert problem == "Give a date between 1949-10-01 and 2100-12-31."
        with pytest.raises(ValidationError) as refused:
            check_date(value, field="as_of")
        assert refused.value.message_dict == {"as_of": [problem]}


# --- the API's types ------------------------------------------------------------------------


class Query(Schema):
    on: ApiDate | None = None
    name: CleanStr = ""
    note: CleanText = ""
    q: SearchText | None = None


def _errors(**data) -> list[tuple[str, str]]:
    try:
        Query(**data)
    except PydanticError as exc:
        return [(str(e["loc"][-1]), e["msg"]) for e in exc.errors()]
    return []


@given(st.dates())
def test_api_dates_take_iso_text_within_the_range(value):
    errors = _errors(on=value.isoformat())
    if MIN_DATE <= value <= MAX_DATE:
        assert errors == []
        assert Query(on=value.isoformat()).on == value
    else:
        assert errors == [("on", "Give a date between 1949-10-01 and 2100-12-31.")]


@pytest.mark.parametrize(
    "value", [0, 1_700_000_000, "0", "2010-1-1", "20100101", "2010-01-01T00:00", 2010.0]
)
def test_api_dates_refuse_numbers_and_other_shapes(value):
    assert _errors(on=value) == [("on", "Write the date as YYYY-MM-DD, for example 2010-12-31.")]


def test_api_text_types():
    assert _errors(name="社工\x00", note="一\n\t二", q="\u202e") == [
        ("name", "Remove the control character U+0000 (position 3)."),
        (
            "q",
            "Remove the direction control U+202E (position 1): it can make text read "
            "differently from how it is stored.",
        ),
    ]
    assert [field for field, _msg in _errors(q="x" * 101)] == ["q"]
    assert _errors(name="社工", note="一\n\t二", q="社") == []


def test_api_dates_are_documented_as_iso_dates_in_the_schema():
    schema = Query.model_json_schema()
    on = schema["properties"]["on"]["anyOf"][0]
    assert on == {
        "type": "string",
        "format": "date",
        "description": "YYYY-MM-DD, from 1949-10-01 to 2100-12-31.",
    }


# --- forms ----------------------------------------------------------------------------------


class Form(forms.Form):
    name = CleanCharField(required=False)
    note = CleanCharField(required=False, widget=forms.Textarea)
    on = RangeDateField(required=False)


def test_form_fields_refuse_with_one_message_each():
    form = Form({"name": "社工\x00", "note": "一\r\n\x0b二", "on": "9999-12-31"})
    assert not form.is_valid()
    assert form.errors == {
        "name": ["Remove the control character U+0000 (position 3)."],
        "note": ["Remove the control character U+000B (position 4)."],
        "on": ["Give a date between 1949-10-01 and 2100-12-31."],
    }
    assert Form({"name": "社工", "note": "一\r\n二", "on": "2100-12-31"}).is_valid()


# --- import cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("0001-01-01", "Give a date between 1949-10-01 and 2100-12-31."),
        ("9999/12/31", "Give a date between 1949-10-01 and 2100-12-31."),
        (dt.datetime(1900, 1, 1), "Give a date between 1949-10-01 and 2100-12-31."),  # noqa: DTZ001 a spreadsheet cell: Excel dates carry no zone
        (1000, "Give a date between 1949-10-01 and 2100-12-31."),
        ("1949年9月", "Give a date between 1949-10-01 and 2100-12-31."),
        ("2010-01-01\x00", "Remove the control character U+0000 (position 11)."),
    ],
)
def test_import_date_cells_outside_the_range_are_refused(cell, message):
    with pytest.raises(values.CellError) as refused:
        values.date(cell)
    assert str(refused.value) == message


def test_import_text_cells_refuse_controls_but_fold_line_breaks():
    assert values.text("东城区\n助人  社工\t事务所") == "东城区 助人 社工 事务所"
    assert values.date("1949年10月") == (dt.date(1949, 10, 1), "month")
    with pytest.raises(values.CellError) as bidi:
        values.text("社工\u202e所务事")
    with pytest.raises(values.CellError) as invisible:
        values.text("\u200b\u200b")
    assert str(bidi.value).startswith("Remove the direction control U+202E (position 3)")
    assert str(invisible.value) == "Write visible text: this holds only invisible characters."


def test_an_import_reports_bad_cells_by_row_and_column_and_writes_nothing(db, tmp_path):
    from shuniu.registry.models import Organization
    from tests.interop.conftest import HEADER_ZH, run_command

    # given a CSV with a founding date in year 9999 and a name with a direction control
    path = tmp_path / "orgs.csv"
    lines = [
        HEADER_ZH,
        ",甲社工事务所,社工事务所,东城区,9999-01-01,,,",
        ",乙\u202e所,社工事务所,东城区,,,,",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    # when it is imported
    result = run_command("organizations", str(path), "--lang", "en")
    # then each problem is reported with its row and column, and nothing is written
    assert result.code != 0
    assert result.err_lines[:2] == [
        "row 2, column 成立日期: Give a date between 1949-10-01 and 2100-12-31.",
        "row 3, column 名称: Remove the direction control U+202E (position 2): it can make text "
        "read differently from how it is stored.",
    ]
    assert Organization.objects.count() == 0
