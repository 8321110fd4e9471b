from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from shuniu.core.audit import audit_build, audit_write, audit_write_many
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


def _fields(obj: Model) -> dict[str, Any]:
    return {
        k: v if isinstance(v, int | str | None) else str(v) for k, v in model_to_dict(obj).items()
    }


class ReferenceDataAdmin(admin.ModelAdmin[_M]):
    """An admin of reference data (divisions, census figures) that has no services: each save
    or delete is audited like a service's write, which also moves the data version, so that
    the statistics cached before the edit are not served after it."""

    def save_model(self, request: HttpRequest, obj: _M, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = (
                _fields(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            )
            super().save_model(request, obj, form, change)
            audit_write(
                actor=request.user,
                action="update" if change else "create",
                instance=obj,
                before=before,
                after=_fields(obj),
            )

    def delete_model(self, request: HttpRequest, obj: _M) -> None:
        with transaction.atomic():
            # Built before the delete, while the object still has its primary key.
            record = audit_build(
                actor=request.user,
                action="delete",
                instance=obj,
                before=_fields(obj),
                after=None,
            )
            super().delete_model(request, obj)
            audit_write_many([record])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_M]) -> None:
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)


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
