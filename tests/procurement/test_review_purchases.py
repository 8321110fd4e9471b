"""The review of the purchase endpoints: a government unit never supplies or bids, a
description has a length, amounts in other scripts' digits are refused, and a denied write
leaves every procurement table as it was."""

from __future__ import annotations

import pytest

from shuniu.procurement.models import Purchase
from tests.procurement.tables import every_table
from tests.procurement.test_purchases_api import (  # noqa: F401
    MATRIX,
    WRITES,
    new_purchase,
    send,
    world,
)

API = "/api/v1"
DENIED = [
    (role, op, status)
    for role, op, status in MATRIX
    if status in (401, 403, 404) and WRITES[op][0] != "get"
]


@pytest.mark.parametrize(("role", "operation", "status"), DENIED)
def test_a_denied_purchase_write_changes_no_table(client, world, role, operation, status):  # noqa: F811
    # given every procurement table counted
    method, url, body = WRITES[operation]
    before = every_table()
    # when a role on the wrong side calls the operation
    response = send(client, method, url(world), body(world), world["headers"][role])
    # then it is refused and no table gained or lost a row
    assert response.status_code == status, response.content
    assert every_table() == before


def _award(world, **change):  # noqa: F811
    body = {"supplier": world["good"].pk, "amount": "480000.00", "awarded_on": "2010-05-01"}
    return f"{API}/purchases/{world['purchase'].pk}/award", body | change


@pytest.mark.parametrize("role", ["officer_of_this_district", "admin"])
def test_the_buyer_itself_cannot_be_awarded_its_purchase(client, world, role):  # noqa: F811
    # given the buyer, a government unit (every default rule would let it pass)
    url, body = _award(world, supplier=world["buyer"].pk)
    before = every_table()
    # when the officer awards the purchase to it
    response = send(client, "post", url, body, world["headers"][role], HTTP_ACCEPT_LANGUAGE="en")
    # then it is a 422 naming the supplier, and nothing (not even a refusal) is kept
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [
        {
            "loc": ["supplier"],
            "msg": "A government unit cannot supply a purchase (东城区社会工作委员会 is one).",
        }
    ]
    assert every_table() == before
    assert Purchase.objects.get(pk=world["purchase"].pk).status == "planning"
    # and the message is in zh-hans for a zh-hans reader
    chinese = send(
        client, "post", url, body, world["headers"][role], HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert chinese.json()["errors"][0]["msg"] == (
        "政府单位不能作为采购项目的供应方（东城区社会工作委员会 是政府单位）。"
    )


def test_a_government_unit_cannot_bid(client, world):  # noqa: F811
    # given a bid by the buyer beside the award to an eligible agency
    url, body = _award(world, bids=[{"bidder": world["buyer"].pk, "amount": "1.00"}])
    before = every_table()
    # when the officer records it
    response = send(client, "post", url, body, world["headers"]["admin"])
    # then the bids are refused and nothing is written
    assert response.status_code == 422, response.content
    assert [e["loc"] for e in response.json()["errors"]] == [["bids"]]
    assert every_table() == before


@pytest.mark.parametrize(
    ("length", "status"),
    [(5000, 201), (5001, 422)],
)
def test_a_description_has_at_most_5000_characters(client, world, length, status):  # noqa: F811
    # given a purchase described at length
    body = new_purchase(world) | {"description": "述" * length}
    before = Purchase.objects.count()
    # when it is created
    response = send(client, "post", f"{API}/purchases", body, world["headers"]["admin"])
    # then up to 5000 characters are kept, more are a 422 naming the field
    assert response.status_code == status, response.content[:300]
    if status == 422:
        assert [e["loc"] for e in response.json()["errors"]] == [["description"]]
        assert Purchase.objects.count() == before
    else:
        assert Purchase.objects.count() == before + 1


def test_the_description_limit_holds_for_an_edit_too(client, world):  # noqa: F811
    # given the purchase as it is
    url = f"{API}/purchases/{world['purchase'].pk}"
    # when its description is made too long
    response = send(
        client, "patch", url, {"description": "x" * 5001, "version": 1}, world["headers"]["admin"]
    )
    # then the edit is refused and the version unchanged
    assert response.status_code == 422, response.content[:300]
    assert Purchase.objects.get(pk=world["purchase"].pk).version == 1


@pytest.mark.parametrize(
    ("where", "change", "loc"),
    [
        ("budget", {"budget": "٣٠٠٠٠٠"}, ["body", "payload", "budget"]),
        ("award", {"amount": "١٢"}, ["body", "payload", "amount"]),
        (
            "bid",
            {"bids": [{"bidder": 0, "amount": "١"}]},
            ["body", "payload", "bids", "0", "amount"],
        ),
        ("underscore", {"amount": "480_000"}, ["body", "payload", "amount"]),
    ],
)
def test_amounts_in_other_digits_are_refused(client, world, where, change, loc):  # noqa: F811
    # given a purchase body or an award body
    if where == "budget":
        url, body = f"{API}/purchases", new_purchase(world) | change
    else:
        url, body = _award(world, **change)
    before = every_table()
    # when an amount is written with other scripts' digits or an underscore
    response = send(client, "post", url, body, world["headers"]["admin"])
    # then it is refused naming the field, and nothing is written
    assert response.status_code == 422, response.content
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert every_table() == before
