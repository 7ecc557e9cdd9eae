"""The first reconciler: does one router agree with RADIUS and with the bill?

The router must never disagree with the bill (field notes §3A–B). For one router it
compares what the router says (/ppp/active, read over the RouterOS API within the usual
timeouts) with what we hold, and lists four kinds of drift:

(a) **accounting lost**: online on the router, but no open radacct row at its NAS (the
    Start never arrived, or the stale-session job closed a live session);
(b) **stale sessions**: an open radacct row the router does not have; Simultaneous-Use
    counts it, so the customer would be locked out at the next dial-in;
(c) **should not be online**: a name that is no customer of this ISP, a disabled
    customer (RADIUS rejects them), or a suspended customer outside the walled garden
    (its address is not in the suspended-users pool);
(d) **rate drift**: for every customer with a RADIUS login, the rate its row asks for
    (status → package rate, FUP rate or the suspended rate; disabled → Reject) against
    what RADIUS would send now (`groups.expected_replies`), and customers whose RADIUS
    rows are missing.

It only reads; a router that cannot be reached gives a `Drift` with the error (the
database checks of (d) are still made), never an exception.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    NAS,
    RadiusAccounting,
    RadiusCheck,
    RadiusGroupReply,
    RadiusReply,
    RadiusUserGroup,
)

__all__ = [
    "Drift",
    "OnlineSession",
    "RateMismatch",
    "UnexpectedSession",
    "expected_rate",
    "radius_rates",
    "reconcile_router",
]

RATE = "Mikrotik-Rate-Limit"
# What the reconciler shows for a customer RADIUS must reject (disabled).
REJECT = "Reject"
# Whatever the router takes longer than this for (connect, login, print) is an error.
RECONCILE_BUDGET = 4.5
ACTIVE_PROPS = ["name", "service", "caller-id", "address", "uptime", "session-id", "radius"]


#
# Results
#


@dataclass(frozen=True)
class OnlineSession:
    """One /ppp/active row, as the router printed it."""

    name: str
    address: str = ""
    caller_id: str = ""
    uptime: str = ""
    service: str = ""
    session_id: str = ""

    @classmethod
    def from_row(cls, row: dict[str, str]) -> OnlineSession:
        return cls(
            name=row.get("name", ""),
            address=row.get("address", ""),
            caller_id=row.get("caller-id", ""),
            uptime=row.get("uptime", ""),
            service=row.get("service", ""),
            session_id=row.get("session-id", ""),
        )


@dataclass(frozen=True)
class UnexpectedSession:
    """(c) An online session that should not be there, and why."""

    session: OnlineSession
    reason: str
    customer_id: int | None = None
    status: str = ""


@dataclass(frozen=True)
class RateMismatch:
    """(d) The rate the customer row asks for against what RADIUS would send."""

    customer_id: int
    username: str
    status: str
    expected: str
    radius: str


@dataclass
class Drift:
    """What one reconciliation of one router found (see the module docstring)."""

    router: object
    nas_address: str
    checked_at: datetime
    error: str = ""
    error_kind: str = ""
    online_count: int = 0
    open_count: int = 0
    customers_checked: int = 0
    accounting_lost: list[OnlineSession] = field(default_factory=list)
    stale_sessions: list[RadiusAccounting] = field(default_factory=list)
    unexpected: list[UnexpectedSession] = field(default_factory=list)
    rate_mismatches: list[RateMismatch] = field(default_factory=list)
    missing_from_radius: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The router answered (the session comparison could be made)."""
        return not self.error

    @property
    def rate_drift_count(self) -> int:
        return len(self.rate_mismatches) + len(self.missing_from_radius)

    @property
    def drift_count(self) -> int:
        return (
            len(self.accounting_lost)
            + len(self.stale_sessions)
            + len(self.unexpected)
            + len(self.rate_mismatches)
            + len(self.missing_from_radius)
        )

    @property
    def clean(self) -> bool:
        """The router answered and nothing disagrees."""
        return self.ok and self.drift_count == 0


#
# Expected against RADIUS
#


def _rate_for(status: str, rate: str, fup_rate: str, suspended_rate: str) -> str:
    if status == "disabled":
        return REJECT
    if status == "suspended":
        return suspended_rate
    if status == "fup" and fup_rate:
        return fup_rate
    return rate


def expected_rate(customer, suspended_rate: str | None = None) -> str:
    """The Mikrotik-Rate-Limit the customer row asks for (REJECT for disabled), by the
    rules of `groups.customer_group`: FUP without a FUP package keeps the package rate."""
    master = customer.package.master_package
    return _rate_for(
        customer.status,
        master.rate_limit,
        master.fup_rate_limit,
        suspended_rate or settings.NETBILL_SUSPENDED_RATE_LIMIT,
    )


def radius_rates(tenant, usernames=None) -> dict[str, str]:
    """What RADIUS would send each user as its rate now (REJECT when its check rows say
    Auth-Type := Reject), for `usernames` or every user of the tenant; users without a
    Cleartext-Password row are left out. The same precedence as
    `groups.expected_replies` (the user's replies, then its groups' by priority), in four
    queries instead of several per customer."""

    def rows(model, **filters):
        queryset = model.objects.filter(tenant=tenant, **filters)
        if usernames is not None:
            queryset = queryset.filter(username__in=set(usernames))
        return queryset

    has_login: set[str] = set()
    rejected: set[str] = set()
    checks = rows(RadiusCheck, attribute__in=["Cleartext-Password", "Auth-Type"])
    for username, attribute, value in checks.values_list("username", "attribute", "value"):
        if attribute == "Cleartext-Password":
            has_login.add(username)
        elif value == REJECT:
            rejected.add(username)
    rates: dict[str, str] = dict(rows(RadiusReply, attribute=RATE).values_list("username", "value"))
    memberships: dict[str, list[str]] = defaultdict(list)
    for username, groupname in (
        rows(RadiusUserGroup).order_by("priority", "pk").values_list("username", "groupname")
    ):
        memberships[username].append(groupname)
    group_rates = dict(
        RadiusGroupReply.objects.filter(tenant=tenant, attribute=RATE).values_list(
            "groupname", "value"
        )
    )
    result = {}
    for username in has_login:
        rate = rates.get(username, "")
        for groupname in memberships.get(username, []):
            rate = group_rates.get(groupname, rate)
        result[username] = REJECT if username in rejected else rate
    return result


def _check_rates(drift: Drift, tenant) -> None:
    """(d) for every customer with a RADIUS login: PPPoE and Hotspot customers, and
    Static IP or Other customers that were given a password (they have a
    Cleartext-Password row). Plain rows, not model instances: an ISP has 100k+."""
    from netbill.catalog.models import MasterPackage
    from netbill.customers.models import Customer
    from netbill.customers.services.customers import NEEDS_LOGIN

    suspended_rate = settings.NETBILL_SUSPENDED_RATE_LIMIT
    packages = {
        master.pk: (master.rate_limit, master.fup_rate_limit)
        for master in MasterPackage.objects.filter(tenant=tenant)
    }
    radius = radius_rates(tenant)
    customers = (
        Customer.objects.filter(tenant=tenant)
        .order_by("username")
        .values_list("pk", "username", "status", "connection_type", "package__master_package_id")
    )
    for pk, username, status, connection_type, master_id in customers.iterator(chunk_size=5000):
        if connection_type not in NEEDS_LOGIN and username not in radius:
            continue  # no RADIUS login, as it should be
        drift.customers_checked += 1
        if username not in radius:
            drift.missing_from_radius.append((pk, username))
            continue
        rate, fup_rate = packages.get(master_id, ("", ""))
        wanted = _rate_for(status, rate, fup_rate, suspended_rate)
        if radius[username] != wanted:
            drift.rate_mismatches.append(
                RateMismatch(
                    customer_id=pk,
                    username=username,
                    status=status,
                    expected=wanted,
                    radius=radius[username] or "",
                )
            )


#
# Router against radacct
#


def _walled_garden(tenant) -> list:
    """The networks of the tenant's suspended-users pools (where suspended customers'
    addresses come from)."""
    from netbill.network.choices import IPPoolKindChoices
    from netbill.network.models import IPPool

    networks = []
    for subnet in IPPool.objects.filter(
        tenant=tenant, kind=IPPoolKindChoices.SUSPENDED
    ).values_list("subnet", flat=True):
        try:
            networks.append(ipaddress.ip_network(subnet, strict=False))
        except ValueError:
            continue
    return networks


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _inside(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def _compare_sessions(drift: Drift, tenant, online: list[OnlineSession]) -> None:
    from netbill.customers.models import Customer

    open_rows = []
    if _is_ip(drift.nas_address):  # radacct holds the packet's source address, never a name
        open_rows = list(
            RadiusAccounting.objects.filter(
                tenant=tenant, nas_ip_address=drift.nas_address, stop_time__isnull=True
            ).order_by("username", "start_time")
        )
    drift.online_count = len(online)
    drift.open_count = len(open_rows)
    online_names = {s.name for s in online}
    open_names = {row.username for row in open_rows}
    drift.accounting_lost = [s for s in online if s.name not in open_names]
    drift.stale_sessions = [row for row in open_rows if row.username not in online_names]

    customers = {
        c.username: c
        for c in Customer.objects.filter(tenant=tenant, username__in=online_names).only(
            "pk", "username", "status"
        )
    }
    garden = None
    for session in online:
        customer = customers.get(session.name)
        if customer is None:
            drift.unexpected.append(
                UnexpectedSession(session=session, reason=str(_("Not a customer of this ISP")))
            )
        elif customer.status == "disabled":
            drift.unexpected.append(
                UnexpectedSession(
                    session=session,
                    reason=str(_("Online while disabled")),
                    customer_id=customer.pk,
                    status=customer.status,
                )
            )
        elif customer.status == "suspended":
            if garden is None:
                garden = _walled_garden(tenant)
            if not _inside(session.address, garden):
                drift.unexpected.append(
                    UnexpectedSession(
                        session=session,
                        reason=str(_("Suspended but outside the walled garden")),
                        customer_id=customer.pk,
                        status=customer.status,
                    )
                )


def _nas_address(router) -> str:
    nas = NAS.objects.filter(router=router).values_list("name", flat=True).first()
    return nas or router.host


def read_online(router) -> list[OnlineSession]:
    """/ppp/active of `router` (raises `network.routeros.RouterError`)."""
    from netbill.network.routeros import RouterClient

    with RouterClient.for_router(router, total_timeout=RECONCILE_BUDGET) as ros:
        rows = ros.print("/ppp/active", proplist=ACTIVE_PROPS)
    return [OnlineSession.from_row(row) for row in rows if row.get("name")]


def reconcile_router(router) -> Drift:
    """Compare one router with radacct and every customer's rate with RADIUS (a read:
    nothing is written). A router that cannot be reached gives `drift.error`."""
    from netbill.network.routeros import RouterError
    from netbill.network.services.routers import KIND_LABELS

    tenant = router.tenant
    drift = Drift(router=router, nas_address=_nas_address(router), checked_at=timezone.now())
    try:
        online = read_online(router)
    except RouterError as exc:
        label = KIND_LABELS.get(exc.kind, KIND_LABELS["error"])
        drift.error = f"{label}: {exc.message}"
        drift.error_kind = exc.kind
    else:
        _compare_sessions(drift, tenant, online)
    _check_rates(drift, tenant)
    return drift
