from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "netbill.portal"
    label = "portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from . import menu  # noqa: F401 (Settings → Suspension Portal Settings)
