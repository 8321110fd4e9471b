from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView

from config.api import api

admin.site.site_header = "枢纽 Shuniu"
admin.site.site_title = "枢纽 Shuniu"

# /healthz and /readyz are answered before URL routing by shuniu.core.health.ProbeMiddleware.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin). The address is
    # looked up on request: in production it is the hashed name from collectstatic's manifest,
    # which need not exist yet when this module is imported.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("web/favicon.svg"), permanent=True),
    ),
    path("", include("shuniu.web.urls")),
]

handler400 = "shuniu.web.views.errors.bad_request"
handler404 = "shuniu.web.views.errors.not_found"
