"""Log lines that carry the request id, as text or one JSON object per line.

Used by Django's ``LOGGING`` (config/settings.py) and by gunicorn's ``logconfig_dict``
(config/gunicorn.py), so the application's lines and the server's own (worker start, access
lines) look alike. Standard library only: gunicorn's master loads it before Django is set up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

from shuniu.core.context import current_request_id, request_id_kept

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

# gunicorn's access line gets the response header under this key in its record's arguments.
_ACCESS_REQUEST_ID = "{x-request-id}o"


def request_id_of(record: logging.LogRecord) -> str:
    """The id of the request a line belongs to, ``-`` outside requests.

    Inside a request the id is in the context variable set by ``RequestIdMiddleware``. Two kinds
    of lines are written after the middleware has returned: Django's ``django.request`` line
    for a 4xx/5xx response (it carries the request, on which the middleware left the id), and
    gunicorn's access line (it carries the ``X-Request-ID`` response header)."""
    request_id = current_request_id()
    if request_id:
        return request_id
    from_request = request_id_kept(getattr(record, "request", None))
    if from_request:
        return from_request
    if isinstance(record.args, Mapping):
        from_header = record.args.get(_ACCESS_REQUEST_ID)
        if isinstance(from_header, str) and from_header:
            return from_header
    return "-"


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (never drops a line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_of(record)
        return True


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT`` with the time in ISO 8601, milliseconds and the UTC offset."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return (
            dt.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds")
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, request_id, message, and the
    traceback when there is one; an access line adds its method, path, status and duration."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id_of(record),
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            atoms = record.args
            entry["http"] = {
                "remote_addr": atoms.get("h"),
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "status": _int_or_none(atoms.get("s")),
                "bytes": atoms.get("B"),
                "duration_ms": atoms.get("M"),
            }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def logging_config(*, fmt: str = "text", level: str = "WARNING") -> dict[str, Any]:
    """A ``dictConfig`` where every line goes to stderr through the request-id filter.

    Django's own ``django`` logger is re-declared without handlers so that its lines reach the
    root handler (and so carry the id) instead of Django's default console handler, which would
    write them a second time, without the id, under DEBUG."""
    if fmt not in FORMATS:
        raise ValueError(f"SHUNIU_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "shuniu.core.logging.RequestIdFilter"}},
        "formatters": {
            "text": {"()": "shuniu.core.logging.TextFormatter"},
            "json": {"()": "shuniu.core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
                "formatter": fmt,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"level": level, "propagate": True},
            # runserver's request lines (development); declaring "django" above resets it.
            "django.server": {"level": "INFO", "propagate": True},
        },
    }


def gunicorn_logging_config(*, fmt: str = "text", level: str = "WARNING") -> dict[str, Any]:
    """``logging_config`` plus gunicorn's error and access loggers on the same handler."""
    config = logging_config(fmt=fmt, level=level)
    config["loggers"] = {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    }
    return config
