from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuniu.core.validation import model_field_errors


class BaseModel(models.Model):
    """Every editable record: timestamps and a version for optimistic locking."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Date fields that may lie before core.validation.MIN_DATE (a birth date).
    unbounded_dates: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Django's field checks plus core.validation's: no control or direction characters,
        no invisible-only text, dates in the documented range."""
        errors: dict[str, list[Any]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        hygiene = model_field_errors(self, exclude=exclude, unbounded_dates=self.unbounded_dates)
        for name, messages in hygiene.items():
            if name not in errors:
                errors[name] = list(messages)
        if errors:
            raise ValidationError(errors)


class AuditRecord(models.Model):
    """Append-only trail of every write. Written only by ``core.audit.audit_write``."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    # The division the object lies in, so officers can read the trail of their jurisdiction.
    division_code = models.CharField(_("division code"), max_length=6, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class DataVersion(models.Model):
    """One row: a number that every write moves forward in the write's own transaction
    (``shuniu.core.dataversion``). Cached figures are keyed by it, so a write makes every
    cached figure computed before it unreachable at once, in every process."""

    value = models.BigIntegerField(_("value"), default=0)
    # Random, made with the row: a flushed or restored database starts a new one.
    epoch = models.CharField(_("epoch"), max_length=32, default="")

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return str(self.value)
