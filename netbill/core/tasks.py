"""Celery base task and platform tasks.

`TenantTask` is one of the four places where a tenant scope is entered (STYLE.md,
pretix's EventTask): every task that touches tenant data inherits it and is called
with `tenant_id=`; without one it fails before doing anything.
"""

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
