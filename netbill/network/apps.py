from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "netbill.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self):
        from . import (
            menu,  # noqa: F401 (Routers & Packages, IP & PPPoE Management)
            subscribers,  # noqa: F401 (event subscribers)
        )
