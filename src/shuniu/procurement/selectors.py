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
