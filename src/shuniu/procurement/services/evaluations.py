"""Third-party evaluation: schemes as data, assigning an institution (with the
conflict-of-interest check), scoring and completing.

Who may do what:
- schemes: administrators (and the command line);
- assigning: the buyer's side (``require_buyer_side``); a conflicted institution is refused
  with one coded message per failed check, and the refusal is kept (``conflicted_evaluator``);
- scoring and completing: evaluators of the assigned institution only. Someone who may not
  see the contract's delivery gets NotFound (scores are not public); someone who sees it (the
  buyer's officers, the supplier's staff, another stage's evaluator) gets PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuniu.accounts.permissions import is_admin
from shuniu.core.actors import Actor
from shuniu.core.audit import audit_write, snapshot
from shuniu.core.errors import NotFound, PermissionDenied, ValidationError
from shuniu.core.validation import check_date, clean_text, decimal_parse
from shuniu.core.versioning import check_version
from shuniu.procurement.attempts import attempt_record
from shuniu.procurement.models import (
    AttemptCode,
    Contract,
    Evaluation,
    EvaluationScheme,
    EvaluationStatus,
    Indicator,
    OutputBand,
    OutputKind,
    Score,
    Stage,
)
from shuniu.procurement.permissions import (
    may_see_delivery,
    require_assigned_evaluator,
    require_buyer_side,
)
from shuniu.procurement.scoring import (
    Node,
    computed_outputs,
    grade_for,
    leaves,
    scheme_nodes,
    total_score,
)
from shuniu.procurement.selectors import contract_outputs
from shuniu.registry.models import (
    EventKind,
    Kind,
    Organization,
    OrganizationEvent,
    OrganizationPeriod,
    Status,
    Support,
)
from shuniu.registry.selectors import hub_from_events

DEFAULT_SCHEME = "default-2012"
_MAX_SCORE = Decimal("9999.99")
# Unknown indicator codes named one by one, up to this many (then one message for all).
_MAX_UNKNOWN = 10

# ---------------------------------------------------------------------------------------
# Schemes


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    number = decimal_parse(value)
    if number is None:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    return number


def _text(value: Any, field: str, errors: dict[str, list[str]], *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Enter text."))
        return ""
    try:
        clean_text(value, field=field, max_length=200)
    except DjangoValidationError as exc:
        errors.setdefault(field, []).extend(exc.message_dict[field])
        return ""
    if required and not value.strip():
        errors.setdefault(field, []).append(_("This field is required."))
    return value.strip()


def _scheme_nodes(
    items: Any, prefix: str, parent: str | None, errors: dict[str, list[str]], seen: set[str]
) -> list[tuple[Node, str, str]]:
    """Validated nodes (with their names) of one level of the tree, depth first."""
    if not isinstance(items, list) or not items:
        errors.setdefault(prefix, []).append(_("Give a non-empty list of indicators."))
        return []
    out: list[tuple[Node, str, str]] = []
    for i, item in enumerate(items):
        at = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            errors.setdefault(at, []).append(_("Give an indicator as an object."))
            continue
        code = _text(item.get("code"), f"{at}.code", errors, required=True)
        if code and (not code.replace("-", "").replace("_", "").isalnum() or len(code) > 40):
            errors.setdefault(f"{at}.code", []).append(
                _("A code is at most 40 letters, digits, hyphens or underscores.")
            )
        elif code in seen:
            errors.setdefault(f"{at}.code", []).append(
                _("The code %(code)s is used twice.") % {"code": code}
            )
        seen.add(code)
        name = _text(item.get("name"), f"{at}.name", errors, required=True)
        name_en = _text(item.get("name_en"), f"{at}.name_en", errors, required=False)
        max_score = _decimal(item.get("max_score"), f"{at}.max_score", errors)
        if max_score is not None and not (0 < max_score <= _MAX_SCORE):
            errors.setdefault(f"{at}.max_score", []).append(
                _("A maximum score is greater than 0 and at most 9999.99.")
            )
        weight = _decimal(item.get("weight", 1), f"{at}.weight", errors)
        if weight is not None and not (0 < weight < 10):
            errors.setdefault(f"{at}.weight", []).append(
                _("A weight is greater than 0 and less than 10.")
            )
        is_output = item.get("is_output", False)
        if not isinstance(is_output, bool):
            errors.setdefault(f"{at}.is_output", []).append(_("Enter true or false."))
            is_output = False
        output_kind = item.get("output_kind", "") or ""
        if output_kind and (output_kind not in OutputKind.values or output_kind == "outcome"):
            errors.setdefault(f"{at}.output_kind", []).append(
                _("An output kind is one of people_served, sessions, service_hours.")
            )
        children = item.get("children") or []
        if is_output and children:
            errors.setdefault(f"{at}.is_output", []).append(
                _("Only a leaf indicator is scored from outputs.")
            )
        node = Node(
            code=code,
            parent=parent,
            weight=weight or Decimal(1),
            max_score=max_score or Decimal(0),
            is_output=bool(is_output),
            output_kind=output_kind,
        )
        out.append((node, name, name_en))
        if children:
            kids = _scheme_nodes(children, f"{at}.children", code, errors, seen)
            direct = [k for k, _n, _e in kids if k.parent == code]
            total = sum((k.weight * k.max_score for k in direct), Decimal(0))
            if max_score is not None and kids and total != max_score:
                errors.setdefault(f"{at}.max_score", []).append(
                    _("The children's weighted maxima add up to %(total)s, not %(max)s.")
                    % {"total": total, "max": max_score}
                )
            out.extend(kids)
    return out


def scheme_problems(data: Any) -> tuple[dict[str, list[str]], list[tuple[Node, str, str]]]:
    """What is wrong with a scheme given as data (the JSON of ``shuniu schemes load``)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return {"scheme": [_("Give a scheme as a JSON object.")]}, []
    code = _text(data.get("code"), "code", errors, required=True)
    if code and (not code.replace("-", "").replace("_", "").isalnum() or len(code) > 40):
        errors.setdefault("code", []).append(
            _("A code is at most 40 letters, digits, hyphens or underscores.")
        )
    _text(data.get("name"), "name", errors, required=True)
    _text(data.get("name_en"), "name_en", errors, required=False)
    thresholds = data.get("thresholds")
    if not isinstance(thresholds, dict):
        errors.setdefault("thresholds", []).append(
            _("Give the thresholds as an object with excellent, good and pass.")
        )
    else:
        values = [
            _decimal(thresholds.get(k), f"thresholds.{k}", errors)
            for k in ("excellent", "good", "pass")
        ]
        if all(v is not None for v in values):
            excellent, good, passing = (v for v in values if v is not None)
            if not (100 >= excellent > good > passing > 0):
                errors.setdefault("thresholds", []).append(
                    _("Thresholds are ordered: 100 ≥ excellent > good > pass > 0.")
                )
    bands = data.get("bands")
    if not isinstance(bands, list) or not bands:
        errors.setdefault("bands", []).append(_("Give a non-empty list of output bands."))
    else:
        ratios: list[Decimal] = []
        for i, band in enumerate(bands):
            if not isinstance(band, dict):
                errors.setdefault(f"bands[{i}]", []).append(_("Give a band as an object."))
                continue
            ratio = _decimal(band.get("from_ratio"), f"bands[{i}].from_ratio", errors)
            fraction = _decimal(band.get("fraction"), f"bands[{i}].fraction", errors)
            if ratio is not None:
                if not (0 <= ratio < 100):
                    errors.setdefault(f"bands[{i}].from_ratio", []).append(
                        _("A band starts at a ratio from 0 to less than 100.")
                    )
                elif ratio in ratios:
                    errors.setdefault(f"bands[{i}].from_ratio", []).append(
                        _("Two bands start at the same ratio.")
                    )
                ratios.append(ratio)
            if fraction is not None and not (0 <= fraction <= 1):
                errors.setdefault(f"bands[{i}].fraction", []).append(
                    _("A fraction is from 0 to 1.")
                )
        if ratios and min(ratios) != 0:
            errors.setdefault("bands", []).append(_("The lowest band starts at ratio 0."))
    nodes = _scheme_nodes(data.get("indicators"), "indicators", None, errors, set())
    if nodes and not any(k.startswith("indicators") for k in errors):
        top = sum((n.weight * n.max_score for n, _n, _e in nodes if n.parent is None), Decimal(0))
        if top != 100:
            errors.setdefault("indicators", []).append(
                _("The top indicators' weighted maxima add up to %(total)s, not 100.")
                % {"total": top}
            )
    return errors, nodes


def evaluation_scheme_create(*, actor: Actor, data: Any) -> EvaluationScheme:
    """Create a scheme from data (see ``docs/data-model.md``): administrators only."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only administrators may load evaluation schemes."))
    errors, nodes = scheme_problems(data)
    if not errors and EvaluationScheme.objects.filter(code=data["code"]).exists():
        errors["code"] = [_("A scheme with code %(code)s exists.") % {"code": data["code"]}]
    if errors:
        raise ValidationError(errors)
    thresholds = data["thresholds"]
    with transaction.atomic():
        made = EvaluationScheme.objects.create(
            code=data["code"],
            name=data["name"].strip(),
            name_en=(data.get("name_en") or "").strip(),
            excellent_from=Decimal(str(thresholds["excellent"])),
            good_from=Decimal(str(thresholds["good"])),
            pass_from=Decimal(str(thresholds["pass"])),
        )
        by_code: dict[str, Indicator] = {}
        for position, (node, name, name_en) in enumerate(nodes, start=1):
            by_code[node.code] = Indicator.objects.create(
                scheme=made,
                parent=by_code[node.parent] if node.parent else None,
                code=node.code,
                name=name,
                name_en=name_en,
                position=position,
                weight=node.weight,
                max_score=node.max_score,
                is_output=node.is_output,
                output_kind=node.output_kind,
            )
        OutputBand.objects.bulk_create(
            OutputBand(
                scheme=made,
                from_ratio=Decimal(str(b["from_ratio"])),
                fraction=Decimal(str(b["fraction"])),
            )
            for b in data["bands"]
        )
        audit_write(
            actor=actor,
            action="evaluation_scheme.create",
            instance=made,
            before=None,
            after={**snapshot(made), "indicators": [n.code for n, _n, _e in nodes]},
        )
    return made


# ---------------------------------------------------------------------------------------
# Assigning, with the conflict-of-interest check


def hub_on(organization: Organization, day: dt.date) -> int | None:
    """The id of the hub leading ``organization`` on ``day`` (see ``hub_from_events``)."""
    events = list(
        OrganizationEvent.objects.filter(
            organization=organization, kind__in=[EventKind.JOINED_HUB, EventKind.LEFT_HUB]
        ).values_list("date", "kind", "id", "hub_id")
    )
    undated = None
    if not events:
        undated = Organization.objects.filter(pk=organization.pk).values_list("hub_id", flat=True)[
            0
        ]
    return hub_from_events(events, day, undated)


def conflicts_of_interest(
    *, evaluator: Organization, supplier: Organization, contract: Contract, on: dt.date
) -> list[DjangoValidationError]:
    """Every failed check, each its own coded message (empty when there is no conflict)."""
    found: list[DjangoValidationError] = []
    if evaluator.pk == supplier.pk:
        found.append(
            DjangoValidationError(
                _("The evaluation institution is the supplier itself."), code="coi_is_supplier"
            )
        )
        return found
    evaluator_hub, supplier_hub = hub_on(evaluator, on), hub_on(supplier, on)
    if (
        (evaluator_hub is not None and evaluator_hub == supplier_hub)
        or evaluator_hub == supplier.pk
        or supplier_hub == evaluator.pk
    ):
        found.append(
            DjangoValidationError(
                _(
                    "The evaluation institution and the supplier are led by the same hub "
                    "on %(date)s."
                )
                % {"date": on.isoformat()},
                code="coi_same_hub",
            )
        )
    if Organization.sponsors.through.objects.filter(
        Q(from_organization=supplier, to_organization=evaluator)
        | Q(from_organization=evaluator, to_organization=supplier)
    ).exists():
        found.append(
            DjangoValidationError(
                _("The evaluation institution sponsors the supplier, or is sponsored by it."),
                code="coi_sponsor",
            )
        )
    if (
        Support.objects.filter(
            Q(giver=evaluator, receiver=supplier) | Q(giver=supplier, receiver=evaluator),
            starts_on__lte=contract.ends_on,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=contract.starts_on))
        .exists()
    ):
        found.append(
            DjangoValidationError(
                _(
                    "The evaluation institution and the supplier supported one another during "
                    "the contract's term."
                ),
                code="coi_support",
            )
        )
    return found


class _Conflicted(Exception):
    def __init__(self, errors: list[DjangoValidationError]) -> None:
        super().__init__("conflicted evaluator")
        self.errors = errors


def _institution_errors(evaluator: Organization, on: dt.date) -> list[str]:
    period = (
        OrganizationPeriod.objects.filter(organization=evaluator, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gt=on))
        .values_list("status", "kind")
        .first()
    )
    problems = []
    kind = period[1] if period is not None else evaluator.kind
    if kind != Kind.EVALUATION:
        problems.append(
            _("%(name)s is not an evaluation institution on %(date)s.")
            % {"name": evaluator.name, "date": on.isoformat()}
        )
    if period is None or period[0] != Status.REGISTERED:
        problems.append(
            _("%(name)s is not registered on %(date)s.")
            % {"name": evaluator.name, "date": on.isoformat()}
        )
    return problems


def evaluation_assign(
    *,
    actor: Actor,
    contract: Contract,
    evaluator: Organization,
    stage: str,
    assigned_on: dt.date,
    scheme: EvaluationScheme | None = None,
) -> Evaluation:
    """Commission ``evaluator`` to evaluate ``contract`` at ``stage`` (buyer's side only)."""
    check_date(assigned_on, field="assigned_on")
    purchase = contract.purchase
    require_buyer_side(actor, purchase)
    try:
        with transaction.atomic():
            locked = (
                Contract.objects.select_for_update(of=("self",))
                .select_related("purchase__award__supplier", "purchase__buyer__registrar_division")
                .get(pk=contract.pk)
            )
            errors: dict[str, list[str]] = {}
            if stage not in Stage.values:
                errors["stage"] = [_("A stage is midterm or final.")]
            elif Evaluation.objects.filter(contract=locked, stage=stage).exists():
                errors["stage"] = [
                    _("This contract already has a %(stage)s evaluation.")
                    % {"stage": Stage(stage).label}
                ]
            if assigned_on < locked.signed_on:
                errors["assigned_on"] = [
                    _("An evaluation is assigned on or after the contract is signed (%(date)s).")
                    % {"date": locked.signed_on.isoformat()}
                ]
            problems = _institution_errors(evaluator, assigned_on)
            if problems:
                errors["evaluator"] = problems
            if scheme is None:
                scheme = EvaluationScheme.objects.filter(code=DEFAULT_SCHEME).first()
                if scheme is None:
                    errors["scheme"] = [_("There is no default evaluation scheme.")]
            if errors:
                raise ValidationError(errors)
            award = getattr(locked.purchase, "award", None)
            if award is not None:
                conflicts = conflicts_of_interest(
                    evaluator=evaluator, supplier=award.supplier, contract=locked, on=assigned_on
                )
                if conflicts:
                    raise _Conflicted(conflicts)
            assert scheme is not None
            evaluation = Evaluation.objects.create(
                contract=locked,
                evaluator=evaluator,
                scheme=scheme,
                stage=stage,
                assigned_on=assigned_on,
            )
            audit_write(
                actor=actor,
                action="evaluation.assign",
                instance=evaluation,
                before=None,
                after=snapshot(evaluation),
                division_code=locked.purchase.buyer.registrar_division.code,
            )
    except _Conflicted as refused:
        attempt_record(
            actor=actor,
            purchase=purchase,
            code=AttemptCode.CONFLICTED_EVALUATOR,
            detail={
                "contract": contract.pk,
                "evaluator": evaluator.pk,
                "stage": stage,
                "assigned_on": assigned_on.isoformat(),
                "codes": [e.code for e in refused.errors],
            },
        )
        raise ValidationError({"evaluator": refused.errors}) from None
    return evaluation


# ---------------------------------------------------------------------------------------
# Scoring and completing


def _require_scorer(actor: Actor, evaluation: Evaluation) -> None:
    if not may_see_delivery(actor, evaluation.contract.purchase):
        raise NotFound(_("No evaluation with id %(id)s.") % {"id": evaluation.pk})
    require_assigned_evaluator(actor, evaluation)


def _locked(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("contract__purchase__buyer__registrar_division", "scheme")
        .get(pk=evaluation.pk)
    )


def evaluation_score(
    *,
    actor: Actor,
    evaluation: Evaluation,
    scores: Mapping[str, Mapping[str, Any]],
    version: int | None,
) -> Evaluation:
    """Set the scores of the given leaf indicators (others are kept). Output indicators
    that the accepted reports score are not entered by hand."""
    _require_scorer(actor, evaluation)
    with transaction.atomic():
        locked = _locked(evaluation)
        check_version(locked, expected=version)
        if locked.status == EvaluationStatus.COMPLETED:
            raise ValidationError({"scores": [_("This evaluation is completed.")]})
        indicators, nodes, bands = scheme_nodes(locked.scheme)
        by_code = {i.code: i for i in indicators}
        leaf_codes = {n.code for n in leaves(nodes)}
        computed = computed_outputs(nodes, contract_outputs(locked.contract), bands)
        errors: dict[str, list[str]] = {}
        clean: dict[str, tuple[Decimal, str]] = {}
        if not isinstance(scores, Mapping) or not scores:
            raise ValidationError({"scores": [_("Give at least one score.")]})
        unknown = [code for code in scores if code not in by_code]
        if len(unknown) > _MAX_UNKNOWN:
            # One message per unknown indicator would echo a hostile body back in full.
            raise ValidationError(
                {
                    "scores": [
                        _("%(count)d scores name no indicator of the scheme.")
                        % {"count": len(unknown)}
                    ]
                }
            )
        for code, given in scores.items():
            field = f"scores.{code}"
            if code not in by_code:
                errors[field[:100]] = [
                    _("The scheme has no indicator %(code)s.") % {"code": code[:80]}
                ]
                continue
            if code not in leaf_codes:
                errors[field] = [_("A parent indicator's score is the sum of its children's.")]
                continue
            if code in computed:
                errors[field] = [_("This indicator is scored from the accepted service reports.")]
                continue
            if not isinstance(given, Mapping):
                errors[field] = [_("Give a score and an optional comment.")]
                continue
            value = _decimal(given.get("score"), field, errors)
            maximum = by_code[code].max_score
            if value is not None and not (0 <= value <= maximum):
                errors.setdefault(field, []).append(
                    _("A score is from 0 to %(max)s.") % {"max": maximum}
                )
            elif value is not None and value != value.quantize(Decimal("0.01")):
                errors.setdefault(field, []).append(_("A score has at most 2 decimal places."))
            comment = given.get("comment") or ""
            if not isinstance(comment, str):
                errors.setdefault(field, []).append(_("Enter text."))
                continue
            try:
                clean_text(comment, field=field, multiline=True, max_length=2000)
            except DjangoValidationError as exc:
                errors.setdefault(field, []).extend(exc.message_dict[field])
            if value is not None and field not in errors:
                clean[code] = (value, comment.strip())
        if errors:
            raise ValidationError(errors)
        existing = {s.indicator_id: s for s in Score.objects.filter(evaluation=locked)}
        before = {i.code: str(existing[i.pk].score) for i in indicators if i.pk in existing}
        for code, (value, comment) in clean.items():
            indicator = by_code[code]
            row = existing.get(indicator.pk)
            if row is None:
                Score.objects.create(
                    evaluation=locked, indicator=indicator, score=value, comment=comment
                )
            else:
                row.score, row.comment = value, comment
                row.save(update_fields=["score", "comment"])
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit_write(
            actor=actor,
            action="evaluation.score",
            instance=locked,
            before={"version": locked.version - 1, "scores": before},
            after={
                "version": locked.version,
                "scores": {**before, **{c: str(v) for c, (v, _c) in clean.items()}},
            },
            division_code=locked.contract.purchase.buyer.registrar_division.code,
        )
    return locked


def evaluation_complete(
    *,
    actor: Actor,
    evaluation: Evaluation,
    completed_on: dt.date,
    summary: str = "",
    version: int | None,
) -> Evaluation:
    """Close the evaluation: every leaf scored (outputs from the accepted reports, stored
    now), the total mapped to a grade by the scheme's thresholds."""
    check_date(completed_on, field="completed_on")
    summary = clean_text(summary or "", field="summary", multiline=True, max_length=5000).strip()
    _require_scorer(actor, evaluation)
    with transaction.atomic():
        locked = _locked(evaluation)
        check_version(locked, expected=version)
        if locked.status == EvaluationStatus.COMPLETED:
            raise ValidationError({"status": [_("This evaluation is completed.")]})
        if completed_on < locked.assigned_on:
            raise ValidationError(
                {
                    "completed_on": [
                        _("An evaluation is completed on or after it is assigned (%(date)s).")
                        % {"date": locked.assigned_on.isoformat()}
                    ]
                }
            )
        indicators, nodes, bands = scheme_nodes(locked.scheme)
        by_code = {i.code: i for i in indicators}
        computed = computed_outputs(nodes, contract_outputs(locked.contract), bands)
        entered = {
            s.indicator.code: s.score
            for s in Score.objects.filter(evaluation=locked).select_related("indicator")
        }
        missing = [
            n.code for n in leaves(nodes) if n.code not in computed and n.code not in entered
        ]
        if missing:
            raise ValidationError(
                {
                    "scores": [
                        _("Score every indicator first; missing: %(codes)s.")
                        % {"codes": ", ".join(by_code[c].name for c in missing)}
                    ]
                }
            )
        leaf_scores = {**entered, **{code: score for code, (_r, score) in computed.items()}}
        Score.objects.filter(evaluation=locked, indicator__code__in=list(computed)).delete()
        Score.objects.bulk_create(
            Score(
                evaluation=locked,
                indicator=by_code[code],
                score=score,
                # Stored data, not a message: the same in every language.
                comment=f"actual/planned {ratio:.4f}",
            )
            for code, (ratio, score) in computed.items()
        )
        before = snapshot(locked)
        scheme = locked.scheme
        locked.total = total_score(nodes, leaf_scores)
        locked.grade = grade_for(
            locked.total,
            excellent_from=scheme.excellent_from,
            good_from=scheme.good_from,
            pass_from=scheme.pass_from,
        )
        locked.status = EvaluationStatus.COMPLETED
        locked.completed_on = completed_on
        locked.summary = summary
        locked.version += 1
        locked.save()
        audit_write(
            actor=actor,
            action="evaluation.complete",
            instance=locked,
            before=before,
            after=snapshot(locked),
            division_code=locked.contract.purchase.buyer.registrar_division.code,
        )
    return locked
