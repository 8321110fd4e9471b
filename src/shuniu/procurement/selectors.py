"""Reads of purchasing. Purchases and what they bought are public (see permissions.py); the
delivery side (service reports, scores, refused attempts) only for those involved.

The getters here are what every interface resolves ids through (``api/lookups.py`` style):
unknown or unseen records are ``NotFound`` whatever the verb.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound
from shuniu.procurement.models import (
    Contract,
    Evaluation,
    Purchase,
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


# ---------------------------------------------------------------------------------------
# Evaluations (wt/eval): schemes, what an actor may see of an evaluation, the evaluator's list
# and the scoring sheet.

from dataclasses import dataclass  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db.models import QuerySet  # noqa: E402

from shuniu.accounts.permissions import evaluator_organization_ids  # noqa: E402
from shuniu.procurement.models import (  # noqa: E402
    EvaluationScheme,
    EvaluationStatus,
    Indicator,
    Score,
)
from shuniu.procurement.scoring import (  # noqa: E402
    computed_outputs,
    contract_outputs,
    leaves,
    scheme_nodes,
    total_score,
    tree_scores,
)


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
