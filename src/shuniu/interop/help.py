"""The help sheet's tables that every import shares: the allowed values of each choice
column, and the divisions valid today. Each importer adds the tables only it needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shuniu.divisions.models import Division
from shuniu.interop import values
from shuniu.interop.columns import Column
from shuniu.interop.contract import HelpSection


def choice_sections(
    choice_sets: Mapping[str, values.Choices], columns: Sequence[Column]
) -> list[HelpSection]:
    """One table per choice column: its Chinese names, codes, English labels and the other
    names a cell may use."""
    headings = (_("Chinese name"), _("code"), _("English"), _("also accepted"))
    sections = []
    for key, choices in choice_sets.items():
        column = next(c for c in columns if c.key == key)
        rows: list[tuple[str, ...]] = []
        for code, label in choices.choices:
            with translation.override(None):
                english = str(label)
            rows.append(
                (
                    choices.display(code),
                    code,
                    english,
                    "、".join(choices.names.get(code, ())[1:]),
                )
            )
        sections.append(HelpSection(f"{column.header} / {column.key}", headings, rows))
    return sections


def divisions_section(title: str, divisions: Iterable[tuple[Division, str]]) -> HelpSection:
    """The divisions valid today, by the name a cell may use, with code and English name."""
    return HelpSection(
        title + " " + _("(valid on %(date)s)") % {"date": timezone.localdate().isoformat()},
        (_("name"), _("code"), _("English")),
        [(name, d.code, d.name_en) for d, name in divisions],
    )
