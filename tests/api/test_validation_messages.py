"""pydantic's English messages are said again in the user's language (api.errors)."""

from __future__ import annotations

import pytest
from django.utils import translation

from shuniu.api.errors import validation_message


@pytest.mark.parametrize(
    ("error", "english", "chinese"),
    [
        ({"type": "missing", "msg": "Field required"}, "This value is required.", "此项为必填。"),
        (
            {"type": "less_than_equal", "msg": "…", "ctx": {"le": 1000000000}},
            "Enter a number of at most 1000000000.",
            "请填写不大于 1000000000 的数。",
        ),
        (
            {"type": "greater_than_equal", "msg": "…", "ctx": {"ge": 1}},
            "Enter a number of at least 1.",
            "请填写不小于 1 的数。",
        ),
        ({"type": "int_parsing", "msg": "…"}, "Enter a whole number.", "请填写整数。"),
        (
            {"type": "string_too_long", "msg": "…", "ctx": {"max_length": 100}},
            "Enter at most 100 characters.",
            "最多填写 100 个字符。",
        ),
        (
            {"type": "literal_error", "msg": "…", "ctx": {"expected": "'agency' or 'hub'"}},
            "Choose one of: 'agency' or 'hub'.",
            "请从以下选项中选择：'agency' or 'hub'。",
        ),
        (
            {"type": "json_invalid", "msg": "…"},
            "The body is not valid JSON.",
            "请求正文不是有效的 JSON。",
        ),
        # Our own validators' messages are translated already and pass through.
        ({"type": "value_error", "msg": "已翻译的说明"}, "已翻译的说明", "已翻译的说明"),
    ],
)
def test_pydantic_messages_are_in_the_users_language(error, english, chinese):
    # when the message is made in English and in Chinese
    with translation.override("en"):
        in_english = validation_message(error)
    with translation.override("zh-hans"):
        in_chinese = validation_message(error)
    # then each says the same in its language
    assert in_english == english
    assert in_chinese == chinese


def test_an_api_answer_names_the_field_in_chinese(client, db):
    # when a page number above the limit is asked for, in the default language
    response = client.get("/api/v1/organizations", {"page": "10000000000"})
    # then the problem names the field and says why in Chinese
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["query", "page"], "msg": "请填写不大于 1000000000 的数。"}
    ]
