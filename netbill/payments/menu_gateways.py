"""Menu entries of the payments app: gateways."""

from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

register(
    MenuItem(_("Settings"), _("Payment Gateways"), "payments:gateway_list", "gateways.manage"),
    MenuItem(
        _("Bills & Payments"), _("Verify Payments"), "payments:gateway_txn_list", "payments.verify"
    ),
)
