"""Domain errors raised by services; interfaces translate them (HTTP status, CLI exit code)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = [
    "NotFound",
    "PermissionDenied",
    "StaleVersion",
    "Undecryptable",
    "ValidationError",
    "VersionRequired",
]


class StaleVersion(Exception):
    """The caller edited an older version of a record than the one stored."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(f"stale version: expected {expected}, stored {current}")
        self.expected = expected
        self.current = current


class VersionRequired(Exception):
    """An edit that does not say which version of the record it was made on: it could
    overwrite a change it never saw."""


class NotFound(Exception):
    pass


class Undecryptable(Exception):
    """A stored secret (a person's ID number) that no configured key opens: the key that
    sealed it is missing from the configuration (or the stored value was tampered with).
    Only an administrator can fix it; carries the row's id and the id of the key the stored
    value names (a fingerprint, for the operator), never the secret or a key."""

    def __init__(self, *, pk: int, kid: str = "") -> None:
        super().__init__(f"person {pk}: no configured key opens the stored ID number")
        self.pk = pk
        self.kid = kid
