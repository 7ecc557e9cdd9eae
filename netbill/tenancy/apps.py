from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "netbill.tenancy"
    label = "tenancy"
    verbose_name = _("Tenancy")

    def ready(self):
        from netbill.core.menu import MenuItem, register

        register(
            MenuItem(_("Customers"), _("Customer Zones"), "tenancy:zone_list", "zones.manage"),
            MenuItem(_("Settings"), _("Company Settings"), "tenancy:company", "editCompany"),
        )
