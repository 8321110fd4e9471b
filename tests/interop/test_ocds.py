"""OCDS 1.1 release and record packages, validated offline against the shared schemas."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from shuniu.interop.ocds import (
    export_rows,
    record_package,
    record_package_stream,
    release_package,
    release_package_stream,
    releases,
)
from shuniu.procurement.models import Bid, Contract, Purchase, Status, StatusChange
from tests.factories import make_organization
from tests.factories_procurement import AwardFactory, PurchaseFactory, contracted_purchase
from tests.factories_procurement_figs import scene, tendering

pytestmark = pytest.mark.django_db

# The standard's schemas are kept in the project (tests/data/standards, with their NOTICE):
# validation never fetches anything and never depends on a directory outside the clone.
STANDARD = Path(__file__).resolve().parents[1] / "data" / "standards" / "ocds-1.1"
PUBLISHED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _validator(name: str) -> Any:
    local = {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in STANDARD.glob("*.json")
    }

    def retrieve(uri: str) -> Any:
        # The package schemas refer to the release schema by its URL: map it to the local file.
        # The record schema also names the versioned release schema, which is not in the
        # shared copy: the export never writes a ``versionedRelease``, so any schema will do.
        return local.get(uri.rsplit("/", 1)[-1], {})

    return jsonschema_rs.Draft4Validator(local[name], retriever=retrieve, validate_formats=True)


def assert_valid(name: str, document: dict[str, Any]) -> None:
    errors = [f"{e.instance_path}: {e.message}" for e in _validator(name).iter_errors(document)]
    assert errors == []


def _states() -> dict[str, Purchase]:
    """A purchase in every state the factories make."""
    planning = PurchaseFactory(title="规划中的项目")
    tendered = tendering(PurchaseFactory(title="招标中的项目"), dt.date(2010, 4, 1))
    Bid.objects.create(
        purchase=tendered, bidder=make_organization(uscc=None, with_uscc=False), amount=Decimal(1)
    )
    cancelled = tendering(PurchaseFactory(title="取消的项目"), dt.date(2010, 4, 1))
    StatusChange.objects.create(
        purchase=cancelled, status=Status.CANCELLED, date=dt.date(2010, 4, 20)
    )
    Purchase.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    awarded = AwardFactory(purchase=tendering(PurchaseFactory(), dt.date(2010, 4, 1))).purchase
    contracted = contracted_purchase(status=Status.CONTRACTED).purchase
    terminated = contracted_purchase(status=Status.TERMINATED)
    Contract.objects.filter(pk=terminated.pk).update(terminated_on=dt.date(2010, 12, 31))
    s = scene()
    return {
        "planning": planning,
        "tendering": tendered,
        "cancelled": cancelled,
        "awarded": awarded,
        "contracted": contracted,
        "terminated": terminated.purchase,
        "paid service": s.service.purchase,
        "post": s.post.purchase,
    }


def _fresh(purchase: Purchase) -> Purchase:
    return export_rows(Purchase.objects.filter(pk=purchase.pk)).get()


def test_every_state_gives_a_valid_release_package_and_record_package():
    # Given a purchase in every state
    states = _states()
    for state, purchase in states.items():
        # When its release package and record package are made
        package = release_package(_fresh(purchase), uri="urn:test", published=PUBLISHED)
        records = record_package([_fresh(purchase)], uri="urn:test", published=PUBLISHED)
        # Then both are valid OCDS 1.1
        assert_valid("release-package-schema.json", package), state
        assert_valid("record-package-schema.json", records), state


def test_one_release_per_stage_reached_with_the_timeline_dates():
    s = scene()
    made = releases(_fresh(s.service.purchase))
    assert [(r["tag"], r["date"][:10]) for r in made] == [
        (["planning"], "2010-03-02"),
        (["tender"], "2010-04-01"),
        (["award"], "2010-05-01"),
        (["contract"], "2010-05-25"),
        (["implementation"], "2010-09-01"),
    ]
    implementation = made[-1]["contracts"][0]["implementation"]
    paid = s.service.payments.get(paid_on__isnull=False)
    paid = s.service.payments.get(paid_on__isnull=False)
    assert implementation["transactions"] == [
        {
            "id": f"{s.service.purchase.ocid}-payment-{paid.pk}",
            "date": "2010-09-01T00:00:00+08:00",
            "value": {"amount": 240000.0, "currency": "CNY"},
            "payer": made[0]["buyer"],
            "payee": made[2]["awards"][0]["suppliers"][0],
        }
    ]
    assert [(m["title"], m["status"]) for m in implementation["milestones"]] == [
        ("服务人数", "met"),
        ("服务时数", "scheduled"),
    ]


def test_parties_have_credit_codes_and_roles():
    s = scene()
    supplier = s.service.purchase.award.supplier
    made = releases(_fresh(s.service.purchase))
    parties = {p["name"]: p for p in made[2]["parties"]}
    assert parties["西城社工事务所"]["identifier"] == {
        "scheme": "CN-USCI",
        "id": supplier.uscc,
        "legalName": "西城社工事务所",
    }
    assert parties["西城社工事务所"]["roles"] == ["supplier"]
    # The government buyer has no credit code in the test registry: no identifier
    assert "identifier" not in parties["西城区社会工作委员会"]
    assert parties["西城区社会工作委员会"]["roles"] == ["buyer", "procuringEntity"]


def test_only_public_fields_are_exported():
    # Given a purchase with an evaluation summary and people in its posts
    s = scene()
    text = "".join(
        release_package_stream(
            export_rows(Purchase.objects.order_by("id")), uri="urn:test", published=PUBLISHED
        )
    )
    # Then neither the evaluation's text nor any person is in the export
    assert "内部评语" not in text
    for assignment in s.posts.assignments.select_related("person"):
        assert assignment.person.name not in text


def test_the_streamed_packages_are_the_packages():
    _states()
    rows = export_rows(Purchase.objects.order_by("id"))
    streamed = json.loads(
        "".join(release_package_stream(rows, uri="urn:test", published=PUBLISHED))
    )
    assert_valid("release-package-schema.json", streamed)
    assert len(streamed["releases"]) == sum(len(releases(p)) for p in rows)
    records = json.loads("".join(record_package_stream(rows, uri="urn:test", published=PUBLISHED)))
    assert records == record_package(rows, uri="urn:test", published=PUBLISHED)
    assert_valid("record-package-schema.json", records)


def test_a_date_range_keeps_the_releases_dated_in_it():
    s = scene()
    rows = export_rows(Purchase.objects.filter(pk=s.service.purchase_id))
    package = json.loads(
        "".join(
            release_package_stream(
                rows,
                uri="urn:test",
                published=PUBLISHED,
                start=dt.date(2010, 5, 1),
                end=dt.date(2010, 5, 31),
            )
        )
    )
    assert [r["tag"] for r in package["releases"]] == [["award"], ["contract"]]


def test_the_export_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    _states()
    for _ in range(5):
        contracted_purchase()
    rows = export_rows(Purchase.objects.order_by("id"))
    with django_assert_max_num_queries(8):
        "".join(release_package_stream(rows, uri="urn:test", published=PUBLISHED))
