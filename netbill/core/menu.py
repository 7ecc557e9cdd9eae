"""The sidebar: sections in the FAQ's order, each item behind a permission code.

Apps register their pages in AppConfig.ready(). A section is shown only when the user
may open at least one of its items, so empty sections never appear.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can

# The FAQ's menu sections, in its order.
SECTIONS = (
    _("Dashboard"),
    _("Operators"),
    _("Operators & Managers"),
    _("Customers"),
    _("Routers & Packages"),
    _("IP & PPPoE Management"),
    _("Bills & Payments"),
    _("Recharge Cards"),
    _("SMS & Notifications"),
    _("Monitoring"),
    _("Accounting"),
    _("Reports"),
    _("Settings"),
    _("Platform"),
)


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    url_name: str
    code: str
    panel: str = "main"  # "main" or "noc"
    # Further codes the page demands besides `code` (the item shows only with all).
    also: tuple[str, ...] = ()


_items: list[MenuItem] = []


def register(*items: MenuItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def menu_for(user, panel: str = "main") -> list[tuple[str, list[dict]]]:
    if not user.is_authenticated:
        return []
    sections = []
    for section in SECTIONS:
        entries = [
            {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
            for item in _items
            if item.section == section
            and item.panel == panel
            and all(can(user, code) for code in (item.code, *item.also))
        ]
        if entries:
            sections.append((section, entries))
    return sections
