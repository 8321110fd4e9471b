"""Actors that are not web users: the command line and the demo loader.

Whoever runs ``shuniu`` on the server already holds the database; the audit records them
as ``cli:<os user>`` (or ``--as USERNAME`` where a command takes it) rather than pretending
a web user did it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass


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


def cli_actor(command: str = "") -> SystemActor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return SystemActor(label=f"cli:{user}" + (f" ({command})" if command else ""))
