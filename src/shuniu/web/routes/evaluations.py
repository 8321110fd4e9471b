"""URL routes of the evaluator's workspace (owned by its views module)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views.workspace import evaluations

urlpatterns: list[URLPattern] = [
    path("workspace/evaluations/", evaluations.evaluation_list, name="workspace_evaluations"),
    path(
        "workspace/evaluations/<int:pk>/",
        evaluations.evaluation_detail,
        name="workspace_evaluation",
    ),
    path(
        "workspace/evaluations/<int:pk>/complete/",
        evaluations.evaluation_complete_view,
        name="workspace_evaluation_complete",
    ),
]
