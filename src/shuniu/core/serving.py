"""Settings of the production server that come from the environment, with no Django import:
config/gunicorn.py reads them as gunicorn loads it, and ``shuniu serve`` checks them first so
that a malformed value stops the start with one translated line (one rule for both)."""

from __future__ import annotations

# Each worker is replaced after about this many requests (0: never). See config/gunicorn.py.
DEFAULT_MAX_REQUESTS = 100_000


def max_requests_from(value: str | None) -> int:
    """SHUNIU_MAX_REQUESTS as gunicorn takes it: unset or empty -> the default; a whole
    number of 0 or more as written (surrounding spaces ignored); anything else ValueError
    naming the variable and the value."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_MAX_REQUESTS
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"SHUNIU_MAX_REQUESTS must be a whole number, 0 or more, not {text!r}")
    return int(text)
