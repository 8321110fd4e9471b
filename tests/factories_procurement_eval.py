"""Factories for the evaluation tests (wt/eval): a contract with its people on every side,
deliverables with accepted report lines, an evaluation on the default scheme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from shuniu.accounts.models import Role, RoleAssignment
from shuniu.divisions.models import Division
from shuniu.procurement.models import (
    Contract,
    Deliverable,
    Evaluation,
    EvaluationScheme,
    OutputKind,
    ReportLine,
    ReportStatus,
    ServiceReport,
    Stage,
)
from tests.factories import make_organization
from tests.factories_procurement import contracted_purchase


def user(username: str, role: str | None = None, *, organization=None, division: str = ""):
    made = get_user_model().objects.create_user(username, password="pw-test-123!")
    if role is not None:
        RoleAssignment.objects.create(
            user=made,
            role=role,
            organization=organization,
            division=Division.objects.get(code=division) if division else None,
        )
    return made


def evaluation_institution(name: str | None = None, **kwargs):
    return make_organization(
        name=name, kind="evaluation", division="110102", legal_form="social_service", **kwargs
    )


def world() -> SimpleNamespace:
    """A contract of a Xicheng (110102) buyer with an agency supplier, an unrelated evaluation
    institution, and one user on every side."""
    contract = contracted_purchase(region="110102")
    supplier = contract.purchase.award.supplier
    institution = evaluation_institution()
    other_institution = evaluation_institution()
    return SimpleNamespace(
        contract=contract,
        supplier=supplier,
        institution=institution,
        other_institution=other_institution,
        officer=user("xc-officer", Role.OFFICER, division="110102"),
        other_officer=user("cy-officer", Role.OFFICER, division="110105"),
        admin=get_user_model().objects.create_superuser("eval-admin", None, "pw-test-123!"),
        staff=user("supplier-staff", Role.AGENCY_STAFF, organization=supplier),
        evaluator=user("evaluator", Role.EVALUATOR, organization=institution),
        other_evaluator=user("other-evaluator", Role.EVALUATOR, organization=other_institution),
    )


def default_scheme() -> EvaluationScheme:
    return EvaluationScheme.objects.get(code="default-2012")


def deliverable(contract: Contract, *, planned: str, kind: str = OutputKind.SERVICE_HOURS):
    return Deliverable.objects.create(
        contract=contract,
        kind=kind,
        description=f"{kind} {planned}",
        planned=Decimal(planned),
        due_on=dt.date(2010, 12, 31),
    )


def report(
    contract: Contract,
    lines: dict[Deliverable, str],
    *,
    status: str = ReportStatus.ACCEPTED,
) -> ServiceReport:
    made = ServiceReport.objects.create(
        contract=contract,
        period_start=dt.date(2010, 6, 1),
        period_end=dt.date(2010, 11, 30),
        submitted_on=dt.date(2010, 12, 5),
        status=status,
        decided_on=dt.date(2010, 12, 10) if status != ReportStatus.SUBMITTED else None,
    )
    ReportLine.objects.bulk_create(
        ReportLine(report=made, deliverable=d, actual=Decimal(a)) for d, a in lines.items()
    )
    return made


def evaluation(contract: Contract, institution, *, stage: str = Stage.FINAL) -> Evaluation:
    return Evaluation.objects.create(
        contract=contract,
        evaluator=institution,
        scheme=default_scheme(),
        stage=stage,
        assigned_on=dt.date(2011, 5, 1),
    )
