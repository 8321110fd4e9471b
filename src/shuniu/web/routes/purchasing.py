"""URL routes of the public purchasing pages (owned by views.purchasing)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shuniu.web.views import purchasing

urlpatterns: list[URLPattern] = [
    path("purchasing/", purchasing.dashboard, name="purchasing"),
    path("purchasing/download/", purchasing.dashboard_download, name="purchasing-download"),
    path("purchasing/purchases/", purchasing.purchases, name="purchasing-purchases"),
    path("purchasing/purchases/<int:pk>/", purchasing.purchase, name="purchasing-purchase"),
]
