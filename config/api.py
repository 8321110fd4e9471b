"""The one NinjaAPI of the project, mounted at /api/v1/."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import ABS_TPL_PATH
from ninja.openapi.schema import OpenAPISchema

from shuniu.api.errors import document_problems, install_error_handlers
from shuniu.api.renderers import Utf8JSONRenderer
from shuniu.api.routers import divisions, opendata, organizations, stats, targets, workforce
from shuniu.api.routers.procurement import delivery as procurement_delivery
from shuniu.api.routers.procurement import evaluations as procurement_evaluations
from shuniu.api.routers.procurement import figs as purchasing_figs
from shuniu.api.routers.procurement import purchases as procurement_purchases
from shuniu.api.throttling import api_throttles


class ShuniuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        # The error responses are the same few for every operation (api/errors.py), so they
        # are added to the generated document rather than repeated on every endpoint.
        schema = super().get_openapi_schema(**kwargs)
        document_problems(schema)
        return schema


class LocalSwagger(Swagger):
    """Swagger UI from the files django-ninja ships (served as static files), not from a CDN.
    django-ninja picks the CDN page when "ninja" is not an installed app, and it is not one
    here (config/settings.py: installing it would import the whole API on every command's
    start); its own page, the one it uses when installed, is named here instead."""

    template_cdn = str(ABS_TPL_PATH / "swagger.html")


api = ShuniuAPI(
    title="Shuniu API",
    version="1",
    description=(
        "Registry, statistics and reference data of the social-work sector. Reads of public "
        "data need no login; writes need a session or `Authorization: Bearer TOKEN`."
    ),
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    throttle=api_throttles(),
    docs=LocalSwagger(),
)
install_error_handlers(api)
api.add_router("/divisions", divisions.router)
api.add_router("/organizations", organizations.router)
api.add_router("/stats", stats.router)
api.add_router("/workforce", workforce.router)
api.add_router("/targets", targets.router)
api.add_router("", procurement_purchases.router)
api.add_router("", procurement_delivery.router)
api.add_router("", procurement_evaluations.router)
api.add_router("", purchasing_figs.router)
api.add_router("/export", opendata.router)
