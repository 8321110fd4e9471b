"""Which parts of the workspace a user may use, for the workspace navigation."""

from __future__ import annotations

from typing import Any

from django import template

from shuniu.accounts.permissions import (
    evaluator_organization_ids,
    is_admin,
    jurisdictions,
    staff_organization_ids,
)

register = template.Library()


@register.simple_tag
def workspace_roles(user: Any) -> dict[str, bool]:
    if not getattr(user, "is_authenticated", False):
        return {"officer": False, "staff": False, "evaluator": False}
    return {
        "officer": is_admin(user) or bool(jurisdictions(user)),
        "staff": bool(staff_organization_ids(user)),
        "evaluator": bool(evaluator_organization_ids(user)),
    }
