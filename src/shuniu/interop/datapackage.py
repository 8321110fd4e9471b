"""A Frictionless data package of a region's public registry data as of a date.

``datapackage.json`` and four CSV files (UTF-8 with a byte-order mark, so that Excel opens
the Chinese text right): the organizations existing on the date, their events up to it, the
divisions of the region and the registry's by-district figures (``stats.organization_stats``).
Each field has a type and a description in the schema. Written as a directory or as a zip;
both read the registry a chunk at a time, and the zip streams (a store that cannot seek gets
data descriptors), so a national registry is written in constant memory.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shuniu.core.actors import Actor
from shuniu.divisions.selectors import division_ids_within
from shuniu.interop.cells import neutralise_row
from shuniu.interop.hsds import organizations_in_scope
from shuniu.interop.opendata import Scope, stable_id
from shuniu.registry.models import OrganizationEvent
from shuniu.stats.selectors import organization_stats

BOM = "\ufeff"
ROWS_PER_PIECE = 200

Field = tuple[str, str, str]  # name, Frictionless type, description


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    fields: list[Field]
    rows: Callable[[], Iterator[list[Any]]]

    @property
    def path(self) -> str:
        return f"{self.name}.csv"


ORGANIZATION_FIELDS: list[Field] = [
    ("id", "string", "Stable id of the organization (a UUID, the same as in the HSDS export)"),
    ("uscc", "string", "Unified social credit code (统一社会信用代码), empty when unknown"),
    ("name", "string", "Name on the as-of date's record"),
    ("name_en", "string", "English name"),
    ("kind", "string", "Kind on the as-of date (agency, association, ...)"),
    ("status", "string", "Status on the as-of date (preparing, registering, registered, ...)"),
    ("legal_form", "string", "Legal form"),
    ("district_code", "string", "GB/T 2260 code of the district holding the registrar then"),
    ("district_name", "string", "Name of that district"),
    ("address", "string", "Registered address"),
    ("formation", "string", "How the organization was formed"),
    ("association_level", "string", "Level of an association (city, district, street)"),
    ("hub_id", "string", "Id of the hub organization leading it, if any"),
    ("service_fields", "string", "Service field codes, separated by ';'"),
    ("founded_on", "date", "Date founded"),
    ("registered_on", "date", "Date registered"),
]
EVENT_FIELDS: list[Field] = [
    ("organization_id", "string", "Id of the organization (organizations.id)"),
    ("kind", "string", "Kind of event (founded, registered, renamed, moved, graded, ...)"),
    ("date", "date", "Date of the event"),
    ("date_precision", "string", "How precise the date is (day, month, year)"),
    ("division_before", "string", "GB/T 2260 code of the registrar before a move"),
    ("division_after", "string", "GB/T 2260 code of the registrar after a move or at registration"),
    ("name_before", "string", "Name before a renaming"),
    ("name_after", "string", "Name after a renaming"),
    ("kind_before", "string", "Kind before a transformation"),
    ("kind_after", "string", "Kind after a transformation"),
    ("inspection_year", "integer", "Year of an annual inspection"),
    ("inspection_result", "string", "Result of an annual inspection"),
    ("grade", "string", "Evaluation grade"),
    ("credit_list", "string", "Credit list entered or left"),
    ("source", "string", "Where the event is recorded"),
]
DIVISION_FIELDS: list[Field] = [
    ("code", "string", "GB/T 2260 code"),
    ("name", "string", "Name"),
    ("name_en", "string", "English name"),
    ("level", "string", "Level (province, city, district, county, street)"),
    ("parent_code", "string", "Code of the parent division"),
    ("valid_from", "date", "First day the division existed, if known"),
    ("valid_to", "date", "First day it no longer existed (exclusive), if abolished"),
    ("successor_code", "string", "Code of the division that took over its territory"),
]
STATISTIC_FIELDS: list[Field] = [
    ("as_of", "date", "Date of the figures"),
    ("region_code", "string", "GB/T 2260 code of the region"),
    ("district_code", "string", "GB/T 2260 code of the district (valid on the date)"),
    ("district_name", "string", "Name of the district"),
    ("district_name_en", "string", "English name of the district"),
    ("organizations", "integer", "Organizations existing in the district on the date"),
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def resources(*, actor: Actor, scope: Scope) -> list[Resource]:
    index = scope.index

    def code(division_id: int | None) -> str:
        return index.by_id[division_id].code if division_id else ""

    def organizations() -> Iterator[list[Any]]:
        for org in organizations_in_scope(actor=actor, scope=scope):
            yield [
                stable_id("organization", org.pk),
                org.uscc or "",
                org.name,
                org.name_en,
                org.kind_on,
                org.status_on,
                org.legal_form,
                org.district.code,
                org.district.name,
                org.address,
                org.formation,
                org.association_level,
                stable_id("organization", org.hub_id) if org.hub_id else "",
                ";".join(sorted(f.code for f in org.service_fields.all())),
                org.founded_on,
                org.registered_on,
            ]

    def events() -> Iterator[list[Any]]:
        chunk: list[int] = []
        orgs = organizations_in_scope(actor=actor, scope=scope)
        for org in orgs:
            chunk.append(org.pk)
            if len(chunk) == ROWS_PER_PIECE:
                yield from _events_of(chunk)
                chunk = []
        if chunk:
            yield from _events_of(chunk)

    def _events_of(ids: list[int]) -> Iterator[list[Any]]:
        rows = OrganizationEvent.objects.filter(
            organization_id__in=ids, date__lte=scope.as_of
        ).order_by("organization_id", "date", "id")
        for e in rows:
            yield [
                stable_id("organization", e.organization_id),
                e.kind,
                e.date,
                e.date_precision,
                code(e.division_before_id),
                code(e.division_after_id),
                e.name_before,
                e.name_after,
                e.kind_before,
                e.kind_after,
                e.inspection_year,
                e.inspection_result,
                e.grade,
                e.credit_list,
                e.source,
            ]

    def divisions() -> Iterator[list[Any]]:
        ids = division_ids_within(region=scope.region, on=scope.as_of, index=index)
        ids |= {scope.region.pk}
        for d in sorted((index.by_id[pk] for pk in ids), key=lambda d: d.code):
            yield [
                d.code,
                d.name,
                d.name_en,
                d.level,
                code(d.parent_id),
                d.valid_from,
                d.valid_to,
                code(d.successor_id),
            ]

    def statistics() -> Iterator[list[Any]]:
        figures = organization_stats(region_code=scope.region.code, as_of=scope.as_of, index=index)
        for d in figures.by_district:
            yield [scope.as_of, scope.region.code, d.code, d.name, d.name_en, d.count]

    return [
        Resource("organizations", "Organizations", ORGANIZATION_FIELDS, organizations),
        Resource("events", "Organization events", EVENT_FIELDS, events),
        Resource("divisions", "Administrative divisions", DIVISION_FIELDS, divisions),
        Resource("district_statistics", "Organizations by district", STATISTIC_FIELDS, statistics),
    ]


def descriptor(parts: list[Resource], scope: Scope) -> dict[str, Any]:
    code, day = scope.region.code, scope.as_of.isoformat()
    return {
        "name": f"shuniu-{code}-{day}",
        "title": f"Shuniu registry: {scope.region.name} ({code}) as of {day}",
        "profile": "tabular-data-package",
        "resources": [
            {
                "name": r.name,
                "title": r.title,
                "path": r.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "schema": {
                    "fields": [
                        {"name": name, "type": kind, "description": text}
                        for name, kind, text in r.fields
                    ]
                },
            }
            for r in parts
        ],
    }


def csv_pieces(resource: Resource) -> Iterator[str]:
    """The resource's CSV text (BOM and header first), ``ROWS_PER_PIECE`` rows a piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([name for name, _kind, _text in resource.fields])
    for i, row in enumerate(resource.rows(), start=1):
        writer.writerow(neutralise_row(_cell(v) for v in row))
        if i % ROWS_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_directory(path: Path, *, actor: Actor, scope: Scope) -> None:
    path.mkdir(parents=True, exist_ok=True)
    parts = resources(actor=actor, scope=scope)
    for resource in parts:
        with open(path / resource.path, "w", encoding="utf-8", newline="") as out:
            out.writelines(csv_pieces(resource))
    text = json.dumps(descriptor(parts, scope), ensure_ascii=False, indent=2)
    (path / "datapackage.json").write_text(text + "\n", encoding="utf-8")


class _Sink(io.RawIOBase):
    """A write-only store that cannot seek: the zip writer hands it bytes, which the stream
    takes away after every piece."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        made = b"".join(self.pieces)
        self.pieces.clear()
        return made


def zip_stream(*, actor: Actor, scope: Scope) -> Iterator[bytes]:
    """The data package as a zip, in pieces (constant memory)."""
    sink = _Sink()
    parts = resources(actor=actor, scope=scope)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        text = json.dumps(descriptor(parts, scope), ensure_ascii=False, indent=2) + "\n"
        stamp = time.localtime()[:6]
        archive.writestr(zipfile.ZipInfo("datapackage.json", date_time=stamp), text)
        yield sink.take()
        for resource in parts:
            entry = zipfile.ZipInfo(resource.path, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w", force_zip64=True) as member:
                for piece in csv_pieces(resource):
                    member.write(piece.encode("utf-8"))
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def write_zip(path: Path, *, actor: Actor, scope: Scope) -> None:
    with open(path, "wb") as out:
        for piece in zip_stream(actor=actor, scope=scope):
            out.write(piece)
