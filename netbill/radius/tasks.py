"""Celery tasks of the RADIUS app (thin wrappers around services.py and coa.py)."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from netbill.core.tasks import TenantTask

from .services import nas_upsert_for_router

log = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> None:
    """`task.delay(**kwargs)`, or run it here when the broker is unreachable: a change
    that is saved must still reach the router (the RADIUS tasks are idempotent)."""
    try:
        task.delay(**kwargs)
    except OperationalError:
        log.exception("Broker unreachable; running %s inline", getattr(task, "name", task))
        task.apply(kwargs=kwargs)


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


@shared_task(base=TenantTask, name="radius.coa_push_task")
def coa_push_task(*, tenant_id: int, username: str, action: str, reason: str) -> list[str]:
    """Send a CoA-Request ("coa") or Disconnect-Request ("disconnect") to each open
    session of `username`; returns the outcomes.

    Not retried by Celery: each packet's outcome (timeout included) is stored as a
    CoAAttempt, and a CoA that fails falls back to a Disconnect-Request by itself.
    Running it again sends the same packets again, which the router treats the same.
    """
    from netbill.tenancy.models import Tenant

    from .coa import push

    tenant = Tenant.objects.get(pk=tenant_id)
    attempts = push(tenant=tenant, username=username, action=action, reason=reason)
    return [f"{a.kind}:{a.outcome}" for a in attempts]


@shared_task(base=TenantTask, name="radius.coa_push_package_task")
def coa_push_package_task(*, tenant_id: int, master_package_id: int, reason: str) -> list[str]:
    """A master package changed: a CoA with the new rate for every user in its group or
    its FUP group that is online now (one `coa_push_task` per username)."""
    from .coa import online_usernames_of_package

    usernames = online_usernames_of_package(
        tenant_id=tenant_id, master_package_id=master_package_id
    )
    for username in usernames:
        enqueue(coa_push_task, tenant_id=tenant_id, username=username, action="coa", reason=reason)
    return usernames


# The housekeeping tasks live beside their queries; importing the module here registers
# them with the worker (Celery autodiscovers `tasks` modules only).
from . import housekeeping  # noqa: E402,F401

# Bulk changes (Customers → Multiple Customer Update): one task for many usernames.

# Usernames per `IN (...)` when looking for open sessions.
ONLINE_BATCH = 900


def online_usernames(*, tenant_id: int, usernames: list[str]) -> list[str]:
    """Those of `usernames` with an open radacct session (one query per batch of
    ONLINE_BATCH names), sorted."""
    from .models import RadiusAccounting

    online: set[str] = set()
    names = sorted(set(usernames))
    for start in range(0, len(names), ONLINE_BATCH):
        online.update(
            RadiusAccounting.objects.filter(
                tenant_id=tenant_id,
                stop_time__isnull=True,
                username__in=names[start : start + ONLINE_BATCH],
            )
            .values_list("username", flat=True)
            .distinct()
        )
    return sorted(online)


@shared_task(base=TenantTask, name="radius.coa_push_many_task")
def coa_push_many_task(
    *, tenant_id: int, usernames: list[str], action: str, reason: str
) -> list[str]:
    """`coa_push_task` for many customers at once (a bulk change): only the usernames
    with an open session are pushed, so a change of 10,000 offline customers sends
    nothing and stores no "no session" rows. Returns the usernames pushed."""
    from netbill.tenancy.models import Tenant

    from .coa import push

    online = online_usernames(tenant_id=tenant_id, usernames=usernames)
    if not online:
        return []
    tenant = Tenant.objects.get(pk=tenant_id)
    for username in online:
        push(tenant=tenant, username=username, action=action, reason=reason)
    return online
