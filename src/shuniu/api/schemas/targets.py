from __future__ import annotations

import datetime as dt

from ninja import Schema


class ScopeOut(Schema):
    code: str
    name: str


class DocumentOut(Schema):
    title: str
    number: str
    issuer: str
    issued_on: dt.date | None


class ProgressOut(Schema):
    as_of: dt.date
    actual: float
    percent: float
    state: str
    first_met_on: dt.date | None
    pace_from: dt.date
    pace_expected: float


class TargetOut(Schema):
    id: int
    region: ScopeOut
    metric: str
    kind: str
    scope: list[ScopeOut]
    value: float
    due_on: dt.date
    description: str
    document: DocumentOut | None
    progress: ProgressOut


class TargetListOut(Schema):
    items: list[TargetOut]
    count: int
