"""Rows of every procurement table (and the audit log): a denied or refused write must leave
each count as it was, whichever table the service would have touched."""

from __future__ import annotations

from django.apps import apps

from shuniu.core.models import AuditRecord


def every_table() -> dict[str, int]:
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("procurement").get_models()
    }
    counts["core.AuditRecord"] = AuditRecord.objects.count()
    return counts
