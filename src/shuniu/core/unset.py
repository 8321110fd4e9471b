"""``UNSET``: the default of an update service's keyword arguments, for "not given".

An update changes only the fields it is given; ``None`` or ``""`` are values a field may be
set to, so "leave it alone" needs a value of its own.
"""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
Unset: TypeAlias = Literal[_Unset.UNSET]


def given(**values: object) -> dict[str, object]:
    """The keyword arguments that were given (not ``UNSET``), by name."""
    return {name: value for name, value in values.items() if value is not UNSET}
