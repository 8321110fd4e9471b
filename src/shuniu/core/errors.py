"""Domain errors raised by services; interfaces translate them (HTTP status, CLI exit code)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["NotFound", "PermissionDenied", "StaleVersion", "ValidationError"]


class StaleVersion(Exception):
    """The caller edited an older version of a record than the one stored."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(f"stale version: expected {expected}, stored {current}")
        self.expected = expected
        self.current = current


class NotFound(Exception):
    pass
