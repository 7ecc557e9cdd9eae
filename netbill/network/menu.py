from django.utils.translation import gettext_lazy as _

from netbill.core.menu import MenuItem, register

# Each item appears in the main panel and in the NOC panel (NOC users manage the network).
_ITEMS = (
    (_("Routers & Packages"), _("Routers"), "network:router_list", "routers.view"),
    (_("Routers & Packages"), _("VPN Accounts"), "network:vpn_account_list", "routers.manage"),
    (_("IP & PPPoE Management"), _("IPv4 Pools"), "network:ipv4_pool_list", "ip_pools.manage"),
    (_("IP & PPPoE Management"), _("IPv6 Pools"), "network:ipv6_pool_list", "ip_pools.manage"),
    (
        _("IP & PPPoE Management"),
        _("PPPoE Profiles"),
        "network:pppoe_profile_list",
        "ip_pools.manage",
    ),
)

for section, label, url_name, code in _ITEMS:
    register(MenuItem(section, label, url_name, code))
    register(MenuItem(section, label, url_name, code, panel="noc"))
