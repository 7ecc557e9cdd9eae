from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

SECTION = _("Accounting")

register(
    MenuItem(SECTION, _("Accounts"), "accounting:account_list", "accounting.view"),
    MenuItem(SECTION, _("Journal"), "accounting:journal", "accounting.view"),
    MenuItem(SECTION, _("Trial Balance"), "accounting:trial_balance", "accounting.view"),
)
