"""Open Contracting Data Standard 1.1 release and record packages for purchases.

One release per stage a purchase has reached (planning, tender, award, contract,
implementation), dated from its timeline; a record per ``ocid`` with the releases and the
compiled release. Public fields only: never a service report's text, a score, an evaluator's
comment or a person. Parties carry a ``CN-USCI`` identifier where the organization has a
unified social credit code; amounts are in CNY.

The package writers yield text in pieces, a purchase at a time, so a whole region streams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from shuniu.interop.opendata import SCHEME, org_identifier
from shuniu.interop.streaming import json_stream as _stream
from shuniu.procurement.models import (
    Contract,
    Method,
    Purchase,
    Status,
)
from shuniu.registry.models import Organization

VERSION = "1.1"
CURRENCY = "CNY"
# Beijing time: the timeline holds dates; a release is dated at the start of its day.
TZ = dt.timezone(dt.timedelta(hours=8))
PUBLISHER = {"name": "Shuniu", "uri": "https://github.com/shuniu"}
STAGES = ("planning", "tender", "award", "contract", "implementation")

# Chinese purchasing methods on OCDS's closed method codelist.
METHODS = {
    Method.OPEN: "open",
    Method.INVITED: "selective",
    Method.NEGOTIATION: "limited",
    Method.CONSULTATION: "limited",
    Method.QUOTATION: "limited",
    Method.SINGLE_SOURCE: "direct",
}
METHOD_DETAILS = {
    Method.OPEN: "公开招标",
    Method.INVITED: "邀请招标",
    Method.NEGOTIATION: "竞争性谈判",
    Method.CONSULTATION: "竞争性磋商",
    Method.QUOTATION: "询价",
    Method.SINGLE_SOURCE: "单一来源",
}
PREFETCH = (
    "status_changes",
    "bids__bidder",
    "contract__deliverables",
    "contract__payments",
    "contract__posts",
)
RELATED = ("buyer", "award__supplier", "contract")


def export_rows(purchases: Any) -> Any:
    """The queryset with what the export reads (a fixed number of queries per chunk)."""
    return purchases.select_related(*RELATED).prefetch_related(*PREFETCH)


def when(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ).isoformat()


def value(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": CURRENCY}


def party_id(org: Organization) -> str:
    return org_identifier(org.uscc, org.pk)


def reference(org: Organization) -> dict[str, Any]:
    return {"id": party_id(org), "name": org.name}


def party(org: Organization, roles: list[str]) -> dict[str, Any]:
    made: dict[str, Any] = {"id": party_id(org), "name": org.name, "roles": roles}
    if org.uscc:
        made["identifier"] = {"scheme": SCHEME, "id": org.uscc, "legalName": org.name}
    return made


def _status_dates(purchase: Purchase) -> dict[str, dt.date]:
    """The first date of each status on the timeline."""
    dates: dict[str, dt.date] = {}
    for change in sorted(purchase.status_changes.all(), key=lambda c: (c.date, c.id)):
        dates.setdefault(change.status, change.date)
    return dates


def _award(purchase: Purchase) -> Any:
    try:
        return purchase.award
    except Purchase.award.RelatedObjectDoesNotExist:
        return None


def _contract(purchase: Purchase) -> Contract | None:
    try:
        return purchase.contract
    except Purchase.contract.RelatedObjectDoesNotExist:
        return None


def _tender_status(purchase: Purchase, dates: dict[str, dt.date]) -> str:
    if purchase.status == Status.CANCELLED and Status.AWARDED not in dates:
        return "cancelled"
    if Status.AWARDED in dates or _award(purchase) is not None:
        return "complete"
    return "active" if Status.TENDERING in dates else "planning"


def _contract_status(contract: Contract, purchase: Purchase) -> str:
    if contract.terminated_on or purchase.status in (Status.TERMINATED, Status.COMPLETED):
        return "terminated"
    return "active"


def _milestones(contract: Contract) -> list[dict[str, Any]]:
    made = []
    for d in contract.deliverables.all():
        milestone: dict[str, Any] = {
            "id": str(d.pk),
            "title": d.description,
            "type": "delivery",
            "code": d.kind,
            "dueDate": when(d.due_on),
            "status": "met" if d.accepted_on else "scheduled",
        }
        if d.accepted_on:
            milestone["dateMet"] = when(d.accepted_on)
        made.append(milestone)
    return made


def _items(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "id": f"post-{p.pk}",
            "description": p.title,
            "quantity": p.count,
            "unit": {"name": "post-month", "value": value(p.monthly_salary)},
        }
        for p in contract.posts.all()
    ]


def releases(purchase: Purchase) -> list[dict[str, Any]]:
    """The releases of one purchase, one per stage reached, in order."""
    dates = _status_dates(purchase)
    award = _award(purchase)
    contract = _contract(purchase)
    buyer = purchase.buyer
    title = purchase.title
    base = {"ocid": purchase.ocid, "initiationType": "tender", "language": "zh"}
    buyer_party = party(buyer, ["buyer", "procuringEntity"])
    made: list[dict[str, Any]] = []

    def release(stage: str, day: dt.date, body: dict[str, Any], tag: list[str]) -> None:
        made.append(
            {
                **base,
                "id": f"{purchase.ocid}-{stage}",
                "date": when(day),
                "tag": tag,
                "buyer": reference(buyer),
                **body,
            }
        )

    planning = {
        "budget": {"id": f"{purchase.ocid}-budget", "amount": value(purchase.budget)},
    }
    release(
        "planning",
        purchase.planned_on,
        {
            "parties": [buyer_party],
            "planning": planning,
            "tender": {"id": f"{purchase.ocid}-tender", "title": title, "status": "planning"},
        },
        ["planning"],
    )
    bids = list(purchase.bids.all())
    tendered_on = dates.get(Status.TENDERING)
    tender: dict[str, Any] = {
        "id": f"{purchase.ocid}-tender",
        "title": title,
        "description": purchase.description,
        "status": _tender_status(purchase, dates),
        "procuringEntity": reference(buyer),
        "value": value(purchase.budget),
        "procurementMethod": METHODS[Method(purchase.method)],
        "procurementMethodDetails": METHOD_DETAILS[Method(purchase.method)],
        "mainProcurementCategory": "services",
    }
    if bids:
        tender["tenderers"] = [reference(b.bidder) for b in bids]
        tender["numberOfTenderers"] = len(bids)
    tenderers = [party(b.bidder, ["tenderer"]) for b in bids]
    if tendered_on is not None or award is not None:
        tag = ["tender"]
        if purchase.status == Status.CANCELLED and award is None:
            tag = ["tender", "tenderCancellation"]
        release(
            "tender",
            tendered_on or (award.awarded_on if award else purchase.planned_on),
            {"parties": [buyer_party, *tenderers], "tender": tender},
            tag,
        )
    if award is None:
        return made
    supplier = award.supplier
    roles = (
        ["supplier", "tenderer"] if any(b.bidder_id == supplier.pk for b in bids) else ["supplier"]
    )
    award_body = {
        "id": f"{purchase.ocid}-award",
        "title": title,
        "status": "active",
        "date": when(award.awarded_on),
        "value": value(award.amount),
        "suppliers": [reference(supplier)],
    }
    others = [p for p in tenderers if p["id"] != party_id(supplier)]
    parties = [buyer_party, party(supplier, roles), *others]
    release("award", award.awarded_on, {"parties": parties, "awards": [award_body]}, ["award"])
    if contract is None:
        return made
    contract_body: dict[str, Any] = {
        "id": f"{purchase.ocid}-contract",
        "awardID": award_body["id"],
        "title": title,
        "status": _contract_status(contract, purchase),
        "period": {"startDate": when(contract.starts_on), "endDate": when(contract.ends_on)},
        "value": value(contract.amount),
        "dateSigned": when(contract.signed_on),
        "milestones": _milestones(contract),
    }
    items = _items(contract)
    if items:
        contract_body["items"] = items
    release(
        "contract",
        contract.signed_on,
        {"parties": parties, "contracts": [contract_body]},
        ["contract"],
    )
    paid = [p for p in contract.payments.all() if p.paid_on]
    delivering = dates.get(Status.IN_DELIVERY)
    if not paid and delivering is None and not contract.terminated_on:
        return made
    transactions = [
        {
            "id": f"{purchase.ocid}-payment-{p.pk}",
            "date": when(p.paid_on),
            "value": value(p.amount),
            "payer": reference(buyer),
            "payee": reference(supplier),
        }
        for p in sorted(paid, key=lambda p: (p.paid_on, p.pk))
        if p.paid_on
    ]
    days = [p.paid_on for p in paid if p.paid_on]
    days += [d for d in (delivering, contract.terminated_on) if d]
    days += [d.accepted_on for d in contract.deliverables.all() if d.accepted_on]
    implemented = {
        **contract_body,
        "implementation": {"transactions": transactions, "milestones": _milestones(contract)},
    }
    tag = ["implementation"]
    if contract_body["status"] == "terminated" and contract.terminated_on:
        tag = ["implementation", "contractTermination"]
    release("implementation", max(days), {"parties": parties, "contracts": [implemented]}, tag)
    return made


def compiled(purchase_releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release: the last value of every field, parties merged by id."""
    merged: dict[str, Any] = {}
    parties: dict[str, dict[str, Any]] = {}
    for release in purchase_releases:
        for key, item in release.items():
            if key == "parties":
                for p in item:
                    known = parties.setdefault(p["id"], {**p, "roles": []})
                    known["roles"] += [r for r in p["roles"] if r not in known["roles"]]
            else:
                merged[key] = item
    last = purchase_releases[-1]
    merged.update(
        {
            "id": f"{last['ocid']}-compiled",
            "tag": ["compiled"],
            "date": last["date"],
            "parties": list(parties.values()),
        }
    )
    return merged


def _header(uri: str, published: dt.datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": published.isoformat(),
        "publisher": PUBLISHER,
    }


def in_range(release: dict[str, Any], start: dt.date | None, end: dt.date | None) -> bool:
    day = dt.date.fromisoformat(release["date"][:10])
    return (start is None or day >= start) and (end is None or day <= end)


def release_package(purchase: Purchase, *, uri: str, published: dt.datetime) -> dict[str, Any]:
    return {**_header(uri, published), "releases": releases(purchase)}


def release_package_stream(
    purchases: Iterable[Purchase],
    *,
    uri: str,
    published: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Iterator[str]:
    """A release package of every release of ``purchases`` dated in ``start..end``, as text."""

    def every() -> Iterator[dict[str, Any]]:
        for purchase in purchases:
            yield from (r for r in releases(purchase) if in_range(r, start, end))

    return _stream(_header(uri, published), "releases", every())


def record(purchase: Purchase) -> dict[str, Any]:
    made = releases(purchase)
    return {"ocid": purchase.ocid, "releases": made, "compiledRelease": compiled(made)}


def record_package(
    purchases: Iterable[Purchase], *, uri: str, published: dt.datetime
) -> dict[str, Any]:
    return {**_header(uri, published), "records": [record(p) for p in purchases]}


def record_package_stream(
    purchases: Iterable[Purchase], *, uri: str, published: dt.datetime
) -> Iterator[str]:
    return _stream(_header(uri, published), "records", (record(p) for p in purchases))
