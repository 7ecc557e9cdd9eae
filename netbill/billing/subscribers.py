"""Reactions to events from lower apps (DESIGN.md §4): first bills."""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

log = logging.getLogger(__name__)


def customer_created(*, event: str, tenant_id: int, customer_id: int, **payload) -> None:
    """A new customer gets its first bill at once (pro-rata or full, by setting)."""
    from netbill.tenancy.models import Tenant

    from .services import bills_issue_first

    try:
        bills_issue_first(tenant=Tenant.objects.get(pk=tenant_id), customer_ids=[customer_id])
    except Exception:
        # The customer is saved; its first period is billed by the next run instead.
        log.exception("First bill of customer %s failed", customer_id)


def customers_bulk_created(*, event: str, tenant_id: int, customer_ids: list[int], **payload):
    """Customers created in bulk get their first bills in a background task."""
    from .tasks import first_bills_task

    try:
        first_bills_task.delay(tenant_id=tenant_id, customer_ids=list(customer_ids))
    except OperationalError:
        log.exception("Broker unreachable; first bills of %s customers inline", len(customer_ids))
        first_bills_task.apply(kwargs={"tenant_id": tenant_id, "customer_ids": customer_ids})


subscribe("customer.created", customer_created)
subscribe("customers.bulk_created", customers_bulk_created)
