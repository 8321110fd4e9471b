"""The review of the delivery endpoints: a denied write (401/403/404) leaves every procurement
table as it was, and amounts written in other scripts' digits are refused, not read."""

from __future__ import annotations

import json

import pytest

from tests.procurement.tables import every_table
from tests.procurement.test_delivery_api import CONTRACT, MATRIX, ROUTES, world  # noqa: F401

API = "/api/v1"
# every refused write of the matrix (the reads write nothing)
DENIED = [
    (role, op, status)
    for role, op, status in MATRIX
    if status in (401, 403, 404) and ROUTES[op][0] == "post"
]


@pytest.mark.parametrize(("role", "operation", "status"), DENIED)
def test_a_denied_delivery_write_changes_no_table(client, world, role, operation, status):  # noqa: F811
    # given every procurement table counted
    _method, url, body = ROUTES[operation]
    before = every_table()
    # when a role on the wrong side calls the operation
    response = client.post(
        url(world),
        json.dumps(body(world)),
        content_type="application/json",
        **world["headers"][role],
    )
    # then it is refused and no table gained or lost a row
    assert response.status_code == status, response.content
    assert every_table() == before


def _line(world):  # noqa: F811
    return {"deliverable": world["hours"], "actual": "١٢"}


# operation, url, body with "١٢" (Arabic-Indic 12) in one amount, the field named, who sends
ARABIC = [
    (
        "contract amount",
        lambda w: f"{API}/purchases/{w['awarded']}/contract",
        lambda w: CONTRACT | {"amount": "١٢"},
        "amount",
        "admin",
    ),
    (
        "payment amount",
        lambda w: f"{API}/purchases/{w['awarded']}/contract",
        lambda w: CONTRACT | {"payments": [{"amount": "٤٨٠٠٠٠", "deliverable": 0}]},
        "payments",
        "admin",
    ),
    (
        "planned quantity",
        lambda w: f"{API}/purchases/{w['awarded']}/contract",
        lambda w: CONTRACT | {"deliverables": [CONTRACT["deliverables"][0] | {"planned": "٤٠"}]},
        "deliverables",
        "admin",
    ),
    (
        "reported quantity",
        lambda w: f"{API}/contracts/{w['contract']}/reports",
        lambda w: {
            "period_start": "2010-12-01",
            "period_end": "2011-02-28",
            "submitted_on": "2011-03-01",
            "lines": [_line(w)],
        },
        "lines",
        "staff_of_this_org",
    ),
    (
        "monthly salary",
        lambda w: f"{API}/contracts/{w['posts']}/posts",
        lambda w: {"title": "督导岗位", "count": 1, "required_level": 2, "monthly_salary": "٥٠٠٠"},
        "monthly_salary",
        "admin",
    ),
]


@pytest.mark.parametrize(
    ("name", "url", "body", "field", "who"), ARABIC, ids=[a[0] for a in ARABIC]
)
def test_other_scripts_digits_are_refused_naming_the_field(
    client,
    world,  # noqa: F811
    name,
    url,
    body,
    field,
    who,
):
    # given every table counted
    before = every_table()
    # when an amount is written in Arabic-Indic digits (Decimal would read "١٢" as 12)
    response = client.post(
        url(world),
        json.dumps(body(world)),
        content_type="application/json",
        **world["headers"][who],
    )
    # then it is a 422 naming the field, and nothing is written
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(field in error["loc"] for error in errors), errors
    assert {e["msg"] for e in errors} == {"Enter a number, such as 1200.50."}
    assert every_table() == before


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        (f"{API}/payments/999999/release", {"paid_on": "2011-01-01", "version": 1}, "付款"),
        (f"{API}/posts/999999/assignments", {"person_id": 1, "starts_on": "2010-08-01"}, "岗位"),
        (f"{API}/assignments/999999/end", {"ends_on": "2011-01-01", "version": 1}, "岗位任职记录"),
        (f"{API}/contracts/999999/terminate", {"date": "2011-01-01", "reason": "x"}, "合同"),
    ],
)
def test_an_unknown_part_of_a_contract_is_a_404_saying_which(client, world, url, body, message):  # noqa: F811
    # given no record with that id
    before = every_table()
    # when the administrator writes to it, reading zh-hans
    response = client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **world["headers"]["admin"],
    )
    # then it is a 404 naming the kind of record (through the selectors), nothing written
    assert response.status_code == 404, response.content
    assert f"没有编号为 999999 的{message}" in response.json()["detail"]
    assert every_table() == before
