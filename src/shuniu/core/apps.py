from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shuniu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        from shuniu.core import busy, sidedb

        connection_created.connect(sidedb.ensure_schema, dispatch_uid="shuniu.sidedb")
        connection_created.connect(busy.on_connection_created, dispatch_uid="shuniu.busy")
        request_started.connect(busy.on_request_started, dispatch_uid="shuniu.busy")
        request_finished.connect(busy.on_request_finished, dispatch_uid="shuniu.busy")
