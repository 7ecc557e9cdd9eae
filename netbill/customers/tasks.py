"""Customer tasks: thin wrappers around the services.

The Fair Usage Policy runs every 15 minutes (`manage.py ensure_schedule`): a platform
task queues one tenant task per active ISP, which enforces it inside its own scope.
"""

from celery import shared_task

from netbill.core.tasks import TenantTask


@shared_task(base=TenantTask, name="customers.enforce_fup_task")
def enforce_fup_task(*, tenant_id: int) -> dict[str, list[str]]:
    """Apply the Fair Usage Policy to one ISP (see customers.fup); returns the usernames
    moved to FUP, reset to active, and skipped."""
    from netbill.tenancy.models import Tenant

    from .fup import enforce_fup

    return enforce_fup(tenant=Tenant.objects.get(pk=tenant_id))


@shared_task(name="customers.enforce_fup_all")
def enforce_fup_all_task() -> int:
    """Queue the FUP job of every active ISP; returns how many were queued."""
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        enforce_fup_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
