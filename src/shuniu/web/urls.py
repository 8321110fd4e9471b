from django.urls import include, path

from shuniu.web.routes import (
    accounts,
    dashboard,
    directory,
    report,
    workforce,
    workspace,
    workspace_purchasing,
)
from shuniu.web.routes import evaluations as evaluation_routes
from shuniu.web.routes import purchasing as purchasing_routes
from shuniu.web.routes import targets as targets_routes
from shuniu.web.views import stats

app_name = "web"

urlpatterns = [
    path("", stats.overview, name="overview"),
    path("", include(dashboard)),
    path("", include(directory)),
    path("", include(workforce)),
    path("", include(workspace)),
    path("", include(evaluation_routes)),
    path("", include(accounts)),
    path("", include(purchasing_routes)),
    path("", include(workspace_purchasing)),
    path("", include(targets_routes)),
    path("", include(report)),
]
