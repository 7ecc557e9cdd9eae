"""Reads about one customer for its profile: RADIUS sessions and usage, CoA/Disconnect
attempts, status history and the audit trail.

RADIUS rows are keyed by username within the tenant (FreeRADIUS knows no customer ids);
every query filters on the customer's tenant as well, so a username that another ISP
also uses never mixes in.
"""

from __future__ import annotations

import datetime

from django.db.models import Sum
from django.db.models.functions import Coalesce

from netbill.core.models import AuditLog
from netbill.radius.models import CoAAttempt, RadiusAccounting

from .models import Customer, CustomerStatusChange

__all__ = [
    "coa_attempts",
    "month_start",
    "customer_audit_trail",
    "customer_sessions",
    "status_history",
    "usage_totals",
]


def customer_sessions(customer: Customer, limit: int = 20):
    """The customer's latest RADIUS sessions (radacct), newest first."""
    return RadiusAccounting.objects.filter(
        tenant_id=customer.tenant_id, username=customer.username
    ).order_by("-start_time", "-id")[:limit]


def usage_totals(customer: Customer, since: datetime.datetime | None = None) -> dict:
    """Bytes uploaded and downloaded over the customer's sessions (those started at or
    after `since`, when given): {"upload": int, "download": int}.

    radacct counts from the NAS's side: input octets are what the customer sent
    (upload), output octets what it received (download).
    """
    rows = RadiusAccounting.objects.filter(tenant_id=customer.tenant_id, username=customer.username)
    if since is not None:
        rows = rows.filter(start_time__gte=since)
    totals = rows.aggregate(
        upload=Coalesce(Sum("input_octets"), 0), download=Coalesce(Sum("output_octets"), 0)
    )
    return {"upload": int(totals["upload"]), "download": int(totals["download"])}


def coa_attempts(customer: Customer, limit: int = 20):
    """The CoA-Requests and Disconnect-Requests sent for the customer, newest first."""
    return (
        CoAAttempt.objects.filter(tenant_id=customer.tenant_id, username=customer.username)
        .select_related("router")
        .order_by("-created_at", "-id")[:limit]
    )


def status_history(customer: Customer, limit: int = 50):
    """The customer's status changes, newest first, with who made them."""
    return (
        CustomerStatusChange.objects.filter(tenant_id=customer.tenant_id, customer=customer)
        .select_related("by")
        .order_by("-created_at", "-id")[:limit]
    )


def customer_audit_trail(customer: Customer, limit: int = 50):
    """The activity-log entries about the customer, newest first."""
    return AuditLog.objects.filter(
        tenant_id=customer.tenant_id,
        object_type=Customer._meta.label_lower,
        object_id=str(customer.pk),
    ).order_by("-created_at", "-id")[:limit]


def month_start(tenant) -> datetime.datetime:
    """Midnight of the first day of the current month in the ISP's time zone."""
    from django.utils import timezone

    now = timezone.now().astimezone(tenant.zone)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
