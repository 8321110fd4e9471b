"""A PATCH that sends null for a list field clears it, like ``sponsor_ids: null`` always did,
instead of failing inside the service (found while typing ``organization_update``)."""

from __future__ import annotations

from shuniu.core.models import AuditRecord
from tests.api.test_organizations_api import API, bearer, patch
from tests.factories import make_organization


def test_null_service_fields_clear_them(client, db, admin_user):
    # given an organization with two service fields
    org = make_organization(name="甲社工事务所", service_fields=["youth", "family"])
    # when a PATCH sends service_fields: null
    response = patch(
        client,
        f"{API}/{org.pk}",
        {"service_fields": None},
        HTTP_IF_MATCH=f'"{org.version}"',
        **bearer(admin_user),
    )
    # then the organization has none, at the next version, audited
    assert response.status_code == 200, response.content
    assert response.json()["service_fields"] == []
    assert response["ETag"] == f'"{org.version + 1}"'
    assert list(org.service_fields.all()) == []
    assert AuditRecord.objects.filter(action="organization.update").count() == 1
