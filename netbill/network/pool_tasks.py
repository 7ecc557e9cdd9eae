"""Celery tasks for IP pools (thin wrappers around services/pools.py).

Kept apart from `tasks.py` (the routers' tasks); `subscribers.py` imports this module,
so the worker registers the task when Django starts.
"""

from celery import shared_task

from netbill.core.tasks import TenantTask

from .services.pools import ip_pool_ensure_suspended


@shared_task(base=TenantTask, name="network.ip_pool_ensure_suspended_task")
def ip_pool_ensure_suspended_task(*, tenant_id: int) -> int:
    """Give a new ISP its protected suspended-users pool; returns the pool's id.

    Idempotent: a second run (a retry, or after the demo seed made it) changes nothing.
    """
    return ip_pool_ensure_suspended(tenant_id=tenant_id).pk
