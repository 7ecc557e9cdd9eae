"""Menu entries of the payments app: links. Also adds the Send Payment Link section to
the customer profile (apps.ready imports this module)."""

from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

from . import link_section

register(
    MenuItem(
        _("Bills & Payments"),
        _("Payment Link Broadcast"),
        "payments:link_broadcast",
        "payment_links.send",
    ),
)
link_section.register()
