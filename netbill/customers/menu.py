from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

register(
    MenuItem(_("Customers"), _("Customer List"), "customers:customer_list", "customers.view"),
    MenuItem(_("Customers"), _("Create Customer"), "customers:customer_create", "customers.create"),
    MenuItem(
        _("Customers"),
        _("Custom Fields"),
        "customers:custom_field_list",
        "custom_fields.manage",
    ),
    MenuItem(
        _("Customers"),
        _("Mandatory Attributes"),
        "customers:mandatory_attributes",
        "custom_fields.manage",
    ),
)
