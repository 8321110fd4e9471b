"""Shared plumbing for the ``shuniu`` management commands: dates, JSON, one-line failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from shuniu.core.errors import NotFound, PermissionDenied, Undecryptable, ValidationError


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("%(option)s: %(value)r is not a date (YYYY-MM-DD)")
            % {"option": option, "value": value}
        ) from exc


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def domain_errors_as_command_errors(exc: Exception) -> CommandError:
    """One line naming the field, for a domain error raised by a service or selector."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            parts = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            return CommandError("; ".join(parts))
        return CommandError("; ".join(exc.messages))
    if isinstance(exc, NotFound):
        return CommandError(_("not found: %(what)s") % {"what": exc})
    if isinstance(exc, PermissionDenied):
        return CommandError(str(exc))
    if isinstance(exc, Undecryptable):
        return CommandError(
            _(
                "person %(id)s: the stored ID number cannot be opened with the configured "
                "keys; an administrator must configure the key that sealed it (docs/keys.md)."
            )
            % {"id": exc.pk}
        )
    return CommandError(str(exc))
