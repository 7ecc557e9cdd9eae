"""Network tasks: thin wrappers around the services.

The router status check runs every 5 minutes (`manage.py ensure_schedule`): a platform
task queues one tenant task per active ISP, which checks that ISP's active routers inside
its own scope.
"""

from celery import shared_task

from netbill.core.tasks import TenantTask


@shared_task(name="network.router_refresh_status_all")
def router_refresh_status_all_task() -> int:
    """Queue the status check of every active ISP (each finds its own routers in its own
    scope; an ISP without routers is a no-op)."""
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        router_refresh_status_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, name="network.router_refresh_status")
def router_refresh_status_task(*, tenant_id: int) -> dict[str, int]:
    """Check every active router of one ISP; returns how many are online and offline."""
    from .models import Router
    from .services.routers import router_refresh_statuses

    results = router_refresh_statuses(routers=Router.objects.filter(is_active=True).order_by("pk"))
    online = sum(1 for r in results.values() if r.ok)
    return {"online": online, "offline": len(results) - online}
