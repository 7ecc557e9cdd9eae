"""Reads with logic for IP pools and VPN accounts (STYLE.md: reusable reads live here)."""

import math
from dataclasses import dataclass

from django.db.models import Q
from netaddr import IPNetwork, IPRange

from .models import IPPool, PPPoEProfile, VPNAccount


def pool_ranges(pool: IPPool) -> list[IPRange]:
    """The pool's ranges as stored by the service ("a-b,c-d", already validated)."""
    ranges = []
    for part in (pool.ranges or "").split(","):
        part = part.strip()
        if not part:
            continue
        start, _sep, end = part.partition("-")
        ranges.append(IPRange(start, end or start))
    return ranges


def pool_size(pool: IPPool) -> int:
    """How many addresses the pool hands out: the sum of its ranges."""
    return sum(r.size for r in pool_ranges(pool))


def pool_addresses_in_use(pool: IPPool) -> int:
    """How many of the pool's addresses are taken right now.

    The only place the utilisation bar gets its figure from. It is 0 until the data
    exists: online RADIUS sessions (radacct rows without a stop time whose
    Framed-IP-Address lies in the pool's ranges) and static-IP customers whose address
    lies in them will feed it, counted here once those apps land.
    """
    return 0


@dataclass(frozen=True)
class PoolUsage:
    size: int
    in_use: int

    @property
    def percent(self) -> int:
        """Whole per cent in use; anything above zero shows at least 1 %."""
        if not self.size or not self.in_use:
            return 0
        return max(1, min(100, math.floor(self.in_use * 100 / self.size)))

    @property
    def free(self) -> int:
        return max(0, self.size - self.in_use)

    @property
    def size_display(self) -> str:
        return count_display(self.size)

    @property
    def in_use_display(self) -> str:
        return count_display(self.in_use)


def count_display(n: int) -> str:
    """1012 → "1,012"; IPv6-sized counts as a power of two (2^80) or in E-notation."""
    if n < 10**12:
        return f"{n:,}"
    if n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return f"{n:.3e}"


def pool_usage(pool: IPPool) -> PoolUsage:
    return PoolUsage(size=pool_size(pool), in_use=pool_addresses_in_use(pool))


def pools_overlapping(*, tenant_id: int, network: IPNetwork, exclude_pk=None) -> list[IPPool]:
    """The tenant's pools whose subnet overlaps `network` (same family)."""
    others = IPPool.objects.filter(tenant_id=tenant_id, family=network.version)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    found = []
    for other in others.order_by("name"):
        try:
            subnet = IPNetwork(other.subnet)
        except (ValueError, TypeError):  # pragma: no cover - stored values are validated
            continue
        if subnet.first <= network.last and network.first <= subnet.last:
            found.append(other)
    return found


def pool_profiles(pool: IPPool):
    """The PPPoE profiles that hand out addresses from `pool` (IPv4 or IPv6)."""
    return PPPoEProfile.objects.filter(Q(ipv4_pool=pool) | Q(ipv6_pool=pool)).order_by("name")


def vpn_tunnel_addresses_taken() -> set[str]:
    """Every tunnel address in use, by any ISP: one VPN server serves the whole platform,
    so the addresses are one namespace. The base manager (no tenant scope) is deliberate:
    a scoped query would only see this ISP's accounts and hand out another ISP's address.
    """
    return set(VPNAccount._base_manager.values_list("tunnel_address", flat=True))


def vpn_peers():
    """Every active VPN account of every ISP, for the platform's server configuration
    (platform level, hence the base manager: there is no single tenant here)."""
    return VPNAccount._base_manager.select_related("tenant").filter(is_active=True).order_by("pk")
