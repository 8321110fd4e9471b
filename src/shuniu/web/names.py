"""Names in the reader's language: one helper for every page, table and download.

Divisions, organizations and service fields carry a Chinese ``name`` and an optional
``name_en``; an English reader gets the English name where there is one, everyone else
(and an English reader where there is none) the Chinese.
"""

from __future__ import annotations

from typing import Protocol

from django.utils import translation


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def english() -> bool:
    """Whether the page is being read in English."""
    return (translation.get_language() or "").startswith("en")


def place_name(place: Named) -> str:
    """A division's, organization's or service field's name in the reader's language."""
    return place.name_en if english() and place.name_en else place.name
