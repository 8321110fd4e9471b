from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shuniu.core.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin[AuditRecord]):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_label", "object_id", "request_id"]
    date_hierarchy = "at"

    # Append-only: nobody edits or deletes the trail, not even from the back office.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
