"""Celery base task and platform tasks.

`TenantTask` is one of the four places where a tenant scope is entered (STYLE.md,
pretix's EventTask): every task that touches tenant data inherits it and is called
with `tenant_id=`; without one it fails before doing anything.
"""

import datetime

from celery import Task, shared_task
from django.utils import timezone
from django_scopes import scope


class TenantTask(Task):
    abstract = True

    def __call__(self, *args, **kwargs):
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TypeError(f"{self.name} is a tenant task: call it with tenant_id=.")
        with scope(tenant=tenant_id):
            return super().__call__(*args, **kwargs)


@shared_task(name="core.worker_heartbeat")
def worker_heartbeat(worker: str = "default") -> str:
    """Record that a worker is alive; the platform page shows how long ago."""
    from .models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=worker, defaults={"last_seen": now})
    return now.isoformat()


# How long an upload may wait for its user (an import at its mapping step, a Bulk
# Update Users file never applied) before it and its file are removed.
PENDING_JOB_DAYS = 7


@shared_task(base=TenantTask, name="core.jobs_purge_pending_task")
def jobs_purge_pending_task(*, tenant_id: int, now=None) -> int:
    """Delete one ISP's background jobs still waiting after PENDING_JOB_DAYS, with their
    uploaded files; returns how many. Finished jobs stay (they are the history)."""
    from .models import BackgroundJob

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=PENDING_JOB_DAYS)
    stale = BackgroundJob.objects.filter(
        tenant_id=tenant_id, status=BackgroundJob.Status.PENDING, created_at__lt=cutoff
    )
    count = 0
    for job in stale.iterator():
        if job.input_file:
            job.input_file.delete(save=False)
        job.delete()
        count += 1
    return count


@shared_task(name="core.jobs_purge_pending_all")
def jobs_purge_pending_all_task() -> int:
    """Queue the purge of every ISP; returns how many were queued."""
    from netbill.tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        jobs_purge_pending_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
