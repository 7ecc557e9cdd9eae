"""Reactions to network events: the RADIUS groups of the packages follow their pools.

A package group's Framed-Pool is the name of its PPPoE profile's pool (and the FUP
group's, of the FUP pool). When a pool is renamed or a profile moves to another pool,
a task rewrites the groups of the packages using them, after the network change
commits (`manage.py radius_rebuild` heals anything missed).
"""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

from .tasks import package_groups_resync_task

log = logging.getLogger(__name__)


def _enqueue(**kwargs) -> None:
    try:
        package_groups_resync_task.delay(**kwargs)
    except OperationalError:
        # The broker is unreachable: rewrite here (the task only touches our database).
        log.exception("Broker unreachable; rewriting package groups inline")
        package_groups_resync_task.apply(kwargs=kwargs)


def ip_pool_updated(*, event: str, tenant_id: int, ip_pool_id: int, **payload) -> None:
    _enqueue(tenant_id=tenant_id, ip_pool_id=ip_pool_id)


def pppoe_profile_updated(*, event: str, tenant_id: int, pppoe_profile_id: int, **payload) -> None:
    _enqueue(tenant_id=tenant_id, pppoe_profile_id=pppoe_profile_id)


subscribe("ip_pool.updated", ip_pool_updated)
subscribe("pppoe_profile.updated", pppoe_profile_updated)
