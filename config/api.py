"""The one NinjaAPI of the project, mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from shuniu.api.errors import install_error_handlers
from shuniu.api.renderers import Utf8JSONRenderer
from shuniu.api.routers import divisions, organizations, stats, workforce
from shuniu.api.throttling import api_throttles

api = NinjaAPI(
    title="Shuniu API",
    version="1",
    description=(
        "Registry, statistics and reference data of the social-work sector. Reads of public "
        "data need no login; writes need a session or `Authorization: Bearer TOKEN`."
    ),
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    throttle=api_throttles(),
)
install_error_handlers(api)
api.add_router("/divisions", divisions.router)
api.add_router("/organizations", organizations.router)
api.add_router("/stats", stats.router)
api.add_router("/workforce", workforce.router)
