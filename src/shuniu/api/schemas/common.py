from __future__ import annotations

from ninja import Schema


class DivisionRef(Schema):
    code: str
    name: str
    name_en: str = ""


class OrganizationRef(Schema):
    id: int
    name: str
    uscc: str | None = None
