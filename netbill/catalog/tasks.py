"""Celery tasks of the catalog (thin wrappers)."""

from celery import shared_task
from django.db import transaction
from django.db.models import Q

from netbill.core.tasks import TenantTask
from netbill.radius.groups import package_groups_sync

from .models import MasterPackage


@shared_task(base=TenantTask, name="catalog.package_groups_resync_task")
def package_groups_resync_task(
    *, tenant_id: int, ip_pool_id: int | None = None, pppoe_profile_id: int | None = None
) -> int:
    """Rewrite the RADIUS groups of the packages using a pool or a PPPoE profile; returns
    how many packages were rewritten. Idempotent."""
    packages = MasterPackage.objects.filter(tenant_id=tenant_id)
    if ip_pool_id is not None:
        packages = packages.filter(
            Q(pppoe_profile__ipv4_pool_id=ip_pool_id) | Q(fup_pool_id=ip_pool_id)
        )
    if pppoe_profile_id is not None:
        packages = packages.filter(pppoe_profile_id=pppoe_profile_id)
    count = 0
    with transaction.atomic():
        for package in packages.select_related("tenant", "pppoe_profile__ipv4_pool", "fup_pool"):
            package_groups_sync(package)
            count += 1
    return count
