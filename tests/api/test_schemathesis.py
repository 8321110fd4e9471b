"""The whole API fuzzed from its own OpenAPI document (schemathesis), as an anonymous caller
and as an administrator with a bearer token, on a database holding a little of everything.

Every operation gets a bounded number of generated requests, valid and invalid; each answer
must not be a server error and must conform to the document: a documented status code, the
documented content type and a body matching the documented schema. The rate limits are
raised for the run (the fuzzer sends hundreds of requests a minute)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from shuniu.accounts.services import token_create
from shuniu.core.actors import cli_actor
from shuniu.workforce.services import programme_create
from tests.factories import make_organization
from tests.workforce.factories import SYSTEM, employ, make_certificate, make_person

# Generated requests per operation, caller and mode (valid and invalid data): the whole run
# stays around a minute on two cores.
EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema()))
OPERATIONS = [
    (method.upper(), path)
    for path, methods in DOCUMENT["paths"].items()
    for method in methods
    if method in ("get", "post", "patch", "put", "delete")
]


@pytest.fixture
def little_data(db):
    """A few organizations, people, certificates, employments and a programme."""
    agency = make_organization(name="西城甲社工事务所", division="110102")
    other = make_organization(name="海淀乙社工事务所", division="110108")
    make_organization(name="东城区社会工作者协会", kind="association", division="110101")
    for n, org in enumerate((agency, other, agency)):
        person = make_person(name=f"测试{n}")
        make_certificate(person, division=org.registrar_division.code)
        employ(person, org, starts_on=dt.date(2012, 1, 1))
    programme_create(actor=SYSTEM, name="计划", region=agency.registrar_division.parent, year=2009)


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI application, called in this thread so that it sees the test's
    transaction. Django closes connections at the end of each request, which would end the
    test's transaction; the test client disconnects that signal too."""
    settings.SHUNIU_API_ANON_RATE = "100000/min"
    settings.SHUNIU_API_USER_RATE = "100000/min"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _headers(caller: str, admin_user: Any) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    _, key = token_create(actor=cli_actor("test"), username=admin_user.username)
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzzed_requests_get_no_server_error_and_documented_answers(
    little_data, wsgi_app, admin_user, caller, method, path
):
    # given the API's document, loaded as schemathesis sees it, calling the app in-process
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    schema.app = wsgi_app
    operation = schema.find_operation_by_path(method, path)
    assert operation is not None
    headers = _headers(caller, admin_user)
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    # when it sends generated requests, valid and invalid
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        # then every answer passes the checks (a failure names the request to replay)
        case.call_and_validate(headers=headers, checks=CHECKS)

    send()


def test_the_fuzzed_app_sees_the_test_data(little_data, wsgi_app):
    # given the document loaded as in the fuzzing test
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    schema.app = wsgi_app
    operation = schema.find_operation_by_path("GET", "/api/v1/organizations")
    # when the list of organizations is asked for through the WSGI app
    response = operation.Case(query={"page_size": 10}).call()
    # then it holds the organizations made for the run (the fuzzer reaches real records)
    assert response.status_code == 200
    assert response.json()["count"] == 3
