"""Reads of purchasing. Purchases and what they bought are public (see permissions.py); the
delivery side (service reports, scores, refused attempts) only for those involved.

The getters here are what every interface resolves ids through (``api/lookups.py`` style):
unknown or unseen records are ``NotFound`` whatever the verb.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound
from shuniu.core.selectors import MAX_PAGE_SIZE
from shuniu.procurement.models import (
    Contract,
    Deliverable,
    Evaluation,
    Kind,
    OutputKind,
    Post,
    PostAssignment,
    Purchase,
    ReportStatus,
    ServiceReport,
)
from shuniu.procurement.permissions import may_see_delivery


def purchase_get(*, actor: Actor, pk: int) -> Purchase:
    """One purchase (public), with what its page and services read alongside it."""
    try:
        return Purchase.objects.select_related(
            "buyer__registrar_division", "region", "award__supplier", "contract"
        ).get(pk=pk)
    except Purchase.DoesNotExist as exc:
        raise NotFound(_("No purchase with id %(id)s.") % {"id": pk}) from exc


def contract_get(*, actor: Actor, pk: int) -> Contract:
    try:
        return Contract.objects.select_related(
            "purchase__buyer__registrar_division", "purchase__region", "purchase__award__supplier"
        ).get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise NotFound(_("No contract with id %(id)s.") % {"id": pk}) from exc


def report_get(*, actor: Actor, pk: int) -> ServiceReport:
    """A service report: only for the buyer's officers, the supplier's staff, the assigned
    evaluators and administrators (NotFound for anyone else)."""
    try:
        report = ServiceReport.objects.select_related(
            "contract__purchase__buyer__registrar_division",
            "contract__purchase__award__supplier",
        ).get(pk=pk)
    except ServiceReport.DoesNotExist as exc:
        raise NotFound(_("No service report with id %(id)s.") % {"id": pk}) from exc
    if not may_see_delivery(actor, report.contract.purchase):
        raise NotFound(_("No service report with id %(id)s.") % {"id": pk})
    return report


def evaluation_get(*, actor: Actor, pk: int) -> Evaluation:
    """An evaluation (its grade is public once completed; its scores are shown only to those
    ``may_see_delivery`` lets see them)."""
    try:
        return Evaluation.objects.select_related(
            "contract__purchase__buyer__registrar_division",
            "contract__purchase__award__supplier",
            "evaluator",
            "scheme",
        ).get(pk=pk)
    except Evaluation.DoesNotExist as exc:
        raise NotFound(_("No evaluation with id %(id)s.") % {"id": pk}) from exc


# =======================================================================================
# Delivery (wt/deliver): service reports of a contract, deliverables' progress, posts
# funded / filled / vacant as of a date, and post turnover per year.


_RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class DeliverableProgress:
    """A deliverable against what the accepted reports say: ``actual`` is the sum of the
    accepted lines' actuals (0 when none), ``ratio`` actual/planned rounded down to 4
    places (None for an ``outcome``, which has no quantity)."""

    deliverable: Deliverable
    planned: Decimal | None
    actual: Decimal
    ratio: Decimal | None


def deliverable_progress(
    contract: Contract, *, as_of: dt.date | None = None
) -> list[DeliverableProgress]:
    """Each deliverable of ``contract`` (in its order) with the actual output of the
    reports accepted (on or before ``as_of`` when given). Two queries."""
    accepted = Q(lines__report__status=ReportStatus.ACCEPTED)
    if as_of is not None:
        accepted &= Q(lines__report__decided_on__lte=as_of)
    rows = Deliverable.objects.filter(contract=contract).annotate(
        reported=Sum("lines__actual", filter=accepted)
    )
    result: list[DeliverableProgress] = []
    for deliverable in rows.order_by("position", "id"):
        actual = deliverable.reported or Decimal("0.00")
        ratio = None
        if deliverable.kind != OutputKind.OUTCOME and deliverable.planned:
            ratio = (actual / deliverable.planned).quantize(_RATIO, rounding=ROUND_DOWN)
        result.append(
            DeliverableProgress(
                deliverable=deliverable, planned=deliverable.planned, actual=actual, ratio=ratio
            )
        )
    return result


def report_list(
    *, actor: Actor, contract: Contract, offset: int = 0, limit: int = MAX_PAGE_SIZE
) -> tuple[list[ServiceReport], int]:
    """The service reports of a contract, for those involved only (NotFound for anyone
    else), oldest period first, with their lines: three queries per page."""
    if not may_see_delivery(actor, contract.purchase):
        raise NotFound(_("No service reports of contract %(id)s.") % {"id": contract.pk})
    rows = ServiceReport.objects.filter(contract=contract)
    count = rows.count()
    page = list(
        rows.order_by("period_start", "id").prefetch_related("lines")[offset : offset + limit]
    )
    return page, count


@dataclass(frozen=True)
class PostCounts:
    funded: int
    filled: int
    vacant: int


def _posts_in_force(division_ids: Iterable[int] | None, as_of: dt.date) -> QuerySet[Post]:
    """Post rows of ``post`` contracts signed on or before ``as_of``, whose term contains
    it and that were not terminated on or before it, in purchases of these regions."""
    posts = Post.objects.filter(
        contract__purchase__kind=Kind.POST,
        contract__signed_on__lte=as_of,
        contract__starts_on__lte=as_of,
        contract__ends_on__gte=as_of,
    ).filter(Q(contract__terminated_on__isnull=True) | Q(contract__terminated_on__gt=as_of))
    if division_ids is not None:
        posts = posts.filter(contract__purchase__region_id__in=sorted(set(division_ids)))
    return posts


def post_counts(*, division_ids: Iterable[int] | None, as_of: dt.date) -> PostCounts:
    """Posts funded, filled and vacant on ``as_of`` in purchases whose region is one of
    ``division_ids`` (None: everywhere). Funded: the ``count`` of the post rows in force;
    filled: their assignments with starts_on <= as_of < ends_on (or open); vacant: the
    difference. Two queries."""
    posts = _posts_in_force(division_ids, as_of)
    funded = posts.aggregate(total=Sum("count"))["total"] or 0
    filled = PostAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=as_of),
        post__in=posts,
        starts_on__lte=as_of,
    ).count()
    return PostCounts(funded=funded, filled=filled, vacant=max(funded - filled, 0))


@dataclass(frozen=True)
class PostTurnover:
    """Turnover of a year: ``separations`` (assignments whose ``ends_on``, the first day
    vacant again, falls in the year) over ``average_filled`` (the mean of the posts filled
    on the first day of each of the year's 12 months); None when nothing was filled."""

    year: int
    separations: int
    average_filled: Decimal
    rate: Decimal | None


def post_turnover(*, division_ids: Iterable[int] | None, year: int) -> PostTurnover:
    ids = None if division_ids is None else sorted(set(division_ids))
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ended = PostAssignment.objects.filter(
        ends_on__gte=first, ends_on__lte=last, post__contract__purchase__kind=Kind.POST
    )
    if ids is not None:
        ended = ended.filter(post__contract__purchase__region_id__in=ids)
    separations = ended.count()
    months = [post_counts(division_ids=ids, as_of=dt.date(year, m, 1)).filled for m in range(1, 13)]
    average = (Decimal(sum(months)) / 12).quantize(Decimal("0.01"))
    rate = (Decimal(separations) / average).quantize(Decimal("0.0001")) if average else None
    return PostTurnover(year=year, separations=separations, average_filled=average, rate=rate)
