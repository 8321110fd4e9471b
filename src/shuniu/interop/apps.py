from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "shuniu.interop"
    label = "interop"
    verbose_name = _("Interoperability")
