"""The review of the evaluation endpoints: a hostile scores body is not echoed back."""

from __future__ import annotations

import json

from shuniu.procurement.models import Evaluation, Score
from tests.procurement.test_evaluations_api import API, send, w  # noqa: F401


def test_many_unknown_indicators_are_one_message(client, w):  # noqa: F811
    # given 5000 scores for indicators the scheme does not have
    url = f"{API}/evaluations/{w.evaluation.pk}/scores"
    body = {"scores": {f"k{i}": {"score": "1"} for i in range(5000)}, "version": 1}
    # when the evaluator sends them
    response = send(client, "put", url, body, w.headers["evaluator"])
    # then one message counts them, and nothing is written
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["scores"], "msg": "5000 scores name no indicator of the scheme."}
    ]
    assert Score.objects.count() == 0
    assert Evaluation.objects.get(pk=w.evaluation.pk).version == 1


def test_a_few_unknown_indicators_are_named_and_a_long_code_is_cut(client, w):  # noqa: F811
    # given a score for an indicator code of 100 000 characters
    url = f"{API}/evaluations/{w.evaluation.pk}/scores"
    body = {"scores": {"x" * 100_000: {"score": "1"}}, "version": 1}
    # when the evaluator sends it
    response = send(client, "put", url, body, w.headers["evaluator"])
    # then the message names the first 80 characters only
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["scores." + "x" * 93], "msg": f"The scheme has no indicator {'x' * 80}."}
    ]
    assert len(json.dumps(response.json())) < 1000
    assert Score.objects.count() == 0
