"""The list's items are built without the response schema's validation
(``schemas.organizations.organization_out``): they must be what the schema makes of the
same organizations, field for field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from shuniu.api.schemas.organizations import OrganizationOut, organization_out
from shuniu.registry.selectors import OrganizationFilter, organization_list
from tests.factories import make_organization


@pytest.mark.parametrize("as_of", [None, dt.date(2012, 6, 30)])
def test_list_items_are_what_the_schema_makes_of_them(db, as_of):
    # given a hub (an association with a level and service fields), a member without a credit
    # code or a registration date, and an agency with a formation
    hub = make_organization(
        name="阳光枢纽",
        kind="association",
        legal_form="social_group",
        association_level="city",
        service_fields=["youth", "elderly"],
    )
    make_organization(
        name="阳光成员",
        hub=hub,
        with_uscc=False,
        registered_on=None,
        name_en="Sunshine",
        address="东城区",
        division="110102",
    )
    make_organization(name="阳光中心", registered_on=dt.date(2011, 3, 4), formation="independent")
    page, count = organization_list(
        actor=AnonymousUser(), filters=OrganizationFilter(q="阳光", as_of=as_of)
    )
    assert count == len(page) >= 2
    # when each is built both ways
    built = [organization_out(org) for org in page]
    validated = [OrganizationOut.model_validate(org).model_dump() for org in page]
    # then they are equal, with the same keys in the same order
    assert built == validated
    assert [list(item) for item in built] == [list(item) for item in validated]


def test_the_api_list_answers_the_schema_body(client, db):
    # given an organization with a hub
    hub = make_organization(name="彩虹枢纽", kind="association", legal_form="social_group")
    org = make_organization(name="彩虹成员", hub=hub, service_fields=["youth"])
    # when the list is asked for
    body = client.get("/api/v1/organizations", {"q": "彩虹成员"}).json()
    # then its one item is the schema's, in JSON
    assert body["count"] == 1
    [item] = body["items"]
    assert item == OrganizationOut.model_validate(
        organization_list(actor=AnonymousUser(), filters=OrganizationFilter(q="彩虹成员"))[0][0]
    ).model_dump(mode="json")
    assert (item["id"], item["hub"]["id"]) == (org.pk, hub.pk)
