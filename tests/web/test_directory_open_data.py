"""The directory's links to the open-data exports: for the chosen city or district and date."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_organization

pytestmark = pytest.mark.django_db


def _links(html: str) -> list[str]:
    block = re.search(r'<p class="mb-0 small" id="open-data">(.*?)</p>', html, re.S)
    assert block is not None
    return re.findall(r'href="([^"]+)"', block.group(1))


def test_directory_links_the_exports_of_the_chosen_district_and_date(client):
    # given an organization in 东城区
    make_organization(name="东城链接社工事务所")
    # when anyone reads the directory of 东城区 as of a date
    response = client.get("/organizations/?district=110101&as_of=2012-11-30")
    # then the page links the three exports for that district and date, and each answers 200
    assert response.status_code == 200
    links = _links(response.content.decode())
    assert links == [
        f"/api/v1/export/{fmt}?region=110101&amp;as_of=2012-11-30"
        for fmt in ("hsds", "360giving", "datapackage")
    ]
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_directory_without_a_region_asks_for_one(client):
    # given an organization
    make_organization(name="东城链接社工事务所")
    # when the whole directory is read
    response = client.get("/organizations/", HTTP_ACCEPT_LANGUAGE="en")
    # then there is no export link, only the hint
    html = response.content.decode()
    assert _links(html) == []
    assert "choose a city or district for HSDS, 360Giving and the data package" in html
