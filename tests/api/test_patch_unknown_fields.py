"""An edit that names a field the record does not have is refused (422 naming it) and changes
nothing: dropped silently, a misspelt field changed nothing yet still made a new version."""

from __future__ import annotations

from shuniu.core.models import AuditRecord
from shuniu.procurement.models import Purchase
from shuniu.registry.models import Organization
from tests.api.test_organizations_api import API, bearer, patch
from tests.factories import make_organization
from tests.factories_procurement import PurchaseFactory


def test_an_organization_edit_with_a_misspelt_field_is_refused(client, db, admin_user):
    # given an organization
    org = make_organization(name="甲社工事务所")
    headers = bearer(admin_user)
    audited = AuditRecord.objects.count()
    # when a PATCH misspells "name"
    response = patch(
        client,
        f"{API}/{org.pk}",
        {"nmae": "乙社工事务所"},
        HTTP_IF_MATCH=f'"{org.version}"',
        **headers,
    )
    # then it is refused naming the field, and nothing changed
    assert response.status_code == 422, response.content
    assert [e["loc"][-1] for e in response.json()["errors"]] == ["nmae"]
    stored = Organization.objects.get(pk=org.pk)
    assert (stored.name, stored.version) == ("甲社工事务所", org.version)
    assert AuditRecord.objects.count() == audited


def test_a_purchase_edit_with_an_unknown_field_is_refused(client, db, admin_user):
    # given a purchase in planning
    purchase = PurchaseFactory()
    headers = bearer(admin_user)
    audited = AuditRecord.objects.count()
    # when a PATCH sends a field purchases do not have (the buyer is not editable)
    response = patch(
        client,
        f"/api/v1/purchases/{purchase.pk}",
        {"buyer": 1, "title": "新标题"},
        HTTP_IF_MATCH=f'"{purchase.version}"',
        **headers,
    )
    # then it is refused naming the field, and the title did not change either
    assert response.status_code == 422, response.content
    assert [e["loc"][-1] for e in response.json()["errors"]] == ["buyer"]
    stored = Purchase.objects.get(pk=purchase.pk)
    assert (stored.title, stored.version) == (purchase.title, purchase.version)
    assert AuditRecord.objects.count() == audited
