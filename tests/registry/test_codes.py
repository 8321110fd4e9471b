import os

import django.conf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuniu.registry.codes import (
    EXPECTED_PREFIX,
    FOUNDATION,
    GOVERNMENT,
    PUBLIC_INSTITUTION,
    SOCIAL_GROUP,
    SOCIAL_SERVICE,
    USCC_ALPHABET,
    CodeProblem,
    generate_uscc,
    is_synthetic_uscc,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    uscc_problems,
)

# Messages go through gettext, which needs settings. Under pytest-django the
# project settings are used; without it (-p no:django) configure a minimal set.
if not django.conf.settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    django.conf.settings.configure(USE_I18N=False)

STANDARD_EXAMPLE = "91350100M000100Y43"


def codes_of(problems: list[CodeProblem]) -> list[str]:
    return [problem.code for problem in problems]


def test_standard_worked_example_is_valid():
    # given the worked example of GB 32100-2015
    # when it is validated
    problems = uscc_problems(STANDARD_EXAMPLE)
    # then nothing is wrong with it
    assert problems == []


def test_check_characters_of_the_standard_example():
    # given the first 17 characters and the organization-code body of the example
    # when the check characters are computed
    # then they are the ones printed in the standard
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert org_code_check_char("M000100Y") == "4"


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("00000000", "0"),  # 11 - 0 = 11 -> '0'
        ("00000001", "9"),
        ("00000006", "X"),  # 6 * 2 = 12, 11 - 1 = 10 -> 'X'
        ("D2143569", "X"),  # the GB 11714 example D2143569-X
    ],
)
def test_org_code_check_char_special_values(body, check):
    # given an organization-code body
    # when its GB 11714 check character is computed
    # then remainders 10 and 11 map to 'X' and '0'
    assert org_code_check_char(body) == check


def test_standard_example_with_z_is_an_alphabet_problem():
    # given the standard's invalid variant, whose last character Z is outside the alphabet
    # when it is validated
    problems = uscc_problems("91350100M000100Y4Z")
    # then the only problem is the alphabet, and it is not a check error
    assert codes_of(problems) == ["alphabet"]
    assert problems[0].is_check_error is False
    assert "18" in problems[0].message


def test_wrong_in_alphabet_check_character_is_only_a_check_problem():
    # given the example with a wrong last character that is in the alphabet
    # when it is validated
    problems = uscc_problems("91350100M000100Y44")
    # then exactly one check problem is found, and it may be overridden
    assert codes_of(problems) == ["check"]
    assert problems[0].is_check_error is True
    assert "3" in problems[0].message


def test_wrong_org_code_check_character_with_consistent_c18():
    # given the example with a wrong organization-code check character and a C18 recomputed
    first17 = "91350100M000100Y5"
    code = first17 + uscc_check_char(first17)
    # when it is validated
    problems = uscc_problems(code)
    # then exactly an org_check problem, which is a check error
    assert codes_of(problems) == ["org_check"]
    assert problems[0].is_check_error is True


def test_impossible_org_check_character_is_structural():
    # given a code whose position 17 is a letter other than X, with C18 recomputed
    first17 = "91350100M000100YA"
    code = first17 + uscc_check_char(first17)
    # when it is validated
    problems = uscc_problems(code)
    # then the problem is structural, not an overridable check error
    assert codes_of(problems) == ["org_check_format"]
    assert problems[0].is_check_error is False


def test_letter_in_division_is_a_division_problem():
    # given a code with a letter in the division code, with C18 recomputed
    first17 = "9135010AM000100Y4"
    code = first17 + uscc_check_char(first17)
    # when it is validated
    # then only the division is wrong
    assert codes_of(uscc_problems(code)) == ["division"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91350100M000100Y4", ["length"]),
        ("91350100M000100Y433", ["length"]),
        ("", ["length"]),
        ("91350100M000100Z4", ["length", "alphabet"]),
    ],
)
def test_wrong_length(code, expected):
    # given a code of the wrong length
    # when it is validated
    # then length (and alphabet, if a bad character is present) are the only problems
    assert codes_of(uscc_problems(code)) == expected


def test_length_message_gives_the_length():
    # given a 17-character code
    # when it is validated
    (problem,) = uscc_problems("91350100M000100Y4")
    # then the message names the length found
    assert "17" in problem.message


def test_lowercase_is_an_alphabet_problem_until_normalized():
    # given the example typed in lower case
    raw = "91350100m000100y43"
    # when validated as is, and after normalization
    # then the raw form fails on the alphabet and the normalized form is the example
    assert codes_of(uscc_problems(raw)) == ["alphabet"]
    assert normalize_uscc(raw) == STANDARD_EXAMPLE
    assert uscc_problems(normalize_uscc(raw)) == []


def test_full_width_and_spaces_are_normalized():
    # given the example in full-width characters with ASCII, full-width and zero-width spaces
    raw = " ９１３５\u3000０１００ ｍ０００１００Ｙ４３\u200b\n"
    # when normalized
    # then it is the plain example
    assert normalize_uscc(raw) == STANDARD_EXAMPLE


def test_normalization_keeps_other_characters():
    # given a code with a hyphen
    # when normalized
    # then the hyphen stays, so validation still reports it
    assert normalize_uscc("91350100-m000100y4") == "91350100-M000100Y4"


def test_category_mismatch_with_legal_form():
    # given a valid social-service (民办非企业单位) code
    code = generate_uscc(authority="5", category="2", division="440300", serial=1)
    # when validated against each legal form
    # then only the matching legal form passes, the others have exactly a category problem
    assert uscc_problems(code, legal_form=SOCIAL_SERVICE) == []
    for form in (SOCIAL_GROUP, FOUNDATION, PUBLIC_INSTITUTION, GOVERNMENT):
        problems = uscc_problems(code, legal_form=form)
        assert codes_of(problems) == ["category"]
        assert problems[0].is_check_error is False


def test_expected_prefixes():
    # given the legal forms of the project
    # then their authority and category characters are those of GB 32100
    assert EXPECTED_PREFIX == {
        "social_group": ("5", "1"),
        "social_service": ("5", "2"),
        "foundation": ("5", "3"),
        "public_institution": ("1", "2"),
        "government": ("1", "1"),
    }


def test_unknown_legal_form_is_a_programming_error():
    # given a legal form the project does not know
    # when a code is validated against it
    # then ValueError is raised
    with pytest.raises(ValueError, match="legal form"):
        uscc_problems(STANDARD_EXAMPLE, legal_form="company")


def test_generate_uscc_exact_values():
    # given fixed arguments
    # when codes are generated
    # then they are these (checked by hand: Y0000001 -> 6, C18 sum 1031 -> P)
    assert generate_uscc(division="440300", serial=1) == "52440300Y00000016P"
    assert (
        generate_uscc(authority="1", category="2", division="110105", serial=1234567, prefix="W")
        == "12110105W12345674X"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"division": "44030", "serial": 1},
        {"division": "4403001", "serial": 1},
        {"division": "44030A", "serial": 1},
        {"division": "44030٣", "serial": 1},  # an Arabic-Indic digit
        {"division": "440300", "serial": -1},
        {"division": "440300", "serial": 10_000_000},
        {"division": "440300", "serial": 1, "prefix": "M"},
        {"division": "440300", "serial": 1, "prefix": "S"},
        {"division": "440300", "serial": 1, "prefix": "7"},
        {"division": "440300", "serial": 1, "prefix": "YY"},
        {"division": "440300", "serial": 1, "authority": "Z"},
        {"division": "440300", "serial": 1, "category": ""},
    ],
)
def test_generate_uscc_rejects_bad_input(kwargs):
    # given an out-of-range or malformed argument
    # when a code is generated
    # then ValueError is raised
    with pytest.raises(ValueError):  # noqa: PT011
        generate_uscc(**kwargs)


def test_is_synthetic_uscc():
    # given a generated code, the standard's real example and a generated code with a bad C18
    generated = generate_uscc(division="440300", serial=1)
    # when asked whether they are synthetic
    # then only the valid generated code is
    assert is_synthetic_uscc(generated) is True
    assert is_synthetic_uscc(STANDARD_EXAMPLE) is False
    assert is_synthetic_uscc(generated[:17] + "Q") is False
    assert is_synthetic_uscc(generated[:10]) is False
    assert is_synthetic_uscc(generate_uscc(division="440300", serial=1, prefix="W")) is False
    assert (
        is_synthetic_uscc(generate_uscc(division="440300", serial=1, prefix="W"), prefix="W")
        is True
    )


divisions = st.text(alphabet="0123456789", min_size=6, max_size=6)
serials = st.integers(min_value=0, max_value=9_999_999)
alphabet_chars = st.sampled_from(USCC_ALPHABET)


@given(authority=alphabet_chars, category=alphabet_chars, division=divisions, serial=serials)
def test_every_generated_code_is_valid_and_synthetic(authority, category, division, serial):
    # given any generator arguments
    # when a code is generated
    code = generate_uscc(authority=authority, category=category, division=division, serial=serial)
    # then it has no problems and is recognized as synthetic
    assert uscc_problems(code) == []
    assert is_synthetic_uscc(code)


@given(
    category=st.sampled_from("123"),
    division=divisions,
    serial=serials,
    position=st.integers(min_value=0, max_value=17),
    replacement=alphabet_chars,
)
def test_any_single_character_change_is_caught(category, division, serial, position, replacement):
    # given a valid code and a different alphabet character for one position
    code = generate_uscc(category=category, division=division, serial=serial)
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    # when the changed code is validated
    problems = uscc_problems(changed)
    # then a problem is found: C18 covers every position with a weight prime to 31
    assert problems != []
    assert "check" in codes_of(problems)


@given(st.text())
def test_normalize_is_idempotent(raw):
    # given any text
    # when normalized twice
    # then the second pass changes nothing
    once = normalize_uscc(raw)
    assert normalize_uscc(once) == once


@given(st.text(alphabet=USCC_ALPHABET + "abcdefghjklmnpqrtuwxy \u3000\t"))
def test_normalize_leaves_no_whitespace_or_lowercase(raw):
    # given text made of code characters, lower-case letters and spaces
    # when normalized
    normalized = normalize_uscc(raw)
    # then only alphabet characters remain
    assert set(normalized) <= set(USCC_ALPHABET)
