"""One pager for every paged list of the site, over Django's ``Paginator``.

The selectors already page in the database (offset and limit) and answer the total count;
the pager only works out the page numbers and the links from that count, with
``Paginator.get_elided_page_range`` for the numbered links: the first and last page, two
either side of the current one, and a gap marker where pages are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

# Page links either side of the current page; the first and last pages are always linked.
PAGE_WINDOW = 2


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap in the page numbers
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pager:
    number: int
    pages: int
    count: int
    first: int  # 1-based position of the first row shown, 0 when none is
    last: int
    previous_url: str
    next_url: str
    links: list[PageLink] = field(default_factory=list)  # empty when one page holds all


def page_count(count: int, per_page: int) -> int:
    """How many pages ``count`` rows fill, at least one (an empty list is one empty page)."""
    return Paginator(range(count), per_page).num_pages


def past_last_page(form: forms.Form, number: int, count: int, per_page: int) -> bool:
    """Whether page ``number`` lies past the last page that ``count`` rows fill; if so, the
    form's ``page`` field says so (see ``query_status``)."""
    pages = page_count(count, per_page)
    if number <= pages:
        return False
    form.add_error(
        "page",
        _("There is no page %(page)d: the results fill %(pages)d.")
        % {"page": number, "pages": pages},
    )
    return True


def query_status(form: forms.Form, *, past_last: bool) -> int:
    """The status of a paged list's answer: a page past the last is a page that does not
    exist (404, with the form and the message); any other refused value is a bad request."""
    if not form.errors:
        return 200
    return 404 if past_last and list(form.errors) == ["page"] else 400


def page_url(path: str, query: Mapping[str, str], page: int) -> str:
    """The link to a page: only the parameters that are set, so shared links stay short,
    and no ``page`` for the first. An empty ``path`` gives a link relative to the page."""
    params = {k: v for k, v in query.items() if v and k != "page"}
    if page > 1:
        params["page"] = str(page)
    if params or not path:
        return f"{path}?{urlencode(params)}"
    return path


def pager(
    *, path: str, query: Mapping[str, str], number: int, count: int, per_page: int, shown: int
) -> Pager:
    """The pager of page ``number`` that shows ``shown`` of ``count`` rows."""
    paginator = Paginator(range(count), per_page)
    pages = paginator.num_pages
    links: list[PageLink] = []
    if pages > 1 and number <= pages:
        for item in paginator.get_elided_page_range(number, on_each_side=PAGE_WINDOW, on_ends=1):
            if isinstance(item, int):
                links.append(
                    PageLink(number=item, url=page_url(path, query, item), current=item == number)
                )
            else:
                links.append(PageLink(number=None))
    offset = (number - 1) * per_page
    return Pager(
        number=number,
        pages=pages,
        count=count,
        first=offset + 1 if shown else 0,
        last=offset + shown if shown else 0,
        previous_url=page_url(path, query, number - 1) if number > 1 else "",
        next_url=page_url(path, query, number + 1) if number < pages else "",
        links=links,
    )
