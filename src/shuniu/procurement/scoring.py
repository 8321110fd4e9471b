"""Scoring an evaluation: pure functions over a scheme's indicator tree, plus the one query
that reads a contract's outputs from its accepted service reports.

- An output leaf (``is_output``) is scored from the deliverables of its ``output_kind`` (every
  quantified deliverable when blank): each deliverable's ratio actual/planned (the sum of its
  lines in ACCEPTED reports), capped at 1, averaged over the matching deliverables (the mean,
  so one short deliverable costs in proportion rather than sinking the indicator), then the
  highest band reached gives the fraction of the maximum. An output leaf with no matching
  deliverable cannot be computed: the evaluator scores it by hand like any other leaf.
- A parent's score is the sum of its children's scores, each multiplied by its ``weight``;
  the total is the same weighted sum over the top-level indicators. A valid scheme's
  weighted maxima add up to each parent's maximum and to 100 at the top.
- The grade: excellent from ``excellent_from``, good from ``good_from``, pass from
  ``pass_from``, fail below (each threshold inclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shuniu.procurement.models import (
    EvaluationGrade,
    EvaluationScheme,
    Indicator,
    OutputBand,
)

CENT = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal(0)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Band:
    from_ratio: Decimal
    fraction: Decimal


@dataclass(frozen=True)
class Node:
    """One indicator as the pure functions see it."""

    code: str
    parent: str | None
    weight: Decimal
    max_score: Decimal
    is_output: bool = False
    output_kind: str = ""


@dataclass(frozen=True)
class Output:
    """A quantified deliverable: its kind, planned and accepted actual amounts."""

    kind: str
    planned: Decimal
    actual: Decimal

    @property
    def ratio(self) -> Decimal:
        return self.actual / self.planned


def band_fraction(ratio: Decimal, bands: Iterable[Band]) -> Decimal:
    """The fraction of the highest band ``ratio`` reaches (0 when it reaches none)."""
    reached = [b for b in bands if ratio >= b.from_ratio]
    if not reached:
        return ZERO
    return max(reached, key=lambda b: b.from_ratio).fraction


def output_ratio(kind: str, outputs: Iterable[Output]) -> Decimal | None:
    """The mean of min(actual/planned, 1) over the outputs of ``kind`` (all when blank);
    None when no output matches."""
    ratios = [min(o.ratio, ONE) for o in outputs if not kind or o.kind == kind]
    if not ratios:
        return None
    return sum(ratios, ZERO) / len(ratios)


def output_score(max_score: Decimal, ratio: Decimal, bands: Iterable[Band]) -> Decimal:
    return quantize(band_fraction(ratio, bands) * max_score)


def leaves(nodes: Sequence[Node]) -> list[Node]:
    parents = {n.parent for n in nodes if n.parent}
    return [n for n in nodes if n.code not in parents]


def computed_outputs(
    nodes: Sequence[Node], outputs: Sequence[Output], bands: Sequence[Band]
) -> dict[str, tuple[Decimal, Decimal]]:
    """The output leaves that the reports score: code → (ratio, score)."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for node in leaves(nodes):
        if not node.is_output:
            continue
        ratio = output_ratio(node.output_kind, outputs)
        if ratio is not None:
            found[node.code] = (ratio, output_score(node.max_score, ratio, bands))
    return found


def tree_scores(nodes: Sequence[Node], leaf_scores: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Every node's score: leaves as given (missing ones count 0), parents the weighted sum
    of their children."""
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    result: dict[str, Decimal] = {}

    def visit(node: Node) -> Decimal:
        kids = children.get(node.code, [])
        if kids:
            value = quantize(sum((k.weight * visit(k) for k in kids), ZERO))
        else:
            value = leaf_scores.get(node.code, ZERO)
        result[node.code] = value
        return value

    for root in children.get(None, []):
        visit(root)
    return result


def total_score(nodes: Sequence[Node], leaf_scores: Mapping[str, Decimal]) -> Decimal:
    scores = tree_scores(nodes, leaf_scores)
    return quantize(sum((n.weight * scores[n.code] for n in nodes if n.parent is None), ZERO))


def grade_for(
    total: Decimal, *, excellent_from: Decimal, good_from: Decimal, pass_from: Decimal
) -> str:
    if total >= excellent_from:
        return EvaluationGrade.EXCELLENT
    if total >= good_from:
        return EvaluationGrade.GOOD
    if total >= pass_from:
        return EvaluationGrade.PASS
    return EvaluationGrade.FAIL


def scheme_nodes(scheme: EvaluationScheme) -> tuple[list[Indicator], list[Node], list[Band]]:
    """A scheme's indicators (tree order) as the scoring functions see them, and its bands."""
    indicators = list(
        Indicator.objects.filter(scheme=scheme).select_related("parent").order_by("position", "id")
    )
    nodes = [
        Node(
            code=i.code,
            parent=i.parent.code if i.parent else None,
            weight=i.weight,
            max_score=i.max_score,
            is_output=i.is_output,
            output_kind=i.output_kind,
        )
        for i in indicators
    ]
    bands = [
        Band(from_ratio=b.from_ratio, fraction=b.fraction)
        for b in OutputBand.objects.filter(scheme=scheme)
    ]
    return indicators, nodes, bands
