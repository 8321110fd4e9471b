from django.urls import include, path

from shuniu.web.routes import accounts, dashboard, directory, workspace
from shuniu.web.views import stats

app_name = "web"

urlpatterns = [
    path("", stats.overview, name="overview"),
    path("", include(dashboard)),
    path("", include(directory)),
    path("", include(workspace)),
    path("", include(accounts)),
]
