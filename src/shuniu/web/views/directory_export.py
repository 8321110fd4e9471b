"""The directory's search as a file: CSV (streamed) or XLSX, every matching organization.

Same query string, same form and same selector as the directory page, so the file holds
what the page lists, all pages of it. Only the public fields the page shows are written,
and every text cell goes through ``interop.cells.neutralise``: the names come from the
registry, and a name such as ``=HYPERLINK(...)`` must stay text in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from shuniu.divisions.selectors import DivisionIndex
from shuniu.interop.cells import neutralise_row
from shuniu.registry.models import Organization
from shuniu.registry.selectors import MAX_PAGE_SIZE, organization_chunks
from shuniu.web.views.directory import (
    DEFAULT_SORT,
    DirectoryQuery,
    _selector_errors,
    directory_form,
    directory_row,
)
from shuniu.web.views.downloads import BOM, CSV_TYPE, XLSX_TYPE

FORMATS = ("csv", "xlsx")
# Organizations read per query: the selector's largest page.
CHUNK = MAX_PAGE_SIZE


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _headers() -> list[str]:
    return [
        _("Unified social credit code"),
        _("Name"),
        _("English name"),
        _("Kind"),
        _("Status"),
        _("District"),
        _("Formation"),
        _("Founded on"),
        _("Registered on"),
        _("Service fields"),
    ]


def _row(org: Organization) -> list[Any]:
    row = directory_row(org)
    return [
        org.uscc or "",
        row.name,
        row.name_en,
        capfirst(row.kind),
        capfirst(row.status),
        row.district,
        capfirst(row.formation),
        row.founded_on,
        row.registered_on,
        ", ".join(row.service_fields),
    ]


def bad_request(form: DirectoryQuery) -> HttpResponse:
    lines = [
        f"{name} ({form.fields[name].label}): {message}" if name in form.fields else str(message)
        for name, messages in form.errors.items()
        for message in messages
    ]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


@require_safe
def directory_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        return HttpResponse(
            _("Unknown file format “%(value)s”: csv or xlsx.") % {"value": fmt} + "\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    today = timezone.localdate()
    index = DivisionIndex.load()
    form = directory_form(request, index, today)
    if not form.is_valid():
        return bad_request(form)
    # The selector raises a ValidationError for a query it cannot answer: before the first
    # byte is sent, so that it is still a 400 and not a broken download.
    organizations = organization_chunks(
        actor=request.user,
        filters=form.filters(),
        order=form.cleaned_data["sort"] or DEFAULT_SORT,
        index=index,
        chunk=CHUNK,
    )
    try:
        first = next(organizations, None)
    except ValidationError as exc:
        _selector_errors(form, exc)
        return bad_request(form)
    as_of: dt.date = form.cleaned_data["as_of"] or today
    name = f"shuniu-organizations-{as_of.isoformat()}.{fmt}"

    def rows() -> Iterator[list[Any]]:
        if first is not None:
            yield _row(first)
            for org in organizations:
                yield _row(org)

    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(rows()), content_type=CSV_TYPE)
    else:
        response = FileResponse(_xlsx_file(rows()), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_lines(rows: Iterator[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(neutralise_row(_headers()))
    for row in rows:
        cells = [c.isoformat() if isinstance(c, dt.date) else c for c in row]
        yield writer.writerow(neutralise_row(cells))


def _xlsx_file(rows: Iterator[list[Any]]) -> Any:
    # write_only keeps one row in memory; the workbook is zipped into a temporary file
    # that FileResponse sends and closes (and the system deletes).
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("organizations"))
    sheet.append(neutralise_row(_headers()))
    for row in rows:
        sheet.append(neutralise_row(row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return handle
