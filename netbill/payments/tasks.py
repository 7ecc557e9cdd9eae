"""Payment tasks: the 30-minute recheck of pending gateway payments (Verify Payments)
and the Payment Link Broadcast job."""

import logging

from celery import shared_task

from netbill.core.tasks import TenantTask

from .link_tasks import *  # noqa: F403 (Payment Link Broadcast, registered with the worker)

log = logging.getLogger(__name__)


@shared_task(base=TenantTask, name="payments.verify_pending")
def verify_pending_task(*, tenant_id: int) -> int:
    """Ask the gateways about every attempt still initiated or pending."""
    from netbill.tenancy.models import Tenant

    from .choices import CheckTriggerChoices
    from .gateway_services import pending_to_recheck, txn_verify

    tenant = Tenant.objects.get(pk=tenant_id)
    count = 0
    for txn in pending_to_recheck(tenant).select_related("gateway")[:500]:
        try:
            txn_verify(txn, trigger=CheckTriggerChoices.BEAT)
        except Exception:
            # One gateway's bug must not stop the others' rechecks.
            log.exception("Rechecking gateway transaction %s failed", txn.pk)
        count += 1
    return count


@shared_task(name="payments.verify_pending_all")
def verify_pending_all_task() -> int:
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        verify_pending_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
