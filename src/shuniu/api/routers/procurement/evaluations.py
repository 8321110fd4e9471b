"""Evaluations: schemes (public), assigning an institution, scoring and completing.

An evaluation's grade is public once completed; its scores only for those who may see the
contract's delivery (``procurement.selectors.evaluation_visible``). A conflicted institution
is a 422 whose ``errors`` carry each failed check's ``code`` (``coi_is_supplier``,
``coi_same_hub``, ``coi_sponsor``, ``coi_support``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shuniu.api.auth import WRITE_AUTH, actor
from shuniu.api.lookups import organization_ref
from shuniu.api.pagination import Paging, page_of
from shuniu.api.types import ApiDate, ApiDecimal, CleanText, RecordId
from shuniu.api.versioning import etag, expected_version
from shuniu.core.actors import Actor
from shuniu.core.errors import NotFound, ValidationError
from shuniu.core.problem import problem
from shuniu.procurement.models import Evaluation, EvaluationScheme, Indicator
from shuniu.procurement.selectors import (
    contract_get,
    evaluation_involved_get,
    evaluation_list_completed,
    evaluation_list_mine,
    evaluation_scheme_get,
    evaluation_scheme_list,
    evaluation_sheet,
    evaluation_visible,
)
from shuniu.procurement.services import (
    evaluation_assign,
    evaluation_complete,
    evaluation_score,
)

router = Router(tags=["purchasing"])


def _anonymous(request: HttpRequest) -> Any:
    """Reads that answer everyone, and more to the involved: a token or session when sent."""
    return request.user


READ_AUTH = [*WRITE_AUTH, _anonymous]

# ---------------------------------------------------------------------------------------
# Schemas


class EvaluationBandOut(Schema):
    from_ratio: Decimal
    fraction: Decimal


class EvaluationIndicatorOut(Schema):
    code: str
    parent: str | None
    name: str
    name_en: str
    weight: Decimal
    max_score: Decimal
    is_output: bool
    output_kind: str


class EvaluationSchemeSummaryOut(Schema):
    code: str
    name: str
    name_en: str
    excellent_from: Decimal
    good_from: Decimal
    pass_from: Decimal


class EvaluationSchemeOut(EvaluationSchemeSummaryOut):
    indicators: list[EvaluationIndicatorOut]
    bands: list[EvaluationBandOut]


class EvaluationSchemePage(Schema):
    items: list[EvaluationSchemeSummaryOut]
    count: int


class EvaluationPartyRef(Schema):
    id: int
    name: str


class EvaluationScoreOut(Schema):
    indicator: str
    score: Decimal | None
    computed: bool
    ratio: Decimal | None
    comment: str


class EvaluationOut(Schema):
    id: int
    contract: int
    purchase: int
    evaluator: EvaluationPartyRef
    supplier: EvaluationPartyRef | None
    scheme: str
    stage: str
    status: str
    assigned_on: dt.date
    completed_on: dt.date | None
    total: Decimal | None
    grade: str
    summary: str
    version: int
    scores: list[EvaluationScoreOut] | None = Field(
        None, description="Only for those who may see the contract's delivery."
    )


class EvaluationPage(Schema):
    items: list[EvaluationOut]
    count: int
    page: int
    page_size: int


class EvaluationAssignIn(Schema):
    evaluator: RecordId
    stage: str = Field(..., description="midterm or final")
    assigned_on: ApiDate
    scheme: str = Field("", max_length=40, description="A scheme code; default-2012 when blank.")


class EvaluationScoreIn(Schema):
    score: ApiDecimal = Field(..., ge=0, le=Decimal("9999.99"))
    comment: CleanText = Field("", max_length=2000)


class EvaluationScoresIn(Schema):
    scores: dict[str, EvaluationScoreIn]
    version: int | None = Field(None, ge=1)


class EvaluationCompleteIn(Schema):
    completed_on: ApiDate
    summary: CleanText = Field("", max_length=5000)
    version: int | None = Field(None, ge=1)


class EvaluationsQuery(Paging):
    mine: bool = Field(
        False, description="The evaluations assigned to your institutions (else completed ones)."
    )


# ---------------------------------------------------------------------------------------
# Output


def _indicator(i: Indicator, parents: dict[int, str]) -> dict[str, Any]:
    return {
        "code": i.code,
        "parent": parents.get(i.parent_id) if i.parent_id else None,
        "name": i.name,
        "name_en": i.name_en,
        "weight": i.weight,
        "max_score": i.max_score,
        "is_output": i.is_output,
        "output_kind": i.output_kind,
    }


def _scheme(scheme: EvaluationScheme) -> dict[str, Any]:
    indicators = list(scheme.indicators.order_by("position", "id"))
    parents = {i.pk: i.code for i in indicators}
    return {
        "code": scheme.code,
        "name": scheme.name,
        "name_en": scheme.name_en,
        "excellent_from": scheme.excellent_from,
        "good_from": scheme.good_from,
        "pass_from": scheme.pass_from,
        "indicators": [_indicator(i, parents) for i in indicators],
        "bands": list(scheme.bands.values("from_ratio", "fraction")),
    }


def _evaluation(evaluation: Evaluation, *, scores: bool) -> dict[str, Any]:
    purchase = evaluation.contract.purchase
    award = getattr(purchase, "award", None)
    body: dict[str, Any] = {
        "id": evaluation.pk,
        "contract": evaluation.contract_id,
        "purchase": purchase.pk,
        "evaluator": {"id": evaluation.evaluator_id, "name": evaluation.evaluator.name},
        "supplier": {"id": award.supplier_id, "name": award.supplier.name} if award else None,
        "scheme": evaluation.scheme.code,
        "stage": evaluation.stage,
        "status": evaluation.status,
        "assigned_on": evaluation.assigned_on,
        "completed_on": evaluation.completed_on,
        "total": evaluation.total,
        "grade": evaluation.grade,
        "summary": evaluation.summary,
        "version": evaluation.version,
        "scores": None,
    }
    if scores:
        sheet = evaluation_sheet(evaluation=evaluation)
        body["scores"] = [
            {
                "indicator": row.indicator.code,
                "score": row.score,
                "computed": row.computed,
                "ratio": row.ratio,
                "comment": row.comment,
            }
            for row in sheet.rows
        ]
    return body


# ---------------------------------------------------------------------------------------
# Schemes


@router.get(
    "/evaluation-schemes", response=EvaluationSchemePage, operation_id="list_evaluation_schemes"
)
def list_evaluation_schemes(request: HttpRequest) -> dict[str, Any]:
    items = list(evaluation_scheme_list())
    return {"items": items, "count": len(items)}


@router.get(
    "/evaluation-schemes/{code}", response=EvaluationSchemeOut, operation_id="get_evaluation_scheme"
)
def get_evaluation_scheme(request: HttpRequest, code: str) -> dict[str, Any]:
    return _scheme(evaluation_scheme_get(code=code[:40]))


# ---------------------------------------------------------------------------------------
# Evaluations


@router.post(
    "/contracts/{int:contract_id}/evaluations",
    response={201: EvaluationOut},
    auth=WRITE_AUTH,
    operation_id="assign_evaluation",
)
def assign_evaluation(request: HttpRequest, contract_id: int, payload: EvaluationAssignIn) -> Any:
    who = actor(request)
    contract = contract_get(actor=who, pk=contract_id)
    evaluator = organization_ref(payload.evaluator, "evaluator")
    scheme = None
    if payload.scheme:
        try:
            scheme = evaluation_scheme_get(code=payload.scheme)
        except NotFound as exc:
            raise ValidationError({"scheme": [str(exc)]}) from exc
    try:
        made = evaluation_assign(
            actor=who,
            contract=contract,
            evaluator=evaluator,
            stage=payload.stage,
            assigned_on=payload.assigned_on,
            scheme=scheme,
        )
    except DjangoValidationError as exc:
        coded = [
            {"loc": [field], "code": error.code, "msg": " ".join(error.messages)}
            for field, errors in getattr(exc, "error_dict", {}).items()
            for error in errors
            if str(error.code or "").startswith("coi_")
        ]
        if not coded:
            raise
        return problem(
            422,
            _("Invalid request"),
            "; ".join(e["msg"] for e in coded),
            coded,
        )
    made = evaluation_involved_get(actor=who, pk=made.pk)
    return Status(201, _evaluation(made, scores=False))


@router.get(
    "/evaluations",
    response=EvaluationPage,
    auth=READ_AUTH,
    operation_id="list_evaluations",
)
def list_evaluations(request: HttpRequest, query: Query[EvaluationsQuery]) -> dict[str, Any]:
    who = actor(request)
    qs = evaluation_list_mine(actor=who) if query.mine else evaluation_list_completed()
    count = qs.count()
    items = [_evaluation(e, scores=False) for e in qs[query.offset : query.offset + query.limit]]
    return page_of(items, count, query)


@router.get(
    "/evaluations/{int:evaluation_id}",
    response=EvaluationOut,
    auth=READ_AUTH,
    operation_id="get_evaluation",
)
def get_evaluation(request: HttpRequest, response: HttpResponse, evaluation_id: int) -> Any:
    evaluation, involved = evaluation_visible(actor=actor(request), pk=evaluation_id)
    etag(response, evaluation.version)
    return _evaluation(evaluation, scores=involved)


def _written(who: Actor, response: HttpResponse, evaluation_id: int) -> Any:
    """The evaluation as the write left it, with its scores and its new ETag."""
    evaluation = evaluation_involved_get(actor=who, pk=evaluation_id)
    etag(response, evaluation.version)
    return _evaluation(evaluation, scores=True)


@router.put(
    "/evaluations/{int:evaluation_id}/scores",
    response=EvaluationOut,
    auth=WRITE_AUTH,
    operation_id="score_evaluation",
)
def score_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int, payload: EvaluationScoresIn
) -> Any:
    who = actor(request)
    evaluation = evaluation_involved_get(actor=who, pk=evaluation_id)
    version = expected_version(request, payload.version)
    scores = {
        code: {"score": given.score, "comment": given.comment}
        for code, given in payload.scores.items()
    }
    evaluation_score(actor=who, evaluation=evaluation, scores=scores, version=version)
    return _written(who, response, evaluation_id)


@router.post(
    "/evaluations/{int:evaluation_id}/complete",
    response=EvaluationOut,
    auth=WRITE_AUTH,
    operation_id="complete_evaluation",
)
def complete_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int, payload: EvaluationCompleteIn
) -> Any:
    who = actor(request)
    evaluation = evaluation_involved_get(actor=who, pk=evaluation_id)
    version = expected_version(request, payload.version)
    evaluation_complete(
        actor=who,
        evaluation=evaluation,
        completed_on=payload.completed_on,
        summary=payload.summary,
        version=version,
    )
    return _written(who, response, evaluation_id)
