"""``shuniu schemes load`` and ``list``."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shuniu.procurement.models import EvaluationScheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


SCHEME = {
    "code": "city-2015",
    "name": "市级评估指标",
    "name_en": "City indicators",
    "thresholds": {"excellent": 85, "good": 75, "pass": 60},
    "bands": [
        {"from_ratio": "1", "fraction": "1"},
        {"from_ratio": "0.5", "fraction": "0.5"},
        {"from_ratio": "0", "fraction": "0"},
    ],
    "indicators": [
        {"code": "outputs", "name": "产出", "max_score": 60, "is_output": True},
        {"code": "quality", "name": "质量", "max_score": 40},
    ],
}


def test_load_then_list(tmp_path, capsys):
    # given a scheme file
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(SCHEME, ensure_ascii=False), encoding="utf-8")
    # when it is loaded
    call_command("schemes", "load", str(path))
    # then it exists with its thresholds and is listed after the default one
    assert capsys.readouterr().out == "Scheme city-2015 loaded: 2 indicators.\n"
    assert EvaluationScheme.objects.get(code="city-2015").good_from == 75
    call_command("schemes", "list", "--format", "json")
    listed = json.loads(capsys.readouterr().out)
    assert [(s["code"], s["excellent_from"]) for s in listed] == [
        ("city-2015", "85.00"),
        ("default-2012", "90.00"),
    ]
    call_command("schemes", "list")
    assert capsys.readouterr().out.splitlines()[1] == (
        "default-2012\t社会工作服务项目评估指标（通用）\t90.00/80.00/60.00"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not UTF-8 JSON"),
        (b"\xff\xfe", "not UTF-8 JSON"),
        (
            json.dumps(
                {**SCHEME, "thresholds": {"excellent": 60, "good": 75, "pass": 60}}
            ).encode(),
            "thresholds: Thresholds are ordered",
        ),
        (json.dumps({**SCHEME, "code": "default-2012"}).encode(), "code: A scheme with code"),
    ],
)
def test_a_bad_file_creates_nothing_and_says_why(tmp_path, content, message):
    path = tmp_path / "scheme.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("schemes", "load", str(path))
    assert list(EvaluationScheme.objects.values_list("code", flat=True)) == ["default-2012"]


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("schemes", "load", str(tmp_path / "nope.json"))
