"""A stored ID number that no configured key opens (the key that sealed it is missing, e.g.
``SHUNIU_DATA_KEYS_PREVIOUS`` forgotten during a rotation): a clear answer on every interface
(API 503 problem+json, the person page 503 with a message, one CLI line), never a 500, never
the number or key material, and an ERROR log line with the row id."""

from __future__ import annotations

import base64
import hashlib
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from shuniu.core.cli import domain_errors_as_command_errors
from shuniu.core.errors import Undecryptable
from shuniu.core.models import AuditRecord
from shuniu.workforce import identity
from shuniu.workforce.services import person_id_number
from tests.workforce.factories import SYSTEM, id_number, make_certificate, make_person

KEY_A = base64.urlsafe_b64encode(hashlib.sha256(b"unreadable key a").digest()).decode().rstrip("=")
KEY_B = base64.urlsafe_b64encode(hashlib.sha256(b"unreadable key b").digest()).decode().rstrip("=")
API_TITLE_EN = "ID number unavailable"
API_DETAIL_EN = (
    "The stored ID number cannot be opened with the keys this server is configured with. "
    "An administrator must configure the key that sealed it (docs/keys.md)."
)
PAGE_EN = (
    "The stored ID number cannot be opened with the keys this server is configured with. "
    "An administrator must configure the key that sealed it (docs/keys.md)."
)


@pytest.fixture
def sealed_with_a_lost_key(db, settings):
    """A person whose number was sealed with key A, with only key B configured now."""
    settings.SHUNIU_DATA_KEY = KEY_A
    number = id_number()
    person = make_person(name="赵六", number=number)
    make_certificate(person, division="110102")
    settings.SHUNIU_DATA_KEY, settings.SHUNIU_DATA_KEYS_PREVIOUS = KEY_B, ""
    return person, number


def views() -> int:
    return AuditRecord.objects.filter(action="person.id_number.view").count()


def forbidden_texts(number: str) -> list[str]:
    """What no answer may carry: the number, the keys, their ids."""
    return [number, KEY_A, KEY_B, identity.data_key_id(KEY_A), identity.data_key_id(KEY_B)]


def test_the_service_raises_the_domain_error_and_logs_the_row(sealed_with_a_lost_key, caplog):
    # given
    person, _number = sealed_with_a_lost_key
    # when
    with (
        caplog.at_level(logging.ERROR, logger="shuniu.workforce"),
        pytest.raises(Undecryptable) as caught,
    ):
        person_id_number(actor=SYSTEM, person=person, purpose="check")
    # then the error names the row and the key id its value names; nothing recorded as seen
    assert (caught.value.pk, caught.value.kid) == (person.pk, identity.data_key_id(KEY_A))
    assert views() == 0
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.name == "shuniu.workforce.identity"
    assert record.getMessage() == (
        f"person {person.pk}: the stored ID number cannot be opened with the configured keys "
        f"(row {person.pk}: key {identity.data_key_id(KEY_A)} is not configured)"
    )


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", API_TITLE_EN, API_DETAIL_EN),
        (
            "zh-hans",
            "身份证号暂不可用",
            "用本服务器配置的密钥无法打开所存的身份证号。"
            "须由管理员配置当初加密它的密钥（见 docs/keys.md）。",
        ),
    ],
)
def test_the_api_answers_503_problem_json(
    sealed_with_a_lost_key, admin_user, language, title, detail
):
    # given an administrator
    person, number = sealed_with_a_lost_key
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    # when
    response = client.get(f"/api/v1/workforce/people/{person.pk}/id-number?purpose=check")
    # then
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert not response.has_header("Retry-After")
    assert json.loads(response.content) == {
        "type": "about:blank",
        "title": title,
        "status": 503,
        "detail": detail,
    }
    body = response.content.decode()
    assert [text for text in forbidden_texts(number) if text in body] == []
    assert views() == 0


def test_the_openapi_document_lists_503_for_the_reveal(db):
    # when
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    # then
    responses = schema["paths"]["/api/v1/workforce/people/{person_id}/id-number"]["get"][
        "responses"
    ]
    assert responses["503"]["description"] == (
        "The database is busy (try again after Retry-After), or a stored ID number cannot be "
        "opened with the configured keys."
    )


def test_the_person_page_shows_a_message_instead_of_the_number(sealed_with_a_lost_key, admin_user):
    # given an administrator on the person page
    person, number = sealed_with_a_lost_key
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(admin_user)
    # when the number is asked for
    response = client.post(f"/workforce/people/{person.pk}/id-number/", {"purpose": "check"})
    html = response.content.decode()
    # then the page answers 503 with the message, the masked number, and no clear number
    assert response.status_code == 503
    assert 'id="id-number-unavailable"' in html
    assert PAGE_EN in " ".join(html.split())
    assert person.id_shown in html
    assert 'id="id-number-clear"' not in html
    assert [text for text in forbidden_texts(number) if text in html] == []
    assert views() == 0


def test_the_person_page_in_chinese(sealed_with_a_lost_key, admin_user):
    # given
    person, _number = sealed_with_a_lost_key
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(admin_user)
    # when
    response = client.post(f"/workforce/people/{person.pk}/id-number/", {"purpose": "核对"})
    # then
    assert response.status_code == 503
    assert (
        "用本服务器配置的密钥无法打开所存的身份证号。"
        "须由管理员配置当初加密它的密钥（见 docs/keys.md）。"
    ) in " ".join(response.content.decode().split())


def test_keys_rotate_stops_with_one_line(sealed_with_a_lost_key, caplog):
    # given the lost key's row, and key B current
    person, number = sealed_with_a_lost_key
    # when
    with (
        caplog.at_level(logging.ERROR, logger="shuniu.workforce"),
        pytest.raises(CommandError) as caught,
    ):
        call_command("keys", "rotate")
    # then one line, exit status 1, naming the row, the key id and what to do; no number, no key
    message = str(caught.value)
    assert message == (
        f"person {person.pk}: the stored ID number cannot be opened with the configured keys "
        f"(it names key {identity.data_key_id(KEY_A)}). Add that key to "
        "SHUNIU_DATA_KEYS_PREVIOUS (docs/keys.md) and run the rotation again; nothing of the "
        "batch holding this row was written."
    )
    assert caught.value.returncode == 1
    assert "\n" not in message
    assert [text for text in (number, KEY_A, KEY_B) if text in message] == []
    assert [r.levelno for r in caplog.records if r.name == "shuniu.workforce.identity"] == [
        logging.ERROR
    ]


def test_other_commands_map_it_to_one_line(db):
    # when
    error = domain_errors_as_command_errors(Undecryptable(pk=7))
    # then
    assert str(error) == (
        "person 7: the stored ID number cannot be opened with the configured keys; an "
        "administrator must configure the key that sealed it (docs/keys.md)."
    )
