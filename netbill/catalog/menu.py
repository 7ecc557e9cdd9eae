from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

# Main panel only: packages carry prices, and NOC users never see money.
register(
    MenuItem(
        _("Routers & Packages"),
        _("Master Packages"),
        "catalog:master_package_list",
        "packages.manage",
    ),
    MenuItem(
        _("Routers & Packages"),
        _("Operator Packages"),
        "catalog:operator_package_list",
        "packages.view",
    ),
    MenuItem(
        _("Routers & Packages"),
        _("Billing Profiles"),
        "catalog:billing_profile_list",
        "packages.manage",
    ),
    MenuItem(_("Settings"), _("VAT Profiles"), "catalog:vat_profile_list", "editCompany"),
)
