"""Celery tasks of the RADIUS app (thin wrappers around services.py)."""

from celery import shared_task

from netbill.core.tasks import TenantTask

from .services import nas_upsert_for_router


@shared_task(base=TenantTask, name="radius.nas_sync_router_task")
def nas_sync_router_task(*, tenant_id: int, router_id: int) -> int | None:
    """Bring the router's `nas` row in line with the router; returns the NAS id (or None
    when the router is gone or its address is taken). Idempotent."""
    from netbill.network.models import Router

    router = Router.objects.filter(pk=router_id).first()
    if router is None:
        return None
    nas = nas_upsert_for_router(router)
    return nas.pk if nas else None
