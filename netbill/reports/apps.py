from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "netbill.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from netbill.core.menu import MenuItem, register

        register(MenuItem(_("Dashboard"), _("Dashboard"), "reports:dashboard", "dashboard.view"))
