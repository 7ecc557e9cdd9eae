from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "netbill.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from netbill.core.menu import MenuItem, register

        from . import impersonation  # noqa: F401 (connects the Get Access audit signals)
        from .api import schema  # noqa: F401 (registers the Api-Key scheme with the schema)

        register(
            MenuItem(
                _("Operators"), _("Create Operator"), "accounts:operator_add", "operators.create"
            ),
            MenuItem(
                _("Operators"),
                _("Create Sub-Operator"),
                "accounts:sub_operator_add",
                "sub_operators.manage",
            ),
            MenuItem(
                _("Operators"), _("Operator List"), "accounts:operator_list", "operators.view"
            ),
            MenuItem(
                _("Operators & Managers"), _("Managers"), "accounts:manager_list", "managers.manage"
            ),
            MenuItem(
                _("Operators & Managers"),
                _("NOC Users"),
                "accounts:noc_user_list",
                "noc_users.manage",
            ),
            MenuItem(
                _("Settings"),
                _("Special Permissions"),
                "accounts:special_permission_list",
                "permissions.manage",
            ),
            MenuItem(
                _("Settings"),
                _("Sales Managers"),
                "accounts:sales_manager_list",
                "sales_managers.manage",
            ),
            MenuItem(
                _("Settings"), _("Activity Log"), "accounts:activity_log", "activity_log.view"
            ),
            MenuItem(_("Settings"), _("API Keys"), "accounts:api_keys", "api.keys"),
            MenuItem(_("Platform"), _("ISPs"), "accounts:platform_tenants", "platform.manage"),
        )
