"""``shuniu stats operating``: the operating models as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories_operating import beijing_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing(db):
    return beijing_scene()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("stats", "operating", *args, stdout=out)
    return out.getvalue()


def test_json_is_the_api_answer(client, beijing):
    # Given the scene; when the command and the API are asked for the same date
    printed = json.loads(run("--as-of", "2012-06-30", "--format", "json"))
    answered = client.get("/api/v1/stats/operating-models", {"as_of": "2012-06-30"}).json()
    # Then they agree on every figure (labels follow each one's language)
    for cli_city, api_city in zip(printed["cities"], answered["cities"], strict=True):
        for key in ("agencies", "population", "agencies_per_10k", "support_yuan", "posts_amount"):
            assert cli_city[key] == api_city[key]
        assert [s["share"] for s in cli_city["formations"]] == [
            s["share"] for s in api_city["formations"]
        ]
    assert printed["as_of"] == "2012-06-30"


def test_csv_has_a_row_per_figure_and_the_counts_behind_shares(beijing):
    rows = list(csv.reader(io.StringIO(run("--as-of", "2012-06-30", "--format", "csv"))))
    by_code = {row[0]: row for row in rows[1:]}
    assert rows[0][3:] == ["北京市 (110000)", "上海市 (310000)", "深圳市 (440300)"]
    assert by_code["agencies"][2:] == ["count", "3", "0", "0"]
    assert by_code["hub_led"][2:] == ["share", "0.3333", "", ""]
    assert by_code["hub_led.count"][2:] == ["count", "1", "0", "0"]
    assert by_code["purchased.posts"][2:] == ["share", "0.7500", "0.0000", ""]
    assert "purchased.posts.count" not in by_code
    assert by_code["population"][3:] == ["19612368", "23019196", "10358381"]


def test_the_table_names_the_cities(beijing, capsys):
    run("--as-of", "2012-06-30")
    printed = capsys.readouterr().out
    assert "北京市" in printed
    assert "33.33% (1)" in printed


@pytest.mark.parametrize("as_of", ["2012-02-30", "30/06/2012", "today"])
def test_a_bad_date_is_one_line_naming_the_option(as_of):
    with pytest.raises(CommandError, match="--as-of") as error:
        run("--as-of", as_of)
    assert "\n" not in str(error.value)
