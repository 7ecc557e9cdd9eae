from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

SECTION = _("Bills & Payments")

register(
    MenuItem(SECTION, _("Bills"), "billing:bill_list", "bills.view"),
    MenuItem(SECTION, _("Bill Runs"), "billing:bill_run_list", "bills.runs"),
    MenuItem(_("Settings"), _("Billing Settings"), "billing:settings", "billing.settings"),
)
