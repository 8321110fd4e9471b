from django.urls import path

from shuniu.web.views import stats

app_name = "web"

urlpatterns = [
    path("", stats.overview, name="overview"),
]
