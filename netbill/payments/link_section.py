"""The Payment links section of the customer profile: the Send Payment Link button and
the customer's last links with their status (sent, opened, paid, expired).

Shown only to holders of payment_links.send who reach the customer. Registered by
menu_links.py (imported by PaymentsConfig.ready())."""

from django.urls import reverse

from netbill.core.permissions import can
from netbill.customers.profile import register_section

from .links import PERMISSION

LINKS_SHOWN = 5
TEMPLATE = "payments/link_section.html"


def section_context(request, customer) -> dict | None:
    from .views_links import link_rows, recent_links

    user = request.user
    if not can(user, PERMISSION, customer):
        return None
    return {
        "send_url": reverse("payments:link_send", args=[customer.pk]),
        "links": link_rows(recent_links(customer, user)[:LINKS_SHOWN], request),
    }


def register() -> None:
    """Add the section to the profile (idempotent)."""
    register_section(template=TEMPLATE, context=section_context, order=55)
