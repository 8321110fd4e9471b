"""The statistics endpoints serve their cached JSON (``shuniu.api.routers.stats``): the same
bytes django-ninja renders from the figure, and new bytes after a write."""

from __future__ import annotations

import datetime as dt

import pytest

from shuniu.api.renderers import Utf8JSONRenderer
from shuniu.api.schemas.stats import OrganizationStatsOut, organization_stats_data
from shuniu.stats import cache as stats_cache
from shuniu.stats.selectors import organization_stats
from tests.factories import make_organization
from tests.workforce.factories import make_certificate, make_person

ON = "2012-11-30"
URLS = (
    f"/api/v1/stats/organizations?region=110000&as_of={ON}",
    f"/api/v1/stats/organizations?region=110000&as_of={ON}&kind=agency&include_registering=false",
    "/api/v1/stats/organizations/series?region=110000&from=2009-01-01&to=2012-12-31",
    f"/api/v1/stats/workforce?region=110000&as_of={ON}",
)


@pytest.fixture
def figures(db):
    make_organization(division="110101", registered_on=dt.date(2010, 1, 1))
    make_organization(division="110102", registered_on=dt.date(2011, 5, 1), kind="association")
    make_certificate(make_person(), issued_on=dt.date(2010, 6, 1))


def _answer(client, url: str) -> tuple[int, str, bytes]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    return response.status_code, response["Content-Type"], response.content


@pytest.mark.parametrize("url", URLS)
def test_the_cached_json_is_what_django_ninja_renders(client, figures, settings, url):
    # given the answer rendered by django-ninja with the cache off
    settings.SHUNIU_STATS_CACHE_SECONDS = 0
    rendered = _answer(client, url)
    # when the cache is on: the first answer stores the JSON, the second reads it
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    stored, read = _answer(client, url), _answer(client, url)
    # then all three are the same status, type and bytes
    assert rendered[:2] == (200, "application/json; charset=utf-8")
    assert stored == rendered
    assert read == rendered


def test_the_cached_json_changes_with_a_write(client, figures, settings, monkeypatch):
    # given the cache on and the figures read once (the test's transaction stands for
    # committed writes, as in tests/stats/test_cache.py)
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    monkeypatch.setattr(stats_cache, "written_in_this_transaction", lambda: False)
    url = URLS[0]
    assert client.get(url).json()["total"] == 2
    # when another organization is registered
    make_organization(division="110105", registered_on=dt.date(2012, 1, 1))
    # then the next answer counts it
    assert client.get(url).json()["total"] == 3


def test_an_unknown_region_is_not_cached_and_stays_a_problem(client, db, settings):
    settings.SHUNIU_STATS_CACHE_SECONDS = 600
    url = f"/api/v1/stats/organizations?region=999999&as_of={ON}"
    answers = [client.get(url) for _ in range(2)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[1]["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("kind", "include_registering", "total"),
    [(None, True, 2), ("agency", False, 1)],
)
def test_the_stats_body_is_what_the_response_schema_renders(
    figures, kind, include_registering, total
):
    # given the figure of the selector (the endpoint writes it without the schema's models)
    stats = organization_stats(
        region_code="110000",
        as_of=dt.date(2012, 11, 30),
        kind=kind,
        include_registering=include_registering,
    )
    # when it is written as plain dicts and, independently, validated by the response schema
    data = organization_stats_data(stats)
    validated = OrganizationStatsOut.model_validate(stats).model_dump()
    # then both are equal, keys in the same order at every level, and render the same bytes
    assert data == validated
    assert list(data) == list(validated)
    assert list(data["region"]) == list(validated["region"])
    assert [list(d) for d in data["by_district"]] == [list(d) for d in validated["by_district"]]
    assert [list(f) for f in data["by_formation"]] == [list(f) for f in validated["by_formation"]]
    renderer = Utf8JSONRenderer()
    assert renderer.render(None, data, response_status=200) == renderer.render(
        None, validated, response_status=200
    )
    assert data["total"] == total
    assert data["region"] == {"code": "110000", "name": "北京市", "name_en": "Beijing"}
