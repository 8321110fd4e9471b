"""The ``shuniu`` console script: Django's management utility with this project's settings."""

from __future__ import annotations

import os
import sys

# Commands that only read the database and print (no page, no template, no admin, no login):
# they start without the web-only apps (config/settings.py WEB_ONLY_APPS), which is most of
# what loading the project costs them beyond Django itself.
LEAN_COMMANDS = frozenset({"stats"})


def lean_start(args: list[str]) -> bool:
    """Can ``shuniu <args>`` start without the web-only apps?"""
    return len(args) > 1 and args[1] in LEAN_COMMANDS


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "shuniu"
    if lean_start(args):
        os.environ.setdefault("SHUNIU_LEAN_START", "1")
    if args[1:3] == ["keys", "generate"]:
        # Making the first key must work where production settings refuse to start for the
        # want of one; generating touches no setting, database or stored number.
        os.environ["SHUNIU_PRODUCTION"] = "0"
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A configuration the settings refuse (production without its keys, a malformed
        # variable): one line saying what to set, not a traceback.
        sys.stderr.write(f"shuniu: {exc}\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
