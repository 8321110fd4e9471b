"""docs/cli.md's ``--help`` blocks, rendered from the commands themselves.

Every ``shuniu`` command (the management commands of Shuniu's own apps, not Django's) and each
of its subcommands gets one block in docs/cli.md between ``<!-- BEGIN help: shuniu CMD -->`` and
``<!-- END help: shuniu CMD -->``; the hand-written prose around the blocks is kept as it is.
The help is rendered in English at a fixed width, so the same code gives the same file on
every machine. ``tests/test_cli_docs.py`` fails when the file is not current.

    python -m shuniu.clidocs          # rewrite docs/cli.md (make docs)
    python -m shuniu.clidocs --check  # exit 1 and say so when it is not current
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WIDTH = 100
PROG = "shuniu"
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
REGENERATE = ".venv/bin/python -m shuniu.clidocs  (or: make docs)"
GENERATED_HEADING = "## `--help` of the other commands"
# Django's options that every command takes; docs/cli.md names them once instead of per block.
DJANGO_OPTIONS = {
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}
BLOCK = re.compile(
    r"<!-- BEGIN help: (?P<name>[^>]+?) -->\n.*?<!-- END help: (?P=name) -->\n",
    re.DOTALL,
)


@contextmanager
def _fixed_terminal() -> Iterator[None]:
    """argparse wraps at ``COLUMNS``; Django's parsers colour nothing when not on a tty."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def shuniu_commands() -> list[str]:
    """The names of the management commands that Shuniu's own apps define, sorted."""
    from django.core.management import get_commands

    return sorted(name for name, app in get_commands().items() if app.startswith("shuniu."))


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(name: str, parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    yield name, parser.format_help()
    for sub_name, sub in _subparsers(parser).items():
        yield from _walk(f"{name} {sub_name}", sub)


def render_helps() -> dict[str, str]:
    """``{"shuniu token create": "<its --help>", ...}`` for every command and subcommand."""
    from django.core.management import get_commands, load_command_class
    from django.utils import translation

    apps = get_commands()
    helps: dict[str, str] = {}
    with _fixed_terminal(), translation.override("en"):
        for command in shuniu_commands():
            parser = load_command_class(apps[command], command).create_parser(PROG, command)
            for action in parser._actions:
                if DJANGO_OPTIONS.intersection(action.option_strings):
                    action.help = argparse.SUPPRESS
            for name, text in _walk(f"{PROG} {command}", parser):
                helps[name] = text.rstrip() + "\n"
    return helps


def block(name: str, text: str) -> str:
    return f"<!-- BEGIN help: {name} -->\n```text\n{text}```\n<!-- END help: {name} -->\n"


def update(document: str, helps: dict[str, str]) -> str:
    """The document with every block current: a block of a command that no longer exists is
    removed, a command without a block gets one at the end (under GENERATED_HEADING), and
    everything outside the blocks stays as it was."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        return block(name, helps[name]) if name in helps else ""

    updated = BLOCK.sub(replace, document)
    present = {match.group("name") for match in BLOCK.finditer(document)}
    missing = [name for name in helps if name not in present]
    if missing:
        if GENERATED_HEADING not in updated:
            updated = updated.rstrip("\n") + f"\n\n{GENERATED_HEADING}\n"
        updated = updated.rstrip("\n") + "\n\n" + "\n".join(block(n, helps[n]) for n in missing)
    return updated


def main(argv: list[str] | None = None) -> int:
    import django

    options = argparse.ArgumentParser(prog="python -m shuniu.clidocs", description=__doc__)
    options.add_argument("--check", action="store_true", help="only say whether it is current")
    options.add_argument("--file", type=Path, default=DOC, help="default: docs/cli.md")
    args = options.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    current = args.file.read_text(encoding="utf-8")
    wanted = update(current, render_helps())
    if current == wanted:
        return 0
    if args.check:
        print(f"{args.file} is not current; run {REGENERATE}", file=sys.stderr)
        return 1
    args.file.write_text(wanted, encoding="utf-8")
    print(f"{args.file} updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
