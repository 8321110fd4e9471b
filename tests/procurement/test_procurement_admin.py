"""The back office shows purchasing read-only: writes go through the services."""

from __future__ import annotations

import pytest

from shuniu.procurement.models import AttemptCode, RefusedAttempt
from tests.factories_procurement import contracted_purchase

PAGES = [
    "purchase",
    "award",
    "contract",
    "servicereport",
    "post",
    "evaluationscheme",
    "evaluation",
    "refusedattempt",
]


@pytest.mark.parametrize("model", PAGES)
def test_the_admin_lists_purchasing_and_offers_no_add(admin_client, db, model):
    contract = contracted_purchase()
    RefusedAttempt.objects.create(purchase=contract.purchase, code=AttemptCode.INELIGIBLE_AWARD)
    assert admin_client.get(f"/admin/procurement/{model}/").status_code == 200
    assert admin_client.get(f"/admin/procurement/{model}/add/").status_code == 403


def test_a_refused_attempt_cannot_be_changed_or_deleted(admin_client, db):
    contract = contracted_purchase()
    attempt = RefusedAttempt.objects.create(
        purchase=contract.purchase, code=AttemptCode.INELIGIBLE_AWARD
    )
    url = f"/admin/procurement/refusedattempt/{attempt.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"code": "conflicted_evaluator"})
    assert response.status_code == 403
    assert admin_client.post(url.replace("change", "delete"), {"post": "yes"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.code == "ineligible_award"
