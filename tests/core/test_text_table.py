"""core.cli.TextTable: the statistics command's plain tables line up with Chinese text."""

from __future__ import annotations

from shuniu.core.cli import TextTable, display_width


def test_wide_characters_take_two_columns():
    # Given / When / Then: CJK characters count double, ASCII single
    assert display_width("东城区") == 6
    assert display_width("ab 12") == 5
    assert display_width("") == 0


def test_columns_line_up_and_numbers_align_right():
    # Given: a header, text in Chinese and English, and counts
    table = TextTable("区县", "Count")
    table.add_row("东城区", 5)
    table.add_row("Xicheng", "1,234")

    # When
    lines = table.render().splitlines()

    # Then: every line has the same display width; text left, numbers right
    assert lines == [
        "┌─────────┬───────┐",
        "│ 区县    │ Count │",
        "├─────────┼───────┤",
        "│ 东城区  │     5 │",
        "│ Xicheng │ 1,234 │",
        "└─────────┴───────┘",
    ]
    assert {display_width(line) for line in lines} == {19}


def test_a_table_without_header_has_no_header_rule():
    # Given: a summary table
    table = TextTable(show_header=False)
    table.add_row("合计", 52)

    # When / Then
    assert table.render().splitlines() == ["┌──────┬────┐", "│ 合计 │ 52 │", "└──────┴────┘"]


def test_an_empty_table_renders_nothing():
    assert TextTable().render() == ""
