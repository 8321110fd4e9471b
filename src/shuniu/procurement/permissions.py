"""Who may do what in purchasing. Services and selectors call these; interfaces never filter.

- Purchases, awards, contracts, deliverables, payments, posts (their counts) and final grades
  are public: government purchasing is published (政府采购信息公开, and as OCDS).
- The buyer's side (create, award, contract, accept or return reports, release payments,
  assign posts and evaluators): officers whose jurisdiction covers the buyer's registrar
  division, and administrators.
- The supplier's side (submit service reports): agency staff of the supplier.
- The evaluator's side (score an evaluation): users holding the ``evaluator`` role for the
  evaluation institution assigned to it.
- Service reports, scores and refused attempts: the buyer's officers, the supplier's staff,
  the assigned evaluators and administrators; nobody else.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuniu.accounts.permissions import (
    can_write_in,
    evaluator_organization_ids,
    is_admin,
    is_officer,
    staff_organization_ids,
)
from shuniu.core.actors import Actor
from shuniu.core.errors import PermissionDenied
from shuniu.procurement.models import Evaluation, Purchase


def is_buyer_side(actor: Actor, purchase: Purchase) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if is_admin(actor):
        return True
    return is_officer(actor) and can_write_in(actor, purchase.buyer.registrar_division)


def require_buyer_side(actor: Actor, purchase: Purchase) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You must be logged in to change purchases."))
    if not is_buyer_side(actor, purchase):
        raise PermissionDenied(
            _("Only officers of the buyer's jurisdiction (%(division)s) may change this purchase.")
            % {"division": purchase.buyer.registrar_division.name}
        )


def is_supplier_side(actor: Actor, purchase: Purchase) -> bool:
    award = getattr(purchase, "award", None)
    return award is not None and award.supplier_id in staff_organization_ids(actor)


def require_supplier_side(actor: Actor, purchase: Purchase) -> None:
    if not is_supplier_side(actor, purchase):
        raise PermissionDenied(_("Only staff of the supplier may report on this contract."))


def is_assigned_evaluator(actor: Actor, evaluation: Evaluation) -> bool:
    return evaluation.evaluator_id in evaluator_organization_ids(actor)


def require_assigned_evaluator(actor: Actor, evaluation: Evaluation) -> None:
    if not is_assigned_evaluator(actor, evaluation):
        raise PermissionDenied(
            _("Only evaluators of the assigned evaluation institution may score it.")
        )


def may_see_delivery(actor: Actor, purchase: Purchase) -> bool:
    """Service reports, scores and refused attempts of this purchase."""
    if is_buyer_side(actor, purchase) or is_supplier_side(actor, purchase):
        return True
    ids = evaluator_organization_ids(actor)
    if not ids:
        return False
    return Evaluation.objects.filter(contract__purchase=purchase, evaluator_id__in=ids).exists()
