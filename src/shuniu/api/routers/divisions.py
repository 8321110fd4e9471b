from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shuniu.api.schemas.divisions import DivisionOut
from shuniu.api.types import ApiDate, CleanStr
from shuniu.divisions.models import Division
from shuniu.divisions.selectors import division_list

router = Router(tags=["divisions"])


class DivisionFilter(Schema):
    parent: CleanStr | None = None
    on: ApiDate | None = None


@router.get("", response=list[DivisionOut], operation_id="list_divisions")
def list_divisions(request: HttpRequest, filters: Query[DivisionFilter]) -> list[Division]:
    """Administrative divisions (GB/T 2260): the children of ``parent``, or without it the top
    level (provinces and province-level cities); only those valid ``on`` a date when given.
    Walk the tree level by level: the national table is never sent whole."""
    return division_list(parent_code=filters.parent, on=filters.on)
