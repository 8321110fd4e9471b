"""Server-rendered SVG charts of the sector report: bars, a line and the district map.

The report is one HTML document for the page, the file and the PDF (printed by Chromium),
so its charts are plain SVG made here: no script, identical on screen and on paper. Colours
are presentation attributes (``fill=``), not styles, so the page's CSP allows them. Every
chart carries its numbers as text labels, and the report prints the same numbers in a table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shuniu.web.views.charts import GEO_DIR, MapLayout, colour_bands

BAR_COLOUR = "#2166ac"
LINE_COLOUR = "#b2182b"
TEXT_COLOUR = "#212529"
GRID_COLOUR = "#dee2e6"
FONT = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','WenQuanYi Micro Hei',sans-serif"


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 every text inside went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" font-family="{FONT}" '
        f'font-size="12" fill="{TEXT_COLOUR}">' + "".join(body) + "</svg>"
    )


def bar_chart(
    labels: Sequence[str], values: Sequence[int | Decimal], *, label: str, width: int = 640
) -> SafeString:
    """Horizontal bars, one per label, each with its value written at its end."""
    row, left, right = 24, 180, 90
    height = max(len(labels), 1) * row + 12
    largest = max((float(v) for v in values), default=0) or 1
    span = width - left - right
    body = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = 6 + i * row
        length = span * float(value) / largest
        body.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{left + length + 6:.1f}" y="{y + 15}">{escape(_number(value))}</text>'
        )
    return _svg(width, height, label, body)


def line_chart(
    labels: Sequence[str], values: Sequence[int], *, label: str, width: int = 640
) -> SafeString:
    """A line through the values, each point labelled with its value, the labels below."""
    height, top, bottom, left, right = 240, 24, 40, 48, 48
    largest = max(values, default=0) or 1
    count = len(values)
    step = (width - left - right) / max(count - 1, 1)

    def x(i: int) -> float:
        return left + i * step if count > 1 else (width / 2)

    def y(v: int) -> float:
        return top + (height - top - bottom) * (1 - v / largest)

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        f'stroke="{GRID_COLOUR}"/>'
    ]
    if count > 1:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
        )
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        body.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{LINE_COLOUR}"/>'
            f'<text x="{x(i):.1f}" y="{y(value) - 8:.1f}" text-anchor="middle">'
            f"{escape(_number(value))}</text>"
            f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f"{escape(name)}</text>"
        )
    return _svg(width, height, label, body)


# ---------------------------------------------------------------------------------------
# The district map


@cache
def _shapes(city_code: str) -> dict[str, list[list[list[float]]]]:
    """The outer and inner rings of each shape of the city's boundary file, by division code.

    Read once per process: the files are static assets that change only with a release."""
    path = GEO_DIR / f"{city_code}.geojson"
    if not path.exists():
        return {}
    collection = json.loads(path.read_text(encoding="utf-8"))
    shapes: dict[str, list[list[list[float]]]] = {}
    for feature in collection["features"]:
        geometry: dict[str, Any] = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        rings = [ring for polygon in polygons for ring in polygon]
        shapes[str(feature["properties"]["adcode"])] = rings
    return shapes


def district_map(layout: MapLayout, *, city_code: str, label: str, width: int = 640) -> SafeString:
    """The city's districts coloured by count (the dashboard's bands), each labelled with its
    count, with a legend. An equirectangular projection scaled by the cosine of the middle
    latitude: true enough in shape for a city."""
    shapes = _shapes(city_code)
    if not shapes:
        return mark_safe("")  # no boundary file: the table alone stands
    xs = [p[0] for rings in shapes.values() for ring in rings for p in ring]
    ys = [p[1] for rings in shapes.values() for ring in rings for p in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    squeeze = math.cos(math.radians((y0 + y1) / 2))
    legend_height = 28
    scale = (width - 20) / ((x1 - x0) * squeeze or 1)
    height = int((y1 - y0) * scale) + 20 + legend_height

    def point(lon: float, lat: float) -> str:
        return f"{10 + (lon - x0) * squeeze * scale:.1f},{10 + (y1 - lat) * scale:.1f}"

    bands = colour_bands([a.count for a in layout.areas])
    counts = {a.shape: a for a in layout.areas}

    def colour(count: int) -> str:
        return next((b.colour for b in bands if b.low <= count <= b.high), bands[0].colour)

    body = []
    labels = []
    for code, rings in sorted(shapes.items()):
        area = counts.get(code)
        count = area.count if area else 0
        path = " ".join(
            "M" + " L".join(point(lon, lat) for lon, lat in ring) + "Z" for ring in rings
        )
        title = f"{area.label}: {count}" if area else code
        body.append(
            f'<path d="{path}" fill="{colour(count)}" fill-rule="evenodd" stroke="#ffffff" '
            f'stroke-width="1"><title>{escape(title)}</title></path>'
        )
        if area is not None:
            outer = max(rings, key=len)
            cx = sum(p[0] for p in outer) / len(outer)
            cy = sum(p[1] for p in outer) / len(outer)
            x, y = point(cx, cy).split(",")
            ink = "#ffffff" if colour(count) in ("#2166ac", "#08306b", "#4292c6") else TEXT_COLOUR
            labels.append(
                f'<text x="{x}" y="{y}" text-anchor="middle" dominant-baseline="middle" '
                f'font-weight="bold" fill="{ink}">{count}</text>'
            )
    legend_y = height - legend_height + 6
    for i, band in enumerate(bands):
        lx = 10 + i * 90
        labels.append(
            f'<rect x="{lx}" y="{legend_y}" width="16" height="16" fill="{band.colour}"/>'
            f'<text x="{lx + 22}" y="{legend_y + 13}">{escape(band.label)}</text>'
        )
    return _svg(width, height, label, body + labels)
