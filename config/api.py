"""The one NinjaAPI of the project, mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from shuniu.api.auth import SessionOrToken
from shuniu.api.errors import install_error_handlers
from shuniu.api.routers import divisions, organizations, stats

api = NinjaAPI(
    title="Shuniu API",
    version="1",
    description="Registry, statistics and reference data of the social-work sector.",
    urls_namespace="api",
    auth=None,
)
install_error_handlers(api)
api.add_router("/divisions", divisions.router)
api.add_router("/organizations", organizations.router)
api.add_router("/stats", stats.router)

__all__ = ["SessionOrToken", "api"]
