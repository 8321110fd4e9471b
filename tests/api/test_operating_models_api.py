"""``GET /api/v1/stats/operating-models``: the three cities' operating models (public)."""

from __future__ import annotations

import json

import pytest

from tests.factories_operating import beijing_scene

API = "/api/v1"

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing(db):
    return beijing_scene()


def test_the_three_cities_as_of_a_date(client, beijing):
    # Given the Beijing scene; when anyone asks for mid-2012
    response = client.get(f"{API}/stats/operating-models", {"as_of": "2012-06-30"})
    # Then the three cities come back in order, with Beijing's figures as the selector has them
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2012-06-30"
    assert [c["region"]["code"] for c in body["cities"]] == ["110000", "310000", "440300"]
    city = body["cities"][0]
    assert city["agencies"] == 3
    assert city["hub_led"] == {
        "code": "hub_led",
        "label": "由枢纽型组织带领",
        "count": 1,
        "share": "0.3333",
    }
    assert [(s["code"], s["share"]) for s in city["purchased"]] == [
        ("posts", "0.7500"),
        ("services", "0.2500"),
    ]
    assert (city["population"], city["population_census"]) == (19612368, 2010)
    assert city["census_after_date"] is False
    assert city["agencies_per_10k"] == "0.0015"
    assert city["support_yuan"] == "100000.00"
    # And a city without agencies has null ratios
    assert body["cities"][2]["certified_per_agency"] is None


def test_the_answer_names_no_organization_or_person(client, beijing):
    text = client.get(f"{API}/stats/operating-models", {"as_of": "2012-06-30"}).content.decode()
    # The scene's agencies, hubs and people stay out of the aggregate
    for name in ("甲", "乙", "丙", "西城区社工协会", "id_number", "birth"):
        assert name not in text


@pytest.mark.parametrize(
    ("as_of", "fragment"),
    [("2012-02-30", "as_of"), ("1900-01-01", "as_of"), ("yesterday", "as_of")],
)
def test_a_bad_date_is_a_problem_naming_it(client, as_of, fragment):
    response = client.get(f"{API}/stats/operating-models", {"as_of": as_of})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert fragment in json.dumps(response.json()["errors"])


def test_reading_the_models_costs_a_fixed_number_of_queries(
    client,
    beijing,
    django_assert_max_num_queries,
):
    # The division index, 6 per city, and the request's own (session, rate limits)
    with django_assert_max_num_queries(1 + 6 * 3 + 4):
        response = client.get(f"{API}/stats/operating-models", {"as_of": "2012-06-30"})
    assert response.status_code == 200


def test_before_the_2010_census_the_answer_says_it_came_later(client, db):
    body = client.get(f"{API}/stats/operating-models", {"as_of": "2009-12-31"}).json()
    assert [(c["population_census"], c["census_after_date"]) for c in body["cities"]] == [
        (2010, True),
        (2010, True),
        (2010, True),
    ]
