"""RADIUS housekeeping: close the sessions whose Stop never arrived.

A NAS that reboots, loses its link to us or drops a UDP packet leaves its radacct row
open. An open row counts for Simultaneous-Use, so a lost Stop locks the customer out
(radius-mikrotik.md §1.7). Every session sends an Interim-Update each interval
(Acct-Interim-Interval); a row silent for NETBILL_RADIUS_STALE_INTERVALS intervals is
dead, and is closed at its last sign of life, not at the time we noticed.

The fan-out task runs every 5 minutes (`manage.py ensure_schedule`) and queues one
tenant task per active ISP, which closes that ISP's stale rows in one UPDATE.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from netbill.core.tasks import TenantTask

from .models import RadiusAccounting

__all__ = [
    "STALE_CAUSE",
    "Epoch",
    "close_stale_sessions",
    "close_stale_sessions_all_task",
    "close_stale_sessions_task",
]

# Acct-Terminate-Cause has no standard value for "we gave up waiting"; this one is ours
# and tells the session list (and the reconciler) that no Stop ever came.
STALE_CAUSE = "Stale-Session"


class Epoch(models.Func):
    """Seconds since 1970-01-01 UTC of a datetime expression, as a float.

    Django has no portable epoch extraction: PostgreSQL has EXTRACT(EPOCH …), SQLite
    (the local test database) stores UTC text that julianday() reads.
    """

    output_field = models.FloatField()

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other databases
        raise NotImplementedError(f"Epoch is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"EXTRACT(EPOCH FROM {sql})::double precision", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((julianday({sql}) - 2440587.5) * 86400.0)", params


def _last_seen():
    """A session's last sign of life: its last Interim-Update, else its Start."""
    return Coalesce(F("update_time"), F("start_time"))


def close_stale_sessions(*, tenant, now: datetime.datetime | None = None) -> int:
    """Close `tenant`'s open radacct rows that have been silent for more than
    NETBILL_RADIUS_STALE_INTERVALS × their interval (the row's own Acct-Interim-Interval
    if the NAS reported one, else NETBILL_RADIUS_INTERIM_INTERVAL). Returns how many.

    The stop time is the last sign of life (the session carried no traffic we know of
    after it), the terminate cause "Stale-Session", and the session time is recomputed
    from start to that moment. One UPDATE: a Stop that arrives later still finds the row
    by its unique id and overwrites these values with the NAS's own.
    """
    now = now or timezone.now()
    intervals = settings.NETBILL_RADIUS_STALE_INTERVALS
    default_interval = settings.NETBILL_RADIUS_INTERIM_INTERVAL
    # silent when last_seen + intervals × interval < now, compared in epoch seconds so
    # that each row's own interval can take part.
    deadline = Epoch(_last_seen()) + Coalesce(
        F("interval"), Value(default_interval), output_field=models.FloatField()
    ) * Value(float(intervals))
    stale = (
        RadiusAccounting.objects.filter(tenant=tenant, stop_time__isnull=True)
        .filter(Q(update_time__isnull=False) | Q(start_time__isnull=False))
        .alias(deadline=deadline)
        .filter(deadline__lt=now.timestamp())
    )
    return stale.update(
        stop_time=_last_seen(),
        terminate_cause=STALE_CAUSE,
        session_time=Coalesce(
            Cast(Round(Epoch(_last_seen()) - Epoch(F("start_time"))), models.BigIntegerField()),
            F("session_time"),
        ),
    )


#
# Tasks
#


@shared_task(base=TenantTask, name="radius.close_stale_sessions_task")
def close_stale_sessions_task(*, tenant_id: int) -> int:
    """Close one ISP's stale sessions; returns how many were closed."""
    from netbill.tenancy.models import Tenant

    return close_stale_sessions(tenant=Tenant.objects.get(pk=tenant_id))


@shared_task(name="radius.close_stale_sessions_all")
def close_stale_sessions_all_task() -> int:
    """Queue the stale-session job of every active ISP; returns how many were queued."""
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        close_stale_sessions_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
