from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from shuniu.core.models import AuditRecord

_M = TypeVar("_M", bound=Model)


class AdminRefusal(Exception):
    """A service refused a back-office save: its reasons as one line for the admin's message."""

    def __init__(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            text = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        elif isinstance(exc, ValidationError):
            text = "; ".join(exc.messages)
        else:
            text = str(exc)
        super().__init__(text)
        self.text = text


class RefusalAsMessage(admin.ModelAdmin[_M]):
    """An admin whose saves go through the services: a refused save (``AdminRefusal``) is
    shown as a message on the same form instead of a server error."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except AdminRefusal as refusal:
            self.message_user(request, refusal.text, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


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
