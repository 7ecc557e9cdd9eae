"""Reactions to events from lower apps (DESIGN.md §4)."""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

from .pool_tasks import ip_pool_ensure_suspended_task

log = logging.getLogger(__name__)


def tenant_created(*, event: str, tenant_id: int, **payload) -> None:
    """A new ISP gets its protected suspended-users pool (in a task, after commit)."""
    try:
        ip_pool_ensure_suspended_task.delay(tenant_id=tenant_id)
    except OperationalError:
        # The broker is unreachable: make the pool here, rather than leave the ISP
        # without one (the task is idempotent, and cheap).
        log.exception(
            "Broker unreachable; creating the suspended pool of tenant %s inline", tenant_id
        )
        ip_pool_ensure_suspended_task.apply(kwargs={"tenant_id": tenant_id})


subscribe("tenant.created", tenant_created)
