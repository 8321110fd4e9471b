"""The people import's references: organizations looked up as the rows name them (by credit
code or exact name, once per text), not the whole registry loaded up front."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuniu.core.actors import cli_actor
from shuniu.workforce.bulk.checks import _References
from tests.factories import make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    return {
        "one": make_organization(name="甲社会工作服务中心", division="110105"),
        "twin_a": make_organization(name="乙社会工作服务中心", division="110101"),
        "twin_b": make_organization(name="乙社会工作服务中心", division="110102"),
    }


def test_no_organization_is_read_until_a_row_names_one(orgs):
    # given a registry of three organizations
    # when the import's references are made
    with CaptureQueriesContext(connection) as made:
        refs = _References(cli_actor("test"))

    # then none of them was read, and none is known yet
    assert not [q for q in made.captured_queries if "registry_organization" in q["sql"]]
    assert refs.by_id == {}


def test_organizations_are_found_by_credit_code_or_exact_name_once_per_text(orgs):
    refs = _References(cli_actor("test"))
    one, twin_a = orgs["one"], orgs["twin_a"]
    # given a credit code written with spaces and full-width characters, as files do
    spaced = " ".join(one.uscc).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})

    # when rows name organizations, each text twice
    with CaptureQueriesContext(connection) as looked_up:
        found = [refs.organization(text) for text in (spaced, spaced, one.name, one.name)]
        by_code = refs.organization(twin_a.uscc)
        twins = refs.organization("乙社会工作服务中心")
        missing = refs.organization("丙社会工作服务中心")

    # then the code and the unique name give the organization, with its registrar division
    assert {(o.id, o.kind, o.division.code) for o in found} == {(one.pk, "agency", "110105")}
    assert (by_code.id, by_code.division.code) == (twin_a.pk, "110101")
    # and a name two organizations share, or none has, is refused with the reason
    assert twins == "Several organizations are named 乙社会工作服务中心; give the credit code."
    assert missing == "No organization has the credit code or name 丙社会工作服务中心."
    # and each distinct text was one query
    assert len(looked_up.captured_queries) == 5
    # and the audit finds the division of an employer found so far
    assert (refs.division_code_of(one.pk), refs.division_code_of(orgs["twin_b"].pk)) == (
        "110105",
        "",
    )
