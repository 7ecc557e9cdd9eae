from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

SECTION = _("Bills & Payments")

register(
    MenuItem(
        SECTION,
        _("Manage Bulk Bills"),
        "payments:bulk_bills",
        "bills.view",
        also=("payments.receive",),
    ),
    MenuItem(SECTION, _("Customer Payments"), "payments:payment_list", "payments.view"),
    MenuItem(
        _("Operators"), _("Account Balance"), "payments:operator_balances", "operators.balance"
    ),
)
