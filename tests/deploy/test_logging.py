"""Every log line carries the id of the request it was written for (``-`` outside requests)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from gunicorn.glogging import SafeAtoms

from config import gunicorn as gunicorn_conf
from shuniu.core.logging import JsonFormatter, RequestIdFilter, TextFormatter, logging_config

view_logger = logging.getLogger("tests.deploy.view")


def logging_view(request: HttpRequest) -> HttpResponse:
    view_logger.warning("written inside a request")
    return HttpResponse("ok")


urlpatterns = [path("_log", logging_view), path("", include("config.urls"))]

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (?P<level>\w+) "
    r"\[(?P<request_id>[^\]]+)\] (?P<logger>[\w.]+): (?P<message>.*)$"
)


@pytest.fixture
def log_lines(settings) -> Iterator[io.StringIO]:
    """Lines as the configured console handler writes them, from the view's and Django's
    loggers, into a buffer (the real handler writes to stderr)."""
    settings.ROOT_URLCONF = __name__
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(TextFormatter())
    loggers = [view_logger, logging.getLogger("django.request"), logging.getLogger("shuniu")]
    for logger in loggers:
        logger.addHandler(handler)
    yield buffer
    for logger in loggers:
        logger.removeHandler(handler)


def parsed(buffer: io.StringIO) -> list[dict[str, str]]:
    lines = buffer.getvalue().splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m.groupdict() for m in matches if m]


def test_a_line_written_inside_a_request_carries_the_given_request_id(client, log_lines):
    # when a request with an id of its own reaches a view that logs
    response = client.get("/_log", HTTP_X_REQUEST_ID="lb-7f3a.42")

    # then the line carries that id, and so does the response
    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert parsed(log_lines) == [
        {
            "level": "WARNING",
            "request_id": "lb-7f3a.42",
            "logger": "tests.deploy.view",
            "message": "written inside a request",
        }
    ]


def test_a_request_without_an_id_gets_one_that_its_lines_carry(client, log_lines):
    # when a request comes without X-Request-ID (or with a malformed one)
    response = client.get("/_log", HTTP_X_REQUEST_ID="bad id; drop table")

    # then a fresh id is made, answered and logged
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert [line["request_id"] for line in parsed(log_lines)] == [request_id]


def test_an_id_ending_in_a_line_break_is_replaced_not_echoed(client, log_lines):
    # when the id a client sends is well-formed but for a trailing line break
    # ($ in a regular expression matches before one)
    response = client.get("/_log", HTTP_X_REQUEST_ID="lb-7f3a.42\n")

    # then it is refused like any malformed id: the response (not a 500) carries a fresh one,
    # and no log line carries the injected line break
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert [line["request_id"] for line in parsed(log_lines)] == [request_id]


def test_lines_django_writes_after_the_middleware_returned_carry_the_id(
    client, log_lines, monkeypatch
):
    # given a database that does not answer, so /readyz answers 503 (Django logs a 5xx
    # response after the whole middleware chain has returned)
    def refuse() -> None:
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", refuse)

    # when the probe is asked
    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-1")

    # then both the probe's own line and Django's line carry the request id
    assert response.status_code == 503
    assert parsed(log_lines) == [
        {
            "level": "WARNING",
            "request_id": "probe-1",
            "logger": "shuniu.core.health",
            "message": "readiness: database unreachable: unable to open database file",
        },
        {
            "level": "ERROR",
            "request_id": "probe-1",
            "logger": "django.request",
            "message": "Service Unavailable: /readyz",
        },
    ]


def test_a_line_written_outside_requests_has_a_dash(log_lines):
    # when something logs outside any request (a worker starting, a command)
    view_logger.warning("outside")

    # then its request id is "-"
    assert [line["request_id"] for line in parsed(log_lines)] == ["-"]


def access_record(atoms: dict[str, object]) -> logging.LogRecord:
    """The record gunicorn's access logger makes (``access_log.info(format, safe_atoms)``)."""
    return logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        gunicorn_conf.access_log_format,
        (SafeAtoms(atoms),),
        None,
    )


ATOMS = {
    "h": "10.0.0.7",
    "r": "GET /api/v1/divisions HTTP/1.1",
    "m": "GET",
    "U": "/api/v1/divisions",
    "s": "200",
    "b": "13368",
    "B": 13368,
    "M": 13,
    "a": "curl/8.5",
    "{x-request-id}o": "a1b2c3",
}


def test_gunicorn_access_lines_carry_the_response_request_id():
    # given an access record as gunicorn makes it, once the response has left the application
    record = access_record(ATOMS)

    # when it is formatted through the filter
    RequestIdFilter().filter(record)
    line = TextFormatter().format(record)

    # then the id comes from the X-Request-ID response header
    assert LINE.match(line).groupdict() == {
        "level": "INFO",
        "request_id": "a1b2c3",
        "logger": "gunicorn.access",
        "message": '10.0.0.7 "GET /api/v1/divisions HTTP/1.1" 200 13368 13ms "curl/8.5"',
    }


def test_json_lines_are_one_object_each_with_the_request_fields():
    # given an access record and the JSON format (SHUNIU_LOG_FORMAT=json)
    record = access_record(ATOMS)
    RequestIdFilter().filter(record)

    # when it is formatted
    entry = json.loads(JsonFormatter().format(record))

    # then it is one object with the id and the request's fields
    assert entry.pop("time").endswith("+00:00")
    assert entry == {
        "level": "INFO",
        "logger": "gunicorn.access",
        "request_id": "a1b2c3",
        "message": '10.0.0.7 "GET /api/v1/divisions HTTP/1.1" 200 13368 13ms "curl/8.5"',
        "process": record.process,
        "http": {
            "remote_addr": "10.0.0.7",
            "method": "GET",
            "path": "/api/v1/divisions",
            "status": 200,
            "bytes": 13368,
            "duration_ms": 13,
        },
    }


def test_json_lines_keep_the_traceback():
    # given an error logged with its exception
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord(
            "shuniu", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    RequestIdFilter().filter(record)

    # when it is formatted as JSON
    entry = json.loads(JsonFormatter().format(record))

    # then the message and the traceback are in one line
    assert entry["message"] == "failed: x"
    assert entry["request_id"] == "-"
    assert entry["exc"].endswith("ValueError: broken")


def test_the_configuration_sends_every_line_through_the_filter():
    # when the configuration is built for each format
    text = logging_config(fmt="text", level="INFO")
    as_json = logging_config(fmt="json", level="INFO")

    # then the one handler filters by request id and formats as asked; Django's own loggers
    # have no handler of their own, so their lines reach that one (runserver's at INFO)
    assert text["handlers"]["console"]["filters"] == ["request_id"]
    assert text["handlers"]["console"]["formatter"] == "text"
    assert as_json["handlers"]["console"]["formatter"] == "json"
    assert text["root"] == {"handlers": ["console"], "level": "INFO"}
    assert "handlers" not in text["loggers"]["django"]
    assert text["loggers"]["django.server"] == {"level": "INFO", "propagate": True}


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="SHUNIU_LOG_FORMAT must be one of text, json, not 'xml'"):
        logging_config(fmt="xml")
