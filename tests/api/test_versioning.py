"""The version an edit was made on (api/versioning.py) and the one 428 problem it gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from shuniu.accounts.services import token_create
from shuniu.api.versioning import expected_version, optional_version
from shuniu.core.actors import cli_actor
from shuniu.core.errors import ValidationError, VersionRequired
from shuniu.core.models import AuditRecord
from tests.factories import make_organization
from tests.workforce.factories import make_person

ROUTERS = Path(__file__).resolve().parents[2] / "src" / "shuniu" / "api" / "routers"
PROBLEM_EN = {
    "type": "about:blank",
    "title": "Precondition required",
    "status": 428,
    "detail": "Send the version you edited as an If-Match header or a 'version' field.",
}
PROBLEM_ZH = {
    "type": "about:blank",
    "title": "需要前提条件",
    "status": 428,
    "detail": "请在 If-Match 请求头或 'version' 字段中提供您编辑的版本号。",
}


def _request(if_match: str | None = None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return RequestFactory().patch("/", **headers)


def _patch(client, url: str, body: dict, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", PROBLEM_EN), ("zh-hans", PROBLEM_ZH)], ids=["en", "zh"]
)
def test_both_routers_answer_the_same_428_problem_and_write_nothing(
    client, db, admin_user, language, expected
):
    # given an organization and a person, both at version 1, and an admin's token
    org = make_organization()
    person = make_person()
    _, key = token_create(actor=cli_actor("test"), username=admin_user.username)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": language}
    audited = AuditRecord.objects.count()
    # when each is edited without saying which version was read
    answers = [
        _patch(client, f"/api/v1/organizations/{org.pk}", {"address": "新地址"}, **headers),
        _patch(client, f"/api/v1/workforce/people/{person.pk}", {"phone": "123"}, **headers),
    ]
    # then both give the same problem+json, in the caller's language, and nothing is written
    assert [(a.status_code, a["Content-Type"], a.json()) for a in answers] == [
        (428, "application/problem+json", expected),
        (428, "application/problem+json", expected),
    ]
    org.refresh_from_db()
    person.refresh_from_db()
    assert (org.version, org.address, person.version, person.phone) == (1, "", 1, "")
    assert AuditRecord.objects.count() == audited


def test_no_router_builds_a_428_itself():
    # given the routers' sources
    sources = {path.name: path.read_text(encoding="utf-8") for path in ROUTERS.rglob("*.py")}
    # when they are searched for the status
    building = sorted(name for name, text in sources.items() if "428" in text)
    # then only api/errors.py maps VersionRequired to it
    assert len(sources) > 5
    assert building == []


@pytest.mark.parametrize(
    ("if_match", "body_version", "expected"),
    [('"3"', None, 3), ('W/"3"', None, 3), ("3", None, 3), (' "7" ', 2, 7), (None, 4, 4)],
)
def test_expected_version_reads_if_match_first_then_the_body(if_match, body_version, expected):
    # given a request with or without If-Match, and a body with or without a version
    request = _request(if_match)
    # when the version is read / then the header wins over the body
    assert expected_version(request, body_version) == expected
    assert optional_version(request, body_version) == expected


def test_an_edit_that_says_no_version_is_version_required_unless_optional():
    # given a request with neither If-Match nor a version
    request = _request()
    # when the version is read / then it is required, or None where it is optional
    with pytest.raises(VersionRequired):
        expected_version(request, None)
    assert optional_version(request, None) is None


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(['"{}"', 'W/"{}"', "{}"]))
def test_any_etag_given_by_get_is_read_back(version, form):
    # given an ETag as GET gives it (or written without quotes) / when read / then its number
    assert expected_version(_request(form.format(version)), None) == version


@given(st.text(min_size=1).filter(lambda s: s.strip() and not s.strip().strip('"W/').isdigit()))
def test_an_if_match_that_is_not_an_etag_is_refused_naming_the_header(header):
    # given an If-Match header that holds no version number
    request = _request(header)
    # when read / then a validation error names the If-Match header; no version is guessed
    with pytest.raises(ValidationError) as caught:
        expected_version(request, 5)
    assert list(caught.value.message_dict) == ["If-Match"]


def test_an_if_match_with_a_number_too_long_to_be_a_version_is_refused_not_a_500(
    client, db, admin_user
):
    # given an organization and an admin's token
    org = make_organization()
    _, key = token_create(actor=cli_actor("test"), username=admin_user.username)
    # when an edit names a version of 5000 digits (int() refuses more than 4300: ValueError)
    answer = _patch(
        client,
        f"/api/v1/organizations/{org.pk}",
        {"address": "新地址"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IF_MATCH='"' + "9" * 5000 + '"',
    )
    # then it is refused like any If-Match that holds no version, and nothing is written
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["errors"]] == [["If-Match"]]
    org.refresh_from_db()
    assert (org.version, org.address) == (1, "")
