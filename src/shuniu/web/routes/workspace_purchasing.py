"""URL routes of the officer's and the agency's purchasing workspace (owned by
views.workspace.purchasing and views.workspace.contracts)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views.workspace import contracts, purchasing

urlpatterns: list[URLPattern] = [
    path("workspace/purchases/", purchasing.purchase_list, name="workspace_purchases"),
    path("workspace/purchases/new/", purchasing.purchase_new, name="workspace_purchase_new"),
    path("workspace/purchases/<int:pk>/", purchasing.purchase_page, name="workspace_purchase"),
    path(
        "workspace/purchases/<int:pk>/status/",
        purchasing.status_set,
        name="workspace_purchase_status",
    ),
    path("workspace/purchases/<int:pk>/award/", purchasing.award, name="workspace_purchase_award"),
    path(
        "workspace/purchases/<int:pk>/contract/",
        purchasing.contract,
        name="workspace_purchase_contract",
    ),
    path(
        "workspace/purchases/<int:pk>/payments/<int:payment_pk>/release/",
        purchasing.release,
        name="workspace_purchase_release",
    ),
    path(
        "workspace/purchases/<int:pk>/reports/<int:report_pk>/decide/",
        purchasing.decide,
        name="workspace_purchase_report",
    ),
    path(
        "workspace/purchases/<int:pk>/evaluators/",
        purchasing.evaluator,
        name="workspace_purchase_evaluator",
    ),
    path(
        "workspace/purchases/<int:pk>/posts/",
        purchasing.post_new,
        name="workspace_purchase_post",
    ),
    path(
        "workspace/purchases/<int:pk>/posts/<int:post_pk>/assign/",
        purchasing.assign,
        name="workspace_purchase_assign",
    ),
    path("workspace/contracts/", contracts.contract_list, name="workspace_contracts"),
    path("workspace/contracts/<int:pk>/", contracts.contract_page, name="workspace_contract"),
]
