from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

register(
    MenuItem(_("Customers"), _("Customer List"), "customers:customer_list", "customers.view"),
    MenuItem(_("Customers"), _("Create Customer"), "customers:customer_create", "customers.create"),
    MenuItem(_("Customers"), _("Import from Excel"), "customers:import_upload", "customers.create"),
    # Reading a router shows every operator's secrets: routers.view as well.
    MenuItem(
        _("Customers"),
        _("Import from MikroTik"),
        "customers:mikrotik_import",
        "customers.create",
        also=("routers.view",),
    ),
    MenuItem(
        _("Customers"),
        _("Multiple Customer Update"),
        "customers:customer_bulk_update",
        "customers.edit",
    ),
    MenuItem(_("Customers"), _("Bulk Update Users"), "customers:bulk_users", "customers.edit"),
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
