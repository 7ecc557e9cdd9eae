"""Accounting tasks: thin wrappers around the services."""

from celery import shared_task

from netbill.core.tasks import TenantTask


@shared_task(base=TenantTask, name="accounting.chart_ensure")
def chart_ensure_task(*, tenant_id: int) -> int:
    """Give an ISP its system accounts (idempotent); returns how many were created."""
    from netbill.tenancy.models import Tenant

    from .services import chart_ensure

    return chart_ensure(Tenant.objects.get(pk=tenant_id))
