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
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shuniu.accounts.permissions import (
    covered_division_ids,
    evaluator_organization_ids,
    is_officer,
)
from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.selectors import MAX_PAGE_SIZE
from shuniu.core.validation import MAX_SEARCH_LENGTH, clean_text
from shuniu.divisions.selectors import DivisionIndex, division_ids_within
from shuniu.procurement.models import (
    MAX_TERM_YEARS,
    AttemptCode,
    Award,
    Bid,
    Contract,
    Deliverable,
    EligibilityRule,
    Evaluation,
    EvaluationScheme,
    EvaluationStatus,
    Indicator,
    Kind,
    Method,
    OutputKind,
    Payment,
    Post,
    PostAssignment,
    Purchase,
    RefusedAttempt,
    ReportStatus,
    Score,
    ServiceReport,
    Status,
)
from shuniu.procurement.permissions import is_buyer_side, may_see_delivery
from shuniu.procurement.scoring import (
    Output,
    computed_outputs,
    leaves,
    scheme_nodes,
    total_score,
    tree_scores,
)

POST_FLAG_FROM = dt.date(2020, 3, 1)


def purchase_get(*, actor: Actor, pk: int) -> Purchase:
    """One purchase (public), with what its page and services read alongside it."""
    try:
        return Purchase.objects.select_related(
            "buyer__registrar_division", "region", "award__supplier", "contract"
        ).get(pk=pk)
    except Purchase.DoesNotExist as exc:
        raise NotFound(_("No purchase with id %(id)s.") % {"id": pk}) from exc


# What a write on a contract (or on a part of one) reads of its purchase.
_CONTRACT_PURCHASE = (
    "purchase__buyer__registrar_division",
    "purchase__region",
    "purchase__award__supplier",
)


def contract_get(*, actor: Actor, pk: int) -> Contract:
    try:
        return Contract.objects.select_related(*_CONTRACT_PURCHASE).get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise NotFound(_("No contract with id %(id)s.") % {"id": pk}) from exc


def payment_get(*, actor: Actor, pk: int) -> Payment:
    """A staged payment: public like its contract (NotFound only when there is none)."""
    related = [f"contract__{path}" for path in _CONTRACT_PURCHASE]
    try:
        return Payment.objects.select_related(*related).get(pk=pk)
    except Payment.DoesNotExist as exc:
        raise NotFound(_("No payment with id %(id)s.") % {"id": pk}) from exc


def post_get(*, actor: Actor, pk: int) -> Post:
    """A funded post: public like its contract (NotFound only when there is none)."""
    related = [f"contract__{path}" for path in _CONTRACT_PURCHASE]
    try:
        return Post.objects.select_related(*related).get(pk=pk)
    except Post.DoesNotExist as exc:
        raise NotFound(_("No post with id %(id)s.") % {"id": pk}) from exc


def assignment_get(*, actor: Actor, pk: int) -> PostAssignment:
    """A person's assignment to a post: public like its post (NotFound only when none)."""
    related = [f"post__contract__{path}" for path in _CONTRACT_PURCHASE]
    try:
        return PostAssignment.objects.select_related(*related).get(pk=pk)
    except PostAssignment.DoesNotExist as exc:
        raise NotFound(_("No post assignment with id %(id)s.") % {"id": pk}) from exc


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


# ---------------------------------------------------------------------------------------
# Purchases: list, detail, compliance flags


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    date: dt.date | None


class FlagCode(models.TextChoices):
    POST_AFTER_2020 = "post_after_2020", _lazy("post purchase after 2020-03-01")
    TERM_OVER_3_YEARS = "term_over_3_years", _lazy("contract term over 3 years")
    PAYMENT_BEFORE_ACCEPTANCE = (
        "payment_before_acceptance",
        _lazy("payment tried before acceptance"),
    )
    AWARD_OVERRIDE = "award_override", _lazy("award by override")
    CONFLICTED_EVALUATOR = "conflicted_evaluator", _lazy("conflicted evaluator tried")
    AWARD_OVER_BUDGET = "award_over_budget", _lazy("award over budget")


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _one_to_one(purchase: Purchase, name: str) -> Any:
    try:
        return getattr(purchase, name)
    except ObjectDoesNotExist:
        return None


def purchase_flags(purchase: Purchase) -> list[Flag]:
    """What compliance should look at on this purchase, oldest first. Reads the award, the
    contract and the refused attempts (prefetch ``refusals`` to read many purchases)."""
    flags: list[Flag] = []
    award: Award | None = _one_to_one(purchase, "award")
    contract: Contract | None = _one_to_one(purchase, "contract")
    if award is not None and award.override_reason:
        flags.append(
            Flag(
                FlagCode.AWARD_OVERRIDE,
                _("Awarded by override of %(rules)s: %(reason)s")
                % {"rules": ", ".join(award.overridden_rules), "reason": award.override_reason},
                award.awarded_on,
            )
        )
    if award is not None and award.amount > purchase.budget:
        flags.append(
            Flag(
                FlagCode.AWARD_OVER_BUDGET,
                _("Awarded %(amount)s yuan, over the budget of %(budget)s yuan.")
                % {"amount": award.amount, "budget": purchase.budget},
                award.awarded_on,
            )
        )
    if contract is not None:
        if purchase.kind == Kind.POST and contract.signed_on >= POST_FLAG_FROM:
            flags.append(
                Flag(
                    FlagCode.POST_AFTER_2020,
                    _(
                        "A post purchase contracted on %(date)s, after the national measures "
                        "on purchasing services took effect (2020-03-01)."
                    )
                    % {"date": contract.signed_on.isoformat()},
                    contract.signed_on,
                )
            )
        if contract.ends_on >= _years_later(contract.starts_on, MAX_TERM_YEARS):
            flags.append(
                Flag(
                    FlagCode.TERM_OVER_3_YEARS,
                    _("The contract runs from %(start)s to %(end)s, over %(years)s years.")
                    % {
                        "start": contract.starts_on.isoformat(),
                        "end": contract.ends_on.isoformat(),
                        "years": MAX_TERM_YEARS,
                    },
                    contract.signed_on,
                )
            )
    attempts: dict[str, list[RefusedAttempt]] = {}
    for attempt in purchase.refusals.all():
        attempts.setdefault(attempt.code, []).append(attempt)
    for code, message in (
        (
            AttemptCode.PAYMENT_BEFORE_ACCEPTANCE,
            _("%(count)s payment(s) tried before their deliverable was accepted."),
        ),
        (
            AttemptCode.CONFLICTED_EVALUATOR,
            _("%(count)s conflicted evaluator(s) tried."),
        ),
    ):
        tried = attempts.get(code, [])
        if tried:
            first = min(a.at for a in tried)
            flags.append(Flag(str(code), message % {"count": len(tried)}, first.date()))
    flags.sort(key=lambda f: (f.date or dt.date.min, f.code))
    return flags


@dataclass
class PurchaseFilter:
    region: str | None = None
    kind: str | None = None
    status: str | None = None
    buyer: int | None = None
    supplier: int | None = None
    q: str | None = None
    method: str | None = None


def _choice_filter(field: str, value: str | None, allowed: list[str]) -> None:
    if value and value not in allowed:
        raise ValidationError(
            {
                field: _("Unknown value %(value)s; one of %(choices)s.")
                % {"value": value, "choices": ", ".join(allowed)}
            }
        )


def _region_ids(code: str) -> set[int]:
    index = DivisionIndex.load()
    region = index.by_code.get(code)
    if region is None:
        raise ValidationError({"region": _("Unknown division code %(code)s.") % {"code": code}})
    # Every division whose territory lies in the region today (崇文 counts in 东城, so in 北京).
    return division_ids_within(region=region, on=timezone.localdate(), index=index)


def _purchase_query(filters: PurchaseFilter) -> QuerySet[Purchase]:
    _choice_filter("kind", filters.kind, Kind.values)
    _choice_filter("status", filters.status, Status.values)
    _choice_filter("method", filters.method, Method.values)
    qs = Purchase.objects.all()
    if filters.region:
        qs = qs.filter(region_id__in=_region_ids(filters.region))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.method:
        qs = qs.filter(method=filters.method)
    if filters.buyer is not None:
        qs = qs.filter(buyer_id=filters.buyer)
    if filters.supplier is not None:
        qs = qs.filter(award__supplier_id=filters.supplier)
    if filters.q:
        q = clean_text(filters.q, field="q", max_length=MAX_SEARCH_LENGTH).strip()
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(title_en__icontains=q) | Q(ocid__icontains=q))
    return qs


def purchase_list(
    *,
    actor: Actor,
    filters: PurchaseFilter | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Purchase], int]:
    """One page of purchases (public), newest planned first, and the count of all. Each row
    carries its buyer, region and award (with the supplier); two queries (three with a
    region)."""
    qs = _purchase_query(filters or PurchaseFilter())
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = list(
        qs.select_related("buyer", "region", "award__supplier").order_by("-planned_on", "-id")[
            offset : offset + limit
        ]
    )
    return rows, count


def purchase_detail(*, actor: Actor, pk: int, on: dt.date | None = None) -> Purchase:
    """One purchase with everything its page shows, in a fixed number of queries: award
    (+ bids), contract, deliverables, payments, posts (each with ``filled``: assignments in
    force on ``on``, today by default), evaluations (+ evaluator), timeline, rules, service
    fields, and ``flags`` (``purchase_flags``) for the buyer's side (None for others)."""
    day = on or timezone.localdate()
    in_force = Q(assignments__starts_on__lte=day) & (
        Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gt=day)
    )
    try:
        purchase = (
            Purchase.objects.select_related(
                "buyer__registrar_division", "region", "award__supplier", "contract"
            )
            .prefetch_related(
                "service_fields",
                "status_changes",
                Prefetch("rules", queryset=EligibilityRule.objects.select_related("service_field")),
                Prefetch("bids", queryset=Bid.objects.select_related("bidder")),
                "refusals",
                "contract__deliverables",
                Prefetch(
                    "contract__payments", queryset=Payment.objects.select_related("deliverable")
                ),
                Prefetch(
                    "contract__posts",
                    queryset=Post.objects.annotate(filled=Count("assignments", filter=in_force)),
                ),
                Prefetch(
                    "contract__evaluations",
                    queryset=Evaluation.objects.select_related("evaluator"),
                ),
            )
            .get(pk=pk)
        )
    except Purchase.DoesNotExist as exc:
        raise NotFound(_("No purchase with id %(id)s.") % {"id": pk}) from exc
    shown: list[Flag] | None = None
    if is_buyer_side(actor, purchase):
        shown = purchase_flags(purchase)
    purchase.flags = shown  # type: ignore[attr-defined]
    return purchase


def compliance_list(
    *,
    actor: Actor,
    region: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[tuple[Purchase, list[Flag]]], int]:
    """Flagged purchases of the buyers in the actor's jurisdiction (every one for an
    administrator), newest planned first, each with its flags, and their count. Officers
    and administrators only."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to see compliance flags."))
    covered = covered_division_ids(actor)
    if covered is not None and not is_officer(actor):
        raise PermissionDenied(_("Only officers and administrators see compliance flags."))
    qs = _purchase_query(PurchaseFilter(region=region))
    if covered is not None:
        qs = qs.filter(buyer__registrar_division_id__in=covered)
    term = ExpressionWrapper(
        F("contract__ends_on") - F("contract__starts_on"), output_field=DurationField()
    )
    # Candidates in SQL (a superset for the term: 3 years are at least 1,095 days), the
    # flags themselves by purchase_flags.
    qs = (
        qs.annotate(term=term)
        .filter(
            Q(award__override_reason__gt="")
            | Q(award__amount__gt=F("budget"))
            | Q(kind=Kind.POST, contract__signed_on__gte=POST_FLAG_FROM)
            | Q(term__gte=dt.timedelta(days=365 * MAX_TERM_YEARS))
            | Q(
                refusals__code__in=[
                    AttemptCode.PAYMENT_BEFORE_ACCEPTANCE,
                    AttemptCode.CONFLICTED_EVALUATOR,
                ]
            )
        )
        .distinct()
        .select_related("buyer", "region", "award__supplier", "contract")
        .prefetch_related("refusals")
        .order_by("-planned_on", "-id")
    )
    rows: list[tuple[Purchase, list[Flag]]] = []
    for purchase in qs:
        flags = purchase_flags(purchase)
        if flags:
            rows.append((purchase, flags))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    return rows[offset : offset + limit], len(rows)


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


def contract_outputs(contract: Contract) -> list[Output]:
    """The quantified deliverables of ``contract`` with the actuals of its accepted reports,
    as output scoring reads them (``deliverable_progress`` without the outcomes)."""
    return [
        Output(kind=p.deliverable.kind, planned=p.planned, actual=p.actual)
        for p in deliverable_progress(contract)
        if p.ratio is not None and p.planned is not None
    ]


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


def posts_in_force(division_ids: Iterable[int] | None, as_of: dt.date) -> QuerySet[Post]:
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
    posts = posts_in_force(division_ids, as_of)
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


# Evaluations (wt/eval): schemes, what an actor may see of an evaluation, the evaluator's list
# and the scoring sheet.


def evaluation_scheme_list() -> QuerySet[EvaluationScheme]:
    """Schemes are public (what a supplier is evaluated on is published)."""
    return EvaluationScheme.objects.order_by("code")


def evaluation_scheme_get(*, code: str) -> EvaluationScheme:
    try:
        return EvaluationScheme.objects.get(code=code)
    except EvaluationScheme.DoesNotExist as exc:
        raise NotFound(_("No evaluation scheme with code %(code)s.") % {"code": code}) from exc


def evaluation_visible(*, actor: Actor, pk: int) -> tuple[Evaluation, bool]:
    """An evaluation and whether its scores may be shown. Its grade is public once completed;
    an evaluation still being scored is seen only by those who may see the contract's delivery
    (NotFound for anyone else)."""
    evaluation = evaluation_get(actor=actor, pk=pk)
    involved = may_see_delivery(actor, evaluation.contract.purchase)
    if not involved and evaluation.status != EvaluationStatus.COMPLETED:
        raise NotFound(_("No evaluation with id %(id)s.") % {"id": pk})
    return evaluation, involved


def evaluation_involved_get(*, actor: Actor, pk: int) -> Evaluation:
    """An evaluation for someone who may see its scores (NotFound for anyone else)."""
    evaluation, involved = evaluation_visible(actor=actor, pk=pk)
    if not involved:
        raise NotFound(_("No evaluation with id %(id)s.") % {"id": pk})
    return evaluation


def evaluation_list_mine(*, actor: Actor) -> QuerySet[Evaluation]:
    """The evaluations assigned to the institutions the actor evaluates for."""
    ids = evaluator_organization_ids(actor)
    return (
        Evaluation.objects.filter(evaluator_id__in=ids)
        .select_related("contract__purchase__buyer", "contract__purchase__award__supplier")
        .select_related("evaluator", "scheme")
        .order_by("status", "-assigned_on", "-id")
    )


def evaluation_list_completed() -> QuerySet[Evaluation]:
    """Completed evaluations: their grades are public."""
    return (
        Evaluation.objects.filter(status=EvaluationStatus.COMPLETED)
        .select_related("contract__purchase__buyer", "contract__purchase__award__supplier")
        .select_related("evaluator", "scheme")
        .order_by("-completed_on", "-id")
    )


@dataclass(frozen=True)
class SheetRow:
    """One indicator of an evaluation's sheet: its score (entered, computed from the accepted
    reports, or the weighted sum of its children), and whether the evaluator enters it."""

    indicator: Indicator
    depth: int
    is_leaf: bool
    computed: bool
    ratio: Decimal | None
    score: Decimal | None
    comment: str


@dataclass(frozen=True)
class Sheet:
    rows: list[SheetRow]
    total: Decimal
    complete: bool  # every leaf has a score


def evaluation_sheet(*, evaluation: Evaluation) -> Sheet:
    """The scheme tree with the evaluation's scores; output indicators computed from the
    accepted reports while it is open (stored at completion)."""
    indicators, nodes, bands = scheme_nodes(evaluation.scheme)
    stored = {s.indicator_id: s for s in Score.objects.filter(evaluation=evaluation)}
    computed = (
        {}
        if evaluation.status == EvaluationStatus.COMPLETED
        else computed_outputs(nodes, contract_outputs(evaluation.contract), bands)
    )
    leaf_codes = {n.code for n in leaves(nodes)}
    leaf_scores: dict[str, Decimal] = {}
    for indicator in indicators:
        if indicator.code in computed:
            leaf_scores[indicator.code] = computed[indicator.code][1]
        elif indicator.pk in stored and indicator.code in leaf_codes:
            leaf_scores[indicator.code] = stored[indicator.pk].score
    all_scores = tree_scores(nodes, leaf_scores)
    depth: dict[str, int] = {}
    rows = []
    for indicator, node in zip(indicators, nodes, strict=True):
        depth[node.code] = depth[node.parent] + 1 if node.parent else 0
        is_leaf = node.code in leaf_codes
        row = stored.get(indicator.pk)
        rows.append(
            SheetRow(
                indicator=indicator,
                depth=depth[node.code],
                is_leaf=is_leaf,
                computed=node.code in computed
                or (evaluation.status == EvaluationStatus.COMPLETED and node.is_output),
                ratio=computed[node.code][0] if node.code in computed else None,
                score=(leaf_scores.get(node.code) if is_leaf else all_scores.get(node.code)),
                comment=row.comment if row is not None else "",
            )
        )
    return Sheet(
        rows=rows,
        total=total_score(nodes, leaf_scores),
        complete=leaf_codes <= set(leaf_scores),
    )


# =======================================================================================
# Workspace (wt/pweb): the officer's purchases and what waits for them; the agency's
# contracts.

from shuniu.accounts.permissions import staff_organization_ids  # noqa: E402


def _buyer_side_purchases(actor: Actor) -> QuerySet[Purchase]:
    """Purchases whose buyer lies in the actor's jurisdiction (all for an administrator);
    PermissionDenied for anyone who is neither."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to work on purchases."))
    covered = covered_division_ids(actor)
    if covered is None:
        return Purchase.objects.all()
    if not is_officer(actor):
        raise PermissionDenied(_("Only officers and administrators work on purchases."))
    return Purchase.objects.filter(buyer__registrar_division_id__in=covered)


def purchase_list_buyer_side(
    *,
    actor: Actor,
    filters: PurchaseFilter | None = None,
    offset: int = 0,
    limit: int = 25,
) -> tuple[list[Purchase], int]:
    """One page of the purchases the actor buys for (newest planned first) and their count;
    two queries (three with a region)."""
    scoped = _buyer_side_purchases(actor)
    qs = _purchase_query(filters or PurchaseFilter()).filter(pk__in=scoped.values("pk"))
    count = qs.count()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = list(
        qs.select_related("buyer", "region", "award__supplier").order_by("-planned_on", "-id")[
            offset : offset + limit
        ]
    )
    return rows, count


@dataclass(frozen=True)
class PurchasingWaiting:
    """What waits for an officer in their purchases."""

    reports_to_accept: int
    payments_ready: int
    awards_refused: int
    awards_overridden: int
    flagged: int

    @property
    def total(self) -> int:
        return self.reports_to_accept + self.payments_ready


def purchasing_waiting(*, actor: Actor) -> PurchasingWaiting:
    """Counts of submitted reports, unpaid payments whose deliverable is accepted, refused
    and overridden awards, and flagged purchases of the actor's purchases: one aggregate
    and the compliance list's reads."""
    counts = _buyer_side_purchases(actor).aggregate(
        reports=Count(
            "contract__reports",
            filter=Q(contract__reports__status=ReportStatus.SUBMITTED),
            distinct=True,
        ),
        payments=Count(
            "contract__payments",
            filter=Q(
                contract__payments__paid_on__isnull=True,
                contract__payments__deliverable__accepted_on__isnull=False,
            ),
            distinct=True,
        ),
        refused=Count(
            "refusals", filter=Q(refusals__code=AttemptCode.INELIGIBLE_AWARD), distinct=True
        ),
        overridden=Count("award", filter=Q(award__override_reason__gt=""), distinct=True),
    )
    _rows, flagged = compliance_list(actor=actor, limit=1)
    return PurchasingWaiting(
        reports_to_accept=counts["reports"],
        payments_ready=counts["payments"],
        awards_refused=counts["refused"],
        awards_overridden=counts["overridden"],
        flagged=flagged,
    )


def contract_list_supplier_side(*, actor: Actor) -> list[Contract]:
    """The contracts of the organizations the actor works for as agency staff, newest signed
    first, each with ``submitted``, ``returned`` and ``accepted`` report counts; one query."""
    ids = staff_organization_ids(actor)
    if not ids:
        return []
    return list(
        Contract.objects.filter(purchase__award__supplier_id__in=ids)
        .select_related("purchase__buyer", "purchase__award__supplier")
        .annotate(
            submitted=Count("reports", filter=Q(reports__status=ReportStatus.SUBMITTED)),
            returned=Count("reports", filter=Q(reports__status=ReportStatus.RETURNED)),
            accepted=Count("reports", filter=Q(reports__status=ReportStatus.ACCEPTED)),
        )
        .order_by("-signed_on", "-id")
    )
