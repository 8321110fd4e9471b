"""The notation of a rate setting ("N per period", or ``off``), with no Django import, so that
config/settings.py refuses a malformed value at start-up instead of the first counted request
finding it (``shuniu.core.ratelimit`` counts with the parsed value)."""

from __future__ import annotations

import re

OFF = "off"
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


def is_off(text: str) -> bool:
    return text.strip().lower() == OFF


def parse(text: str) -> tuple[int, int]:
    """``"120/min"``, ``"5/10s"``, ``"1000/day"`` (the notation django-ninja uses) as (limit,
    period in seconds); ValueError naming the value otherwise."""
    match = _RATE.match(text.lower())
    if not match or match.group(3) not in _PERIODS or int(match.group(2) or 1) < 1:
        raise ValueError(f"not a rate such as 120/min or off: {text!r}")
    return int(match.group(1)), int(match.group(2) or 1) * _PERIODS[match.group(3)]


def checked(name: str, text: str) -> str:
    """A rate setting's value, unchanged, or ValueError naming the setting."""
    if not is_off(text):
        try:
            parse(text)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    return text
