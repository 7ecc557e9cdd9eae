from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "netbill.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self):
        from . import subscribers  # noqa: F401 (event subscribers)

        # TODO(issue 3): `from . import menu` once the router, VPN and pool pages exist.
