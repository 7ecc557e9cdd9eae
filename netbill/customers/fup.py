"""Fair Usage Policy: past the package's data limit in a billing cycle, a customer gets
the package's FUP rate until the next cycle (issue 4, item 8; radius-mikrotik.md §2.3).

Rules, in one place:

- **GB** means 10^9 bytes (what ISPs advertise), not 2^30: a 100 GB limit is
  100,000,000,000 bytes of download plus upload.
- **The cycle** follows the customer's billing profile, in the ISP's time zone:
  monthly → it starts on the most recent due day on or before today (due day 0 = the
  last day of the month; due day 15 on 10 March → 15 February); daily, free or no
  profile → the first of the month. The cycle starts at 00:00 local time that day.
- **Usage in the cycle** is the sum of download + upload of the customer's radacct rows
  (by the customer's current username, in its ISP). A session that started in the cycle
  counts fully. A session that started before the cycle and was still alive after its
  start counts pro rata of its duration: radacct only keeps a session's running total,
  so bytes are spread evenly between its start and its last sign of life (Stop, else
  the last Interim-Update). PPPoE sessions often last weeks; counting them only in the
  cycle they started would let a customer who never reconnects escape the limit.
- **Enforcement** (`enforce_fup`, every 15 minutes): an active customer whose package
  has a FUP and whose usage reached the limit becomes "fup"
  (`customer_change_status(system=True)`: its RADIUS group becomes the package's FUP
  group in the same transaction, and `customer.status_changed` makes the radius app push
  the new rate with a CoA). A "fup" customer whose status changed before the current
  cycle started, and who is under the limit in this cycle, goes back to "active"; so
  does a "fup" customer whose package no longer has a FUP (RADIUS already gives it the
  package group). Running it twice changes nothing more.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import zoneinfo

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.catalog.choices import BillingProfileTypeChoices
from netbill.core.exceptions import BusinessRuleError
from netbill.radius.housekeeping import Epoch
from netbill.radius.models import RadiusAccounting

from .choices import CustomerStatusChoices
from .models import Customer

log = logging.getLogger(__name__)

__all__ = ["GB", "cycle_start", "cycle_usage", "enforce_fup", "profile_cycle_start"]

GB = 10**9
LAST_DAY = 0  # a due day of 0 means the last day of the month (catalog.models.LAST_DAY)


#
# The cycle
#


def _due_date(year: int, month: int, due_day: int) -> datetime.date:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, last if due_day == LAST_DAY else min(due_day, last))


def profile_cycle_start(profile, today: datetime.date) -> datetime.date:
    """The first day of the cycle `today` falls in under billing profile `profile`
    (None allowed): see the module docstring."""
    if profile is None or profile.billing_type != BillingProfileTypeChoices.MONTHLY:
        return today.replace(day=1)
    due = _due_date(today.year, today.month, profile.due_day)
    if due <= today:
        return due
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return _due_date(year, month, profile.due_day)


def cycle_start(customer: Customer, today: datetime.date) -> datetime.date:
    """The first day of `customer`'s current billing cycle on `today`."""
    return profile_cycle_start(customer.billing_profile, today)


def _local_midnight(tenant, day: datetime.date) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _today(tenant, now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(tenant.time_zone)).date()


#
# Usage
#


def _usage_rows(since: datetime.datetime):
    """Each radacct row's bytes that belong to the cycle starting at `since` (a float
    expression named `cycle_bytes`), for rows that have any."""
    total = Coalesce(F("input_octets"), Value(0)) + Coalesce(F("output_octets"), Value(0))
    last_seen = Coalesce(F("stop_time"), F("update_time"), F("start_time"))
    start_ts = Epoch(F("start_time"))
    last_ts = Epoch(last_seen)
    since_ts = Value(since.timestamp(), output_field=models.FloatField())
    share = Case(
        When(start_time__gte=since, then=Value(1.0)),
        # Started before the cycle: the part of its life after `since`.
        default=(last_ts - since_ts) / (last_ts - start_ts),
        output_field=models.FloatField(),
    )
    return (
        RadiusAccounting.objects.alias(last_seen=last_seen)
        .filter(start_time__isnull=False)
        .filter(Q(start_time__gte=since) | Q(last_seen__gt=since))
        .annotate(cycle_bytes=Cast(total, models.FloatField()) * share)
    )


def _usage_subquery(since: datetime.datetime):
    """Bytes used since `since` by the customer of the outer query (0 without
    sessions)."""
    rows = (
        _usage_rows(since)
        .filter(tenant_id=OuterRef("tenant_id"), username=OuterRef("username"))
        .order_by()
        .values("username")
        .annotate(used=Sum("cycle_bytes"))
        .values("used")
    )
    return Cast(
        Coalesce(Subquery(rows, output_field=models.FloatField()), Value(0.0)),
        models.BigIntegerField(),
    )


def cycle_usage(customer: Customer, since: datetime.date | datetime.datetime) -> int:
    """Bytes (download + upload) `customer` used since `since` (a date means 00:00 in
    the ISP's time zone); see the module docstring for sessions spanning `since`."""
    if not isinstance(since, datetime.datetime):
        since = _local_midnight(customer.tenant, since)
    used = (
        _usage_rows(since)
        .filter(tenant_id=customer.tenant_id, username=customer.username)
        .aggregate(used=Sum("cycle_bytes"))["used"]
    )
    return round(used or 0)


#
# Enforcement
#


def _gb(nbytes: int) -> str:
    return f"{nbytes / GB:.2f}".rstrip("0").rstrip(".")


def enforce_fup(*, tenant, now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """Apply the Fair Usage Policy to `tenant`'s customers at `now`; returns the
    usernames moved to FUP ("fup"), back to active ("reset") and those a concurrent
    change made us skip ("skipped").

    One query per billing profile selects the customers to change (usage annotated by a
    subquery on radacct); only those are then changed, one transaction each.
    """
    from netbill.catalog.models import BillingProfile

    now = now or timezone.now()
    today = _today(tenant, now)
    result: dict[str, list[str]] = {"fup": [], "reset": [], "skipped": []}
    with_fup = Customer.objects.filter(
        tenant=tenant,
        status__in=[CustomerStatusChoices.ACTIVE, CustomerStatusChoices.FUP],
        package__master_package__fup_data_limit_gb__isnull=False,
    )
    # Held in FUP by a package that no longer has one (FUP removed, or another package):
    # RADIUS already gives them the package group; the status follows.
    orphans = Customer.objects.filter(
        tenant=tenant,
        status=CustomerStatusChoices.FUP,
        package__master_package__fup_data_limit_gb__isnull=True,
    ).order_by("pk")
    for customer in orphans.select_related("tenant", "package__master_package"):
        ok = _change(customer, CustomerStatusChoices.ACTIVE, _("FUP reset: the package has no FUP"))
        result["reset" if ok else "skipped"].append(customer.username)
    profiles = [None, *BillingProfile.objects.filter(tenant=tenant).order_by("pk")]
    for profile in profiles:
        since = _local_midnight(tenant, profile_cycle_start(profile, today))
        candidates = (
            with_fup.filter(billing_profile=profile)
            .annotate(
                used=_usage_subquery(since),
                limit=Cast(
                    F("package__master_package__fup_data_limit_gb"), models.BigIntegerField()
                )
                * Value(GB),
            )
            .filter(
                Q(status=CustomerStatusChoices.ACTIVE, used__gte=F("limit"))
                | Q(
                    Q(status_changed_at__isnull=True) | Q(status_changed_at__lt=since),
                    status=CustomerStatusChoices.FUP,
                    used__lt=F("limit"),
                )
            )
            .select_related("tenant", "package__master_package")
            .order_by("pk")
        )
        for customer in candidates:
            if customer.status == CustomerStatusChoices.ACTIVE:
                status, key = CustomerStatusChoices.FUP, "fup"
                reason = _("FUP: %(used)s of %(limit)s GB") % {
                    "used": _gb(customer.used),
                    "limit": customer.package.master_package.fup_data_limit_gb,
                }
            else:
                status, key = CustomerStatusChoices.ACTIVE, "reset"
                reason = _("FUP reset: new cycle")
            result[key if _change(customer, status, reason) else "skipped"].append(
                customer.username
            )
    return result


def _change(customer: Customer, status: str, reason: str) -> bool:
    """Change the status as the system; False when a concurrent change (status,
    package) made it impossible: the next run sees the new state."""
    from .services import customer_change_status

    try:
        customer_change_status(
            customer=customer, status=status, by=None, reason=reason, system=True
        )
    except BusinessRuleError:
        log.info("FUP: skipped %s (changed meanwhile)", customer.username)
        return False
    return True
