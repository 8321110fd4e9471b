"""Open-data documents written as text a piece at a time (OCDS, HSDS, 360Giving), so that a
whole region streams in constant memory: the head once, then one item per piece."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def json_stream(head: dict[str, Any], key: str, items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``{**head, key: [items...]}`` as JSON text, an item per piece."""
    opening = json.dumps({**head, key: []}, ensure_ascii=False)
    yield opening[: -len("[]}")] + "["
    for i, item in enumerate(items):
        yield ("," if i else "") + json.dumps(item, ensure_ascii=False)
    yield "]}"


def json_array_stream(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``[items...]`` as JSON text, an item per piece."""
    yield "["
    for i, item in enumerate(items):
        yield ("," if i else "") + json.dumps(item, ensure_ascii=False)
    yield "]"
