"""docs/cli.md quotes every command's ``--help`` as the code has it (src/shuniu/clidocs.py)."""

from __future__ import annotations

import os
import re

from django.utils import translation

from shuniu.clidocs import DOC, REGENERATE, block, render_helps, shuniu_commands, update

COMMANDS_DIRS = sorted(DOC.parent.parent.glob("src/shuniu/*/management/commands/*.py"))


def test_docs_cli_md_is_current():
    # given docs/cli.md as committed
    committed = DOC.read_text(encoding="utf-8")
    # when its blocks are rendered again from the commands
    wanted = update(committed, render_helps())
    # then nothing changes
    assert committed == wanted, f"docs/cli.md is not current: run {REGENERATE}"


def test_every_shuniu_command_and_subcommand_has_a_block():
    # given the command modules of Shuniu's apps
    modules = {path.stem for path in COMMANDS_DIRS if path.stem != "__init__"}
    # then they are the commands documented, each with its own block
    assert set(shuniu_commands()) == modules
    documented = set(
        re.findall(r"(?m)^<!-- BEGIN help: (.+?) -->$", DOC.read_text(encoding="utf-8"))
    )
    assert {f"shuniu {name}" for name in modules} <= documented
    assert documented == set(render_helps())
    assert {"shuniu token create", "shuniu import template", "shuniu keys rotate"} <= documented


def test_the_help_is_the_same_whatever_the_terminal_and_language(monkeypatch):
    # given the help rendered as CI renders it
    reference = render_helps()
    # when rendered in a narrow terminal with Chinese active
    monkeypatch.setenv("COLUMNS", "40")
    with translation.override("zh-hans"):
        again = render_helps()
    # then it is the same text, and the terminal width is given back
    assert again == reference
    assert os.environ["COLUMNS"] == "40"
    assert (
        "usage: shuniu keys rotate [-h] [--batch-size BATCH_SIZE]\n"
        in reference["shuniu keys rotate"]
    )


def test_update_keeps_the_prose_and_rewrites_only_the_blocks():
    # given a document with prose, a stale block and a block of a command that is gone
    document = (
        "# Command line\n\nProse.\n\n"
        "<!-- BEGIN help: shuniu a -->\n```text\nold\n```\n<!-- END help: shuniu a -->\n"
        "\nMore prose.\n\n"
        "<!-- BEGIN help: shuniu gone -->\n```text\ngone\n```\n<!-- END help: shuniu gone -->\n"
        "\nEnd.\n"
    )
    # when updated with the help of a and of a new command b
    updated = update(document, {"shuniu a": "usage: a\n", "shuniu b": "usage: b\n"})
    # then a is current, gone is gone, b is appended, and the prose is as it was
    assert updated == (
        "# Command line\n\nProse.\n\n"
        "<!-- BEGIN help: shuniu a -->\n```text\nusage: a\n```\n<!-- END help: shuniu a -->\n"
        "\nMore prose.\n\n"
        "\nEnd.\n\n"
        "## `--help` of the other commands\n\n"
        "<!-- BEGIN help: shuniu b -->\n```text\nusage: b\n```\n<!-- END help: shuniu b -->\n"
    )
    # and updating again changes nothing
    assert update(updated, {"shuniu a": "usage: a\n", "shuniu b": "usage: b\n"}) == updated


def test_a_changed_help_text_makes_the_document_stale():
    # given the committed document and the help of one command changed
    committed = DOC.read_text(encoding="utf-8")
    helps = render_helps()
    helps["shuniu backup"] = helps["shuniu backup"].replace("where to write", "where to put")
    # when the document is updated
    updated = update(committed, helps)
    # then exactly that block differs
    assert updated != committed
    assert block("shuniu backup", helps["shuniu backup"]) in updated
    assert updated.replace("where to put", "where to write") == committed
