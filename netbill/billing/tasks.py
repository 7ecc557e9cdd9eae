"""Billing tasks: thin wrappers around the services.

Every 15 minutes beat queues one task per active ISP (`billing.runs_due_all`); that task
runs, in the ISP's own time zone, whichever of today's runs (monthly, daily, prepaid,
then auto-suspension) have not run yet once the local clock passes the ISP's run hour.
A run repeated by a redelivered task writes nothing new.
"""

import logging
from datetime import date

from celery import shared_task

from netbill.core.tasks import TenantTask

from .job_tasks import bill_run_job_task  # noqa: F401 (registered with the worker)

log = logging.getLogger(__name__)


@shared_task(base=TenantTask, name="billing.runs_due")
def runs_due_task(*, tenant_id: int) -> list[int]:
    from netbill.tenancy.models import Tenant

    from .services import bill_run_record_failure, bill_run_start, runs_due

    tenant = Tenant.objects.get(pk=tenant_id)
    today, kinds = runs_due(tenant)
    done = []
    for kind in kinds:
        try:
            done.append(bill_run_start(tenant=tenant, kind=kind, on=today).pk)
        except Exception as exc:
            # The run rolled back whole; say so on the Bill Runs page, go on with the
            # other runs, and try again at the next beat (failed runs are due again).
            log.exception("Bill run %s of tenant %s on %s failed", kind, tenant_id, today)
            bill_run_record_failure(tenant=tenant, kind=kind, on=today, error=exc)
    return done


@shared_task(name="billing.runs_due_all")
def runs_due_all_task() -> int:
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        runs_due_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, name="billing.bill_run")
def bill_run_task(*, tenant_id: int, kind: str, on: str, user_id: int | None = None) -> int:
    """A run started from the Bill Runs page or the API."""
    from django.contrib.auth import get_user_model

    from netbill.tenancy.models import Tenant

    from .services import bill_run_start

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    tenant = Tenant.objects.get(pk=tenant_id)
    return bill_run_start(tenant=tenant, kind=kind, on=date.fromisoformat(on), by=by).pk


@shared_task(base=TenantTask, name="billing.first_bills")
def first_bills_task(*, tenant_id: int, customer_ids: list[int]) -> int:
    """First bills for customers created in bulk (imports)."""
    from netbill.tenancy.models import Tenant

    from .services import bills_issue_first

    tenant = Tenant.objects.get(pk=tenant_id)
    return len(bills_issue_first(tenant=tenant, customer_ids=customer_ids))


@shared_task(base=TenantTask, name="billing.restore_if_settled")
def restore_if_settled_task(*, tenant_id: int, customer_id: int) -> bool:
    """After a payment or a cancellation: restore an auto-suspended customer who owes
    nothing any more."""
    from netbill.customers.models import Customer

    from .services import customer_restore_if_settled

    customer = Customer.objects.filter(pk=customer_id).first()
    return customer is not None and customer_restore_if_settled(customer)
