"""URL routes of the workspace area (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views.workspace import (
    audit,
    discrepancies,
    home,
    imports,
    organizations,
    targets,
)

urlpatterns: list[URLPattern] = [
    path("workspace/", home.home, name="workspace"),
    path(
        "workspace/organizations/new/",
        organizations.organization_create,
        name="workspace_organization_create",
    ),
    path(
        "workspace/organizations/<int:pk>/",
        organizations.organization_detail,
        name="workspace_organization",
    ),
    path(
        "workspace/organizations/<int:pk>/edit/",
        organizations.organization_edit,
        name="workspace_organization_edit",
    ),
    path(
        "workspace/organizations/<int:pk>/events/new/",
        organizations.event_add,
        name="workspace_event_add",
    ),
    path(
        "workspace/organizations/<int:pk>/events/<int:event_pk>/delete/",
        organizations.event_delete,
        name="workspace_event_delete",
    ),
    path(
        "workspace/organizations/<int:pk>/support/new/",
        organizations.support_add,
        name="workspace_support_add",
    ),
    path("workspace/organizations/<int:pk>/history/", audit.history, name="workspace_history"),
    path("workspace/audit/", audit.audit, name="workspace_audit"),
    path(
        "workspace/discrepancies/",
        discrepancies.discrepancies,
        name="workspace_discrepancies",
    ),
    path("workspace/targets/", targets.targets_entry, name="workspace_targets"),
    path("workspace/import/", imports.upload, name="workspace_import"),
    path("workspace/import/confirm/", imports.confirm, name="workspace_import_confirm"),
    path("workspace/import/template.xlsx", imports.template, name="workspace_import_template"),
]
