"""Reactions to events from lower apps (DESIGN.md §4)."""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

from .tasks import chart_ensure_task

log = logging.getLogger(__name__)


def tenant_created(*, event: str, tenant_id: int, **payload) -> None:
    """A new ISP gets its chart of accounts (in a task, after commit; the posting
    service also creates missing system accounts the first time it needs them)."""
    try:
        chart_ensure_task.delay(tenant_id=tenant_id)
    except OperationalError:
        log.exception("Broker unreachable; creating the chart of tenant %s inline", tenant_id)
        chart_ensure_task.apply(kwargs={"tenant_id": tenant_id})


subscribe("tenant.created", tenant_created)
