from __future__ import annotations

from typing import Protocol

from shuniu.core.errors import StaleVersion


class Versioned(Protocol):
    version: int


def check_version(instance: Versioned, *, expected: int | None) -> None:
    """Refuse an edit made against an older version than the stored one.

    Services call this on a row read with ``select_for_update()`` inside their transaction
    (on SQLite the IMMEDIATE transaction mode serialises writers the same way), then save
    with ``version + 1``. ``expected=None`` means the caller did not say (back office).
    """
    if expected is not None and expected != instance.version:
        raise StaleVersion(expected=expected, current=instance.version)
