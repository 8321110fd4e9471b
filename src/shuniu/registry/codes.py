"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

Layout of the 18 characters (1-based positions):

====  =====================================================================
1     registration authority (1 机构编制, 5 民政, 9 工商, …)
2     category within the authority (for 民政: 1 社会团体,
      2 民办非企业单位/社会服务机构, 3 基金会, 9 其他)
3-8   the registrar's GB/T 2260 division code at the time of issue
9-17  the organization code (GB 11714): 8 body characters and its own
      check character at position 17
18    the check character of the whole code
====  =====================================================================

All characters come from a 31-symbol alphabet (digits and upper-case letters
without I, O, S, V, Z). A few early pilot codes carry a wrong check character
yet are legal, so :func:`uscc_problems` keeps "wrong check character" problems
(:attr:`CodeProblem.is_check_error`) apart from structural ones: a caller may
accept the former with an explicit, recorded override, never the latter.

Validation works on the exact string given; run :func:`normalize_uscc` on user
input first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH: Final = 18

_USCC_VALUES: Final = {char: value for value, char in enumerate(USCC_ALPHABET)}
# Weight of position i (1-based) is 3^(i-1) mod 31.
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

_DIGITS: Final = frozenset("0123456789")
_ORG_BODY_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ORG_CHECK_CHARS: Final = frozenset("0123456789X")
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authorities (position 1) used by the project.
AUTHORITY_ESTABLISHMENT: Final = "1"  # 机构编制
AUTHORITY_CIVIL_AFFAIRS: Final = "5"  # 民政

# Legal forms known to the project.
SOCIAL_GROUP: Final = "social_group"  # 社会团体
SOCIAL_SERVICE: Final = "social_service"  # 民办非企业单位·社会服务机构
FOUNDATION: Final = "foundation"  # 基金会
PUBLIC_INSTITUTION: Final = "public_institution"  # 事业单位
GOVERNMENT: Final = "government"  # 机关

# Category character (position 2) of the legal forms registered by civil affairs.
CIVIL_AFFAIRS_CATEGORY: Final[dict[str, str]] = {
    SOCIAL_GROUP: "1",
    SOCIAL_SERVICE: "2",
    FOUNDATION: "3",
}

# (authority, category) that a code must start with for each legal form.
EXPECTED_PREFIX: Final[dict[str, tuple[str, str]]] = {
    **{form: (AUTHORITY_CIVIL_AFFAIRS, cat) for form, cat in CIVIL_AFFAIRS_CATEGORY.items()},
    PUBLIC_INSTITUTION: (AUTHORITY_ESTABLISHMENT, "2"),
    GOVERNMENT: (AUTHORITY_ESTABLISHMENT, "1"),
}

# Problem codes.
LENGTH: Final = "length"
ALPHABET: Final = "alphabet"
DIVISION: Final = "division"
ORG_CHECK_FORMAT: Final = "org_check_format"
ORG_CHECK: Final = "org_check"
CHECK: Final = "check"
CATEGORY: Final = "category"

CHECK_ERROR_CODES: Final = frozenset({CHECK, ORG_CHECK})


@dataclass(frozen=True)
class CodeProblem:
    """One thing wrong with a code: a machine ``code`` and a translated ``message``."""

    code: str
    message: str

    @property
    def is_check_error(self) -> bool:
        """True for a wrong check character, which a recorded override may accept."""
        return self.code in CHECK_ERROR_CODES


# Characters removed by normalization besides str.isspace() ones: zero-width
# characters and the BOM, which copy-paste from web pages and Excel brings along.
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Full-width digits and letters (U+FF10-FF19, U+FF21-FF3A, U+FF41-FF5A) to ASCII.
_FULL_WIDTH: Final = {
    code: code - 0xFEE0
    for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(start, end + 1)
}


def normalize_uscc(raw: str) -> str:
    """Return ``raw`` as a code is stored: no whitespace, half-width, upper case.

    Removes every whitespace character (including the full-width space U+3000)
    and zero-width characters, turns full-width digits and letters into ASCII
    and upper-cases. Other characters are kept, so validation still sees them.
    """
    kept = "".join(ch for ch in raw if not ch.isspace() and ch not in _INVISIBLE)
    return kept.translate(_FULL_WIDTH).upper().translate(_FULL_WIDTH)


def uscc_check_char(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters."""
    if len(first17) != 17 or any(ch not in _USCC_VALUES for ch in first17):
        raise ValueError(f"expected 17 characters of {USCC_ALPHABET!r}, got {first17!r}")
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organization-code body."""
    if len(body8) != 8 or any(ch not in _ORG_BODY_CHARS for ch in body8):
        raise ValueError(f"expected 8 digits or upper-case letters, got {body8!r}")
    # int(ch, 36) gives 0-9 for digits and A=10 … Z=35.
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def _positions(indexes: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indexes)


def uscc_problems(code: str, *, legal_form: str | None = None) -> list[CodeProblem]:
    """Return every problem of ``code``; an empty list means it is valid.

    At most one problem per kind, in this order: ``length``, ``alphabet``,
    ``division`` (positions 3-8 not all digits), ``org_check_format``
    (position 17 neither a digit nor X), ``org_check`` (wrong GB 11714 check
    character), ``check`` (wrong position 18), ``category`` (the first two
    characters do not fit ``legal_form``). A character outside the alphabet
    is reported only as ``alphabet``. When the length is wrong, only
    ``length`` and ``alphabet`` are checked.

    Raises ValueError for a ``legal_form`` not in :data:`EXPECTED_PREFIX`.
    """
    if legal_form is not None and legal_form not in EXPECTED_PREFIX:
        raise ValueError(f"unknown legal form {legal_form!r}")
    problems: list[CodeProblem] = []
    if len(code) != USCC_LENGTH:
        problems.append(
            CodeProblem(
                LENGTH,
                _("The code must have 18 characters, not %(length)d.") % {"length": len(code)},
            )
        )
    bad = [i for i, ch in enumerate(code) if ch not in _USCC_VALUES]
    if bad:
        problems.append(
            CodeProblem(
                ALPHABET,
                _(
                    "Characters not allowed at positions: %(positions)s. Only digits and "
                    "capital letters other than I, O, S, V and Z may appear."
                )
                % {"positions": _positions(bad)},
            )
        )
    if len(code) != USCC_LENGTH:
        return problems

    division = [i for i in range(2, 8) if code[i] in _USCC_VALUES and code[i] not in _DIGITS]
    if division:
        problems.append(
            CodeProblem(
                DIVISION,
                _("Positions 3 to 8 must be the six digits of a division code."),
            )
        )

    org_check = code[16]
    if org_check in _USCC_VALUES and org_check not in _ORG_CHECK_CHARS:
        problems.append(
            CodeProblem(
                ORG_CHECK_FORMAT,
                _(
                    "Position 17 must be a digit or X, the check character of the "
                    "organization code."
                ),
            )
        )
    elif not any(code[i] not in _USCC_VALUES for i in range(8, 17)):
        expected = org_code_check_char(code[8:16])
        if org_check != expected:
            problems.append(
                CodeProblem(
                    ORG_CHECK,
                    _(
                        "The check character of the organization code (position 17) is "
                        "%(found)s; the other characters give %(expected)s."
                    )
                    % {"found": org_check, "expected": expected},
                )
            )

    if not bad:
        expected = uscc_check_char(code[:17])
        if code[17] != expected:
            problems.append(
                CodeProblem(
                    CHECK,
                    _(
                        "The check character (position 18) is %(found)s; the other characters "
                        "give %(expected)s."
                    )
                    % {"found": code[17], "expected": expected},
                )
            )

    if legal_form is not None and (code[0], code[1]) != EXPECTED_PREFIX[legal_form]:
        authority, category = EXPECTED_PREFIX[legal_form]
        problems.append(
            CodeProblem(
                CATEGORY,
                _("For this legal form the code must begin with %(prefix)s, not %(found)s.")
                % {"prefix": authority + category, "found": code[:2]},
            )
        )
    return problems


# Synthetic codes: organization-code body = SYNTHETIC_PREFIX + 7-digit serial.
SYNTHETIC_PREFIX: Final = "Y"
SYNTHETIC_SERIAL_MAX: Final = 9_999_999
# Letters that may lead a synthetic body: alphabet letters except M, which
# registrars use for the organization codes they issue (MA…, MJ…).
_SYNTHETIC_PREFIXES: Final = frozenset(USCC_ALPHABET[10:]) - {"M"}


def generate_uscc(
    *,
    authority: str = AUTHORITY_CIVIL_AFFAIRS,
    category: str = "2",
    division: str,
    serial: int,
    prefix: str = SYNTHETIC_PREFIX,
) -> str:
    """Return a valid code for synthetic demo data, the same for the same arguments.

    Convention: the organization-code body (positions 9-16) is ``prefix``
    (a letter, ``Y`` by default) followed by ``serial`` as 7 zero-padded
    digits; ``M`` is refused because registrars issue M-led bodies (MA…,
    MJ…). Issued organization codes are in practice all digits or M-led, so
    such a body is not expected to collide with a real organization, but this
    is a convention, not a guarantee: keep demo data apart by other means too.
    :func:`is_synthetic_uscc` recognizes the pattern. Both check characters
    are correct.

    Raises ValueError if ``authority`` or ``category`` is not one alphabet
    character, ``division`` is not six ASCII digits, ``serial`` is outside
    0-9 999 999, or ``prefix`` is not an alphabet letter other than M.
    """
    for name, value in (("authority", authority), ("category", category)):
        if len(value) != 1 or value not in _USCC_VALUES:
            raise ValueError(f"{name} must be one character of {USCC_ALPHABET!r}, got {value!r}")
    if len(division) != 6 or any(ch not in _DIGITS for ch in division):
        raise ValueError(f"division must be 6 ASCII digits, got {division!r}")
    if isinstance(serial, bool) or not 0 <= serial <= SYNTHETIC_SERIAL_MAX:
        raise ValueError(f"serial must be in 0..{SYNTHETIC_SERIAL_MAX}, got {serial!r}")
    if len(prefix) != 1 or prefix not in _SYNTHETIC_PREFIXES:
        raise ValueError(f"prefix must be an alphabet letter other than M, got {prefix!r}")
    body = f"{prefix}{serial:07d}"
    first17 = authority + category + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def is_synthetic_uscc(code: str, *, prefix: str = SYNTHETIC_PREFIX) -> bool:
    """True if ``code`` is a valid code made by :func:`generate_uscc` with ``prefix``."""
    return (
        len(code) == USCC_LENGTH
        and code[8] == prefix
        and all(ch in _DIGITS for ch in code[9:16])
        and not uscc_problems(code)
    )
