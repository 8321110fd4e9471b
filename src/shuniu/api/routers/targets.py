"""Targets and their progress as of a date: public statements of plans, read by anyone."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shuniu.api.schemas.targets import TargetListOut, TargetOut
from shuniu.api.types import ApiDate
from shuniu.targets.selectors import target_payload, target_with_progress, targets_with_progress

router = Router(tags=["targets"])


class TargetsQuery(Schema):
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code, e.g. 110000")
    as_of: ApiDate | None = Field(None, description="Defaults to today.")


class TargetQuery(Schema):
    as_of: ApiDate | None = Field(None, description="Defaults to today.")


@router.get("", response=TargetListOut, operation_id="list_targets")
def list_targets(request: HttpRequest, query: Query[TargetsQuery]) -> object:
    """The targets set for a region or a division within it, each with its progress on
    ``as_of``: actual, percent, state (met, on_track, behind, missed) and the date first
    met."""
    items = targets_with_progress(
        region_code=query.region, as_of=query.as_of or timezone.localdate()
    )
    return {"items": [target_payload(i) for i in items], "count": len(items)}


@router.get("/{target_id}", response=TargetOut, operation_id="get_target")
def get_target(request: HttpRequest, target_id: int, query: Query[TargetQuery]) -> object:
    """One target and its progress on ``as_of``."""
    return target_payload(
        target_with_progress(pk=target_id, as_of=query.as_of or timezone.localdate())
    )
