"""Network models: routers (MikroTik NAS), VPN accounts, IP pools and PPPoE profiles."""

from .pools import IPPool, PPPoEProfile
from .routers import Router
from .vpn import VPNAccount

__all__ = ["IPPool", "PPPoEProfile", "Router", "VPNAccount"]
