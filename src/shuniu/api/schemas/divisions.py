from __future__ import annotations

import datetime as dt

from ninja import Schema

from shuniu.api.schemas.common import DivisionRef


class DivisionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent: DivisionRef | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: DivisionRef | None
    change: str
