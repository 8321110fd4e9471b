"""Actors that are not web users: the command line and the demo loader.

Whoever runs ``shuniu`` on the server already holds the database; the audit records them
as ``cli:<os user>`` (or ``--as USERNAME`` where a command takes it) rather than pretending
a web user did it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class SystemActor:
    label: str
    is_authenticated: bool = True
    is_superuser: bool = True
    is_active: bool = True
    pk: None = None

    @property
    def username(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label


# Whoever a service or selector acts for: a web user (from the session or an API token), the
# anonymous visitor of the public pages, or the command line / demo loader. A Union rather than
# a Protocol: the permission checks tell them apart (only a User holds roles).
Actor: TypeAlias = "User | AnonymousUser | SystemActor"


def cli_actor(command: str = "") -> SystemActor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return SystemActor(label=f"cli:{user}" + (f" ({command})" if command else ""))
