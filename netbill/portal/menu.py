"""Menu entries of the portal app (Settings → Suspension Portal Settings)."""

from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

register(
    MenuItem(
        _("Settings"),
        _("Suspension Portal Settings"),
        "portal_settings:edit",
        "portal.settings",
    ),
)
