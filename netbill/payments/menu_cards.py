"""Menu entries of the payments app: Recharge Cards (the FAQ's permission section).

The section must be listed in netbill.core.menu.SECTIONS (after "Bills & Payments")
for the sidebar to show it."""

from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

SECTION = _("Recharge Cards")

register(
    MenuItem(SECTION, _("Card Batches"), "payments:card_batch_list", "cards.view"),
    MenuItem(SECTION, _("Create Batch"), "payments:card_batch_add", "cards.manage"),
    MenuItem(SECTION, _("Redeem Card"), "payments:card_redeem", "cards.sell"),
    MenuItem(
        SECTION, _("Card Distributors"), "payments:card_distributor_list", "operators.balance"
    ),
)
