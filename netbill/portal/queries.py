"""Reads of the customer portal and the suspension portal: what one customer sees about
its own account, and which customer an address on the suspended pool belongs to.

Every query names the customer (or the ISP) explicitly; a portal page never lists
anything beyond the one customer it was opened for.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.customers.fup import GB, cycle_start, cycle_usage
from netbill.customers.models import Customer
from netbill.customers.queries import usage_totals
from netbill.payments.gateway_services import customer_due
from netbill.payments.models import Allocation, Payment
from netbill.radius.models import RadiusAccounting

from .models import SuspensionPortalSettings

__all__ = [
    "PortalSummary",
    "customer_by_ip",
    "customer_payment",
    "human_bytes",
    "masked_name",
    "payment_allocations",
    "portal_summary",
    "speed_label",
    "suspension_settings_for",
]

RECENT_PAYMENTS = 10


#
# Formatting
#


def human_bytes(nbytes: int) -> str:
    """Bytes in the units ISPs advertise (1 GB = 10^9 bytes, as FUP counts them)."""
    value = Decimal(int(nbytes or 0))
    if value < 1000:
        return f"{int(value)} B"
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value.quantize(Decimal('0.01'))} {unit}"


def speed_label(kbps: int | None) -> str:
    """A package rate as customers read it: 10240 → "10 Mbps", 512 → "512 kbps"."""
    if not kbps:
        return "—"
    if kbps >= 1024 and kbps % 1024 == 0:
        return f"{kbps // 1024} Mbps"
    if kbps >= 1000 and kbps % 1000 == 0:
        return f"{kbps // 1000} Mbps"
    return f"{kbps} kbps"


def masked_name(name: str) -> str:
    """A name shown to whoever browses from the customer's address: the first letter of
    each word, the rest starred ("Rahim Uddin" → "R**** U****")."""
    words = [w for w in (name or "").split() if w]
    return " ".join(w[0] + "*" * max(len(w) - 1, 1) for w in words) or "—"


#
# The customer portal
#


@dataclass
class PortalSummary:
    """Everything the portal's home page shows about one customer."""

    customer: Customer
    package_name: str
    download_speed: str
    upload_speed: str
    due: Decimal
    open_bills: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    cycle_started: datetime.date | None = None
    download_bytes: int = 0
    upload_bytes: int = 0
    fup_used_bytes: int | None = None
    fup_limit_bytes: int | None = None

    @property
    def download(self) -> str:
        return human_bytes(self.download_bytes)

    @property
    def upload(self) -> str:
        return human_bytes(self.upload_bytes)

    @property
    def fup_used(self) -> str:
        return human_bytes(self.fup_used_bytes or 0)

    @property
    def fup_limit(self) -> str:
        return human_bytes(self.fup_limit_bytes or 0)


def _local_midnight(tenant, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tenant.zone)


def portal_summary(customer: Customer) -> PortalSummary:
    """The customer's status, package, dues, usage in the current billing cycle (as FUP
    counts the cycle: customers.fup) and latest payments."""
    tenant = customer.tenant
    master = customer.package.master_package
    today = timezone.localtime(timezone.now(), tenant.zone).date()
    started = cycle_start(customer, today)
    # Sessions started in the cycle, by direction (the profile's usage table counts the
    # same way); FUP's own figure spreads a session that began earlier over its life.
    usage = usage_totals(customer, since=_local_midnight(tenant, started))
    summary = PortalSummary(
        customer=customer,
        package_name=master.name,
        download_speed=speed_label(master.download_kbps),
        upload_speed=speed_label(master.upload_kbps),
        due=customer_due(customer),
        open_bills=list(
            Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES)
            .select_related("tenant")
            .order_by("due_date", "period_start", "pk")
        ),
        payments=list(
            Payment.objects.filter(customer=customer).order_by("-received_at", "-pk")[
                :RECENT_PAYMENTS
            ]
        ),
        cycle_started=started,
        download_bytes=usage["download"],
        upload_bytes=usage["upload"],
    )
    if master.has_fup:
        summary.fup_limit_bytes = master.fup_data_limit_gb * GB
        summary.fup_used_bytes = cycle_usage(customer, started)
    return summary


def customer_payment(customer: Customer, pk: int) -> Payment | None:
    """One payment of this customer (None for anybody else's)."""
    return (
        Payment.objects.filter(pk=pk, tenant_id=customer.tenant_id, customer=customer)
        .select_related("customer", "tenant")
        .first()
    )


def payment_allocations(payment: Payment):
    return (
        Allocation.objects.filter(payment=payment)
        .select_related("bill__tenant")
        .order_by("bill__due_date", "bill__period_start", "bill_id")
    )


#
# The suspension portal
#


def customer_by_ip(tenant, ip: str | None) -> Customer | None:
    """The customer whose open RADIUS session (no stop time) in this ISP has `ip` as its
    framed address; the newest session wins when a stale one was never closed. None
    when no open session of this ISP has that address (a closed session never counts:
    the address may since belong to somebody else)."""
    if not ip:
        return None
    session = (
        RadiusAccounting.objects.filter(tenant=tenant, stop_time__isnull=True, framed_ip_address=ip)
        .exclude(username__isnull=True)
        .exclude(username="")
        .order_by("-start_time", "-id")
        .first()
    )
    if session is None:
        return None
    return (
        Customer.objects.filter(tenant=tenant, username=session.username)
        .select_related("tenant")
        .first()
    )


def suspension_settings_for(tenant) -> SuspensionPortalSettings:
    """The ISP's suspension portal settings; an unsaved row with the defaults (and the
    company's contact details) when none were saved."""
    found = SuspensionPortalSettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    return SuspensionPortalSettings(
        tenant=tenant,
        contact_phone=tenant.phone or "",
        contact_email=tenant.email or "",
        contact_address=(tenant.address or "")[:255],
    )
