from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shuniu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from shuniu.core import busy, dataversion, sidedb

        connection_created.connect(sidedb.ensure_schema, dispatch_uid="shuniu.sidedb")
        connection_created.connect(busy.on_connection_created, dispatch_uid="shuniu.busy")
        request_started.connect(busy.on_request_started, dispatch_uid="shuniu.busy")
        request_finished.connect(busy.on_request_finished, dispatch_uid="shuniu.busy")
        # Migrations (data loaded by them) and flush: a new epoch of the data version.
        post_migrate.connect(
            dataversion.data_version_reset, sender=self, dispatch_uid="shuniu.dataversion"
        )
