"""Purchasing figures as of a date: one function for the page, the API, the CLI, the downloads
and the benchmark.

A purchase counts once its contract is signed on or before the date (whatever happened to it
afterwards: in delivery, completed or terminated); its contracted amount is the contract's;
the paid amount sums the payments paid on or before the date. Posts funded are the ``Post``
rows of ``post`` contracts in force on the date (signed, started, not ended, not terminated on
or before it); filled are their assignments running on the date (``starts_on <= D <
ends_on`` or open). The grades count FINAL evaluations completed on or before the date.

Each purchase is placed by its ``region`` (a city or a district), mapped to the county-level
division holding its territory on the date, as the registry statistics do. A handful of
aggregate queries (each a ``GROUP BY``), never a row per purchase in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, ExtractYear

from shuniu.divisions.models import Division
from shuniu.divisions.selectors import DivisionIndex
from shuniu.procurement.models import (
    Award,
    Bid,
    Contract,
    Deliverable,
    Evaluation,
    EvaluationGrade,
    EvaluationStatus,
    Kind,
    Method,
    Payment,
    Post,
    PostAssignment,
    Purchase,
    Stage,
    StatusChange,
)
from shuniu.procurement.selectors import posts_in_force, purchase_detail
from shuniu.registry.models import Organization
from shuniu.stats.selectors import RegionRef, _region

CENT = Decimal("0.01")
SHARE = Decimal("0.0001")
TOP_SUPPLIERS = 10
TOP_BUYERS = 20


def money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(CENT)


@dataclass(frozen=True)
class DistrictPurchasing:
    code: str
    name: str
    name_en: str
    purchases: int
    contracted_amount: Decimal
    posts_funded: int
    posts_filled: int


@dataclass(frozen=True)
class MethodFigure:
    method: str
    purchases: int
    contracted_amount: Decimal


@dataclass(frozen=True)
class OrganizationFigure:
    id: int
    name: str
    purchases: int
    contracted_amount: Decimal
    share: Decimal  # of the region's contracted amount, 0..1, 4 places


@dataclass(frozen=True)
class YearFigure:
    year: int
    purchases: int
    contracted_amount: Decimal


@dataclass(frozen=True)
class PurchasingStats:
    region: RegionRef
    as_of: dt.date
    purchases: dict[str, int]
    contracted_amount: Decimal
    paid_amount: Decimal
    posts_funded: int
    posts_filled: int
    posts_vacant: int
    districts_total: int
    by_district: list[DistrictPurchasing]
    city_level_amount: Decimal
    by_grade: dict[str, int]
    by_method: list[MethodFigure]
    by_buyer: list[OrganizationFigure]
    buyers_total: int
    top_suppliers: list[OrganizationFigure]
    suppliers_total: int
    by_year: list[YearFigure]

    @property
    def purchases_total(self) -> int:
        return sum(self.purchases.values())


def region_division_ids(index: DivisionIndex, region: Division, on: dt.date) -> dict[int, int]:
    """Every division (past or present) whose territory lies in ``region`` on ``on``, mapped
    to the division holding it then."""
    held = {pk: index.holder(pk, on) for pk in index.by_id}
    return {pk: h.pk for pk, h in held.items() if index.within(h, region)}


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(SHARE) if whole else Decimal(0).quantize(SHARE)


def post_figures(
    *, division_ids: set[int] | list[int], as_of: dt.date
) -> dict[int, tuple[int, int]]:
    """Posts funded and filled on ``as_of`` per purchase region id (of ``division_ids``):
    ``post_counts``'s rule (``posts_in_force``), grouped by region."""
    in_force = posts_in_force(division_ids, as_of)
    funded = dict(
        in_force.values_list("contract__purchase__region_id").annotate(n=Sum("count")).order_by()
    )
    filled = dict(
        PostAssignment.objects.filter(post__in=in_force.values("pk"), starts_on__lte=as_of)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=as_of))
        .values_list("post__contract__purchase__region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        pk: (int(funded.get(pk) or 0), int(filled.get(pk) or 0)) for pk in set(funded) | set(filled)
    }


def purchasing_stats(
    *, region_code: str, as_of: dt.date, index: DivisionIndex | None = None
) -> PurchasingStats:
    """Purchases of ``region_code`` contracted on or before ``as_of`` and what they bought
    (see the module's docstring)."""
    index = index or DivisionIndex.load()
    region = _region(index, region_code, as_of)
    holders = region_division_ids(index, region, as_of)
    ids = sorted(holders)
    contracts = Contract.objects.filter(purchase__region_id__in=ids, signed_on__lte=as_of)
    amount = Coalesce(Sum("amount"), Value(Decimal(0)), output_field=DecimalField())

    # 1. Count and amount per (region, kind, method): totals, by kind, method, district.
    by_kind: Counter[str] = Counter({k: 0 for k in Kind.values})
    method_count: Counter[str] = Counter()
    method_amount: defaultdict[str, Decimal] = defaultdict(Decimal)
    district_count: Counter[int] = Counter()
    district_amount: defaultdict[int, Decimal] = defaultdict(Decimal)
    total_amount = Decimal(0)
    for region_id, kind, method, n, value in (
        contracts.values_list("purchase__region_id", "purchase__kind", "purchase__method")
        .annotate(n=Count("id"), value=amount)
        .order_by()
    ):
        by_kind[kind] += n
        method_count[method] += n
        method_amount[method] += value
        district_count[holders[region_id]] += n
        district_amount[holders[region_id]] += value
        total_amount += value

    # 2. Paid on or before the date.
    paid = Payment.objects.filter(
        contract__in=contracts.values("pk"), paid_on__isnull=False, paid_on__lte=as_of
    ).aggregate(value=amount)["value"]

    # 3. Posts funded and filled.
    posts_per_region = post_figures(division_ids=ids, as_of=as_of)
    district_posts: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    for region_id, (funded, filled) in posts_per_region.items():
        district_posts[holders[region_id]][0] += funded
        district_posts[holders[region_id]][1] += filled
    posts_funded = sum(f for f, _ in posts_per_region.values())
    posts_filled = sum(f for _, f in posts_per_region.values())

    # 4. Final grades.
    by_grade: dict[str, int] = {g: 0 for g in EvaluationGrade.values}
    for grade, n in (
        Evaluation.objects.filter(
            contract__purchase__region_id__in=ids,
            stage=Stage.FINAL,
            status=EvaluationStatus.COMPLETED,
            completed_on__lte=as_of,
        )
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_grade[grade] = n

    # 5. Buyers and suppliers: the largest by amount (ties by id), and how many there are.
    def ranked(field: str, limit: int) -> tuple[list[OrganizationFigure], int]:
        # ``groups``: COUNT(*) OVER () of the grouped rows, i.e. how many there are in all,
        # in the same statement as the top ones.
        ranked_rows = list(
            contracts.values_list(field)
            .annotate(n=Count("id"), value=amount, groups=Window(Count("*")))
            .order_by("-value", field)[:limit]
        )
        rows = [(pk, n, value) for pk, n, value, _ in ranked_rows]
        total = int(ranked_rows[0][3]) if ranked_rows else 0
        names = dict(
            Organization.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "name")
        )
        return [
            OrganizationFigure(
                id=pk,
                name=names.get(pk, ""),
                purchases=n,
                contracted_amount=money(value),
                share=_share(value, total_amount),
            )
            for pk, n, value in rows
        ], total

    by_buyer, buyers_total = ranked("purchase__buyer_id", TOP_BUYERS)
    top_suppliers, suppliers_total = ranked("purchase__award__supplier_id", TOP_SUPPLIERS)

    # 6. By year of signing.
    by_year = [
        YearFigure(year=int(year), purchases=n, contracted_amount=money(value))
        for year, n, value in contracts.annotate(year=ExtractYear("signed_on"))
        .values_list("year")
        .annotate(n=Count("id"), value=amount)
        .order_by("year")
    ]

    districts = (
        index.county_level_on(region.pk, as_of) if region.level in ("city", "province") else []
    )
    if not districts and region.level in ("district", "county"):
        districts = [region]
    by_district = [
        DistrictPurchasing(
            code=d.code,
            name=d.name,
            name_en=d.name_en,
            purchases=district_count.get(d.pk, 0),
            contracted_amount=money(district_amount.get(d.pk)),
            posts_funded=district_posts[d.pk][0] if d.pk in district_posts else 0,
            posts_filled=district_posts[d.pk][1] if d.pk in district_posts else 0,
        )
        for d in districts
    ]
    return PurchasingStats(
        region=RegionRef(code=region.code, name=region.name, name_en=region.name_en),
        as_of=as_of,
        purchases=dict(by_kind),
        contracted_amount=money(total_amount),
        paid_amount=money(paid),
        posts_funded=posts_funded,
        posts_filled=posts_filled,
        posts_vacant=max(posts_funded - posts_filled, 0),
        districts_total=len(districts),
        by_district=by_district,
        city_level_amount=money(total_amount - sum(d.contracted_amount for d in by_district)),
        by_grade=by_grade,
        by_method=[
            MethodFigure(
                method=m, purchases=method_count[m], contracted_amount=money(method_amount[m])
            )
            for m in Method.values
        ],
        by_buyer=by_buyer,
        buyers_total=buyers_total,
        top_suppliers=top_suppliers,
        suppliers_total=suppliers_total,
        by_year=by_year,
    )


def purchases_in_region(
    *,
    region_code: str,
    on: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    index: DivisionIndex | None = None,
) -> QuerySet[Purchase]:
    """The purchases (public) delivered in ``region_code`` as its territory stood on ``on``,
    planned on or before ``end`` and still running or changed on or after ``start``, with
    everything their public record reads alongside them (for the open-data export and the
    public list). Ordered by id."""
    index = index or DivisionIndex.load()
    region = _region(index, region_code, on)
    rows = Purchase.objects.filter(region_id__in=sorted(region_division_ids(index, region, on)))
    if end is not None:
        rows = rows.filter(planned_on__lte=end)
    if start is not None:
        # A purchase whose last dated step is before ``start`` has no release in the range.
        rows = rows.filter(
            Q(status_changes__date__gte=start)
            | Q(award__awarded_on__gte=start)
            | Q(contract__signed_on__gte=start)
            | Q(contract__payments__paid_on__gte=start)
            | Q(contract__deliverables__accepted_on__gte=start)
        ).distinct()
    return rows.order_by("id")


@dataclass(frozen=True)
class PublicPurchase:
    """What anyone may see of a purchase: its timeline and what it bought, never a service
    report's text, a score or a person."""

    purchase: Purchase
    timeline: list[StatusChange]
    bids: list[Bid]
    award: Award | None
    contract: Contract | None
    deliverables: list[Deliverable]
    payments: list[Payment]
    posts: list[Post]
    grades: list[Evaluation]


def public_purchase(*, pk: int, on: dt.date) -> PublicPurchase:
    """One purchase's public record (NotFound when there is none); posts filled on ``on``.
    Read by ``purchase_detail`` (the API's detail), keeping only what anyone may see."""
    purchase = purchase_detail(actor=AnonymousUser(), pk=pk, on=on)
    award = getattr(purchase, "award", None) if _has(purchase, "award") else None
    contract = purchase.contract if _has(purchase, "contract") else None
    return PublicPurchase(
        purchase=purchase,
        timeline=sorted(purchase.status_changes.all(), key=lambda c: (c.date, c.pk)),
        bids=sorted(purchase.bids.all(), key=lambda b: (b.amount, b.pk)),
        award=award,
        contract=contract,
        deliverables=list(contract.deliverables.all()) if contract else [],
        payments=list(contract.payments.all()) if contract else [],
        posts=list(contract.posts.all()) if contract else [],
        grades=sorted(
            (e for e in contract.evaluations.all() if e.status == EvaluationStatus.COMPLETED),
            key=lambda e: (e.completed_on or dt.date.min, e.pk),
        )
        if contract
        else [],
    )


def _has(purchase: Purchase, name: str) -> bool:
    try:
        getattr(purchase, name)
    except ObjectDoesNotExist:
        return False
    return True
