"""Paging of every list endpoint: one query schema and one page helper.

A page beyond the last is empty and still carries the true ``count`` (a client paging on
while rows are deleted gets an empty page, not an error). ``page`` stops at ``MAX_PAGE``,
so that the offset stays far inside what a database takes (a 64-bit integer); a larger
number is a 422 naming ``page``. The web directory's pager uses the same bound.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

# The selectors take at most MAX_PAGE_SIZE rows at once (the same in every domain app).
from shuniu.core.selectors import MAX_PAGE_SIZE
from shuniu.core.validation import MAX_PAGE

DEFAULT_PAGE_SIZE = 50


class Paging(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"From 1 to {MAX_PAGE}.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


def page_of(items: list[Any], count: int, paging: Paging) -> dict[str, Any]:
    """The body of a list response: the items of the page and the count of all."""
    return {"items": items, "count": count, "page": paging.page, "page_size": paging.page_size}
