from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "netbill.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from netbill.core.menu import MenuItem, register

        register(
            MenuItem(
                _("Dashboard"),
                _("NOC Dashboard"),
                "monitoring:noc_dashboard",
                "monitoring.view",
                panel="noc",
            ),
            MenuItem(
                _("Monitoring"), _("NOC Panel"), "monitoring:noc_dashboard", "monitoring.view"
            ),
        )
