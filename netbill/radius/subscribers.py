"""Reactions to events from lower apps (DESIGN.md §4): routers are RADIUS clients."""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

from .tasks import nas_sync_router_task

log = logging.getLogger(__name__)


def router_saved(*, event: str, tenant_id: int, router_id: int, **payload) -> None:
    """A router was added or edited: upsert its `nas` row (in a task, after commit)."""
    kwargs = {"tenant_id": tenant_id, "router_id": router_id}
    try:
        nas_sync_router_task.delay(**kwargs)
    except OperationalError:
        # The broker is unreachable: sync here rather than leave RADIUS without the
        # router (the task is idempotent and only touches our database).
        log.exception("Broker unreachable; syncing the NAS of router %s inline", router_id)
        nas_sync_router_task.apply(kwargs=kwargs)


subscribe("router.created", router_saved)
subscribe("router.updated", router_saved)
