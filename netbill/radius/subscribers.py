"""Reactions to events from lower apps (DESIGN.md §4): routers are RADIUS clients, and
changes that affect a live session reach the router by CoA or Disconnect."""

import logging

from kombu.exceptions import OperationalError

from netbill.core.events import subscribe

from . import tasks
from .tasks import nas_sync_router_task

log = logging.getLogger(__name__)

# Statuses whose RADIUS answer is not the package's (walled garden, reject): entering or
# leaving them needs a new login, hence a Disconnect-Request. Between active and FUP
# only the rate changes, which a CoA-Request applies to the running session.
RELOGIN_STATUSES = {"suspended", "disabled"}

# The CoA tasks are looked up on `tasks` when an event comes, so that a test can stand
# a recorder in for them (monkeypatch `netbill.radius.tasks.coa_push_task`).


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


def customer_status_changed(
    *, event: str, tenant_id: int, username: str, from_status: str, to_status: str, **payload
) -> None:
    """Suspended, disabled, or back from either: disconnect the live session so the
    customer logs in again into what its status now gives; active ↔ FUP: CoA."""
    if from_status in RELOGIN_STATUSES or to_status in RELOGIN_STATUSES:
        action = "disconnect"
    else:
        action = "coa"
    tasks.enqueue(
        tasks.coa_push_task,
        tenant_id=tenant_id,
        username=username,
        action=action,
        reason=f"status {from_status} → {to_status}",
    )


def customer_package_changed(*, event: str, tenant_id: int, username: str, **payload) -> None:
    """Another package: the new rate goes to the live session by CoA."""
    tasks.enqueue(
        tasks.coa_push_task,
        tenant_id=tenant_id,
        username=username,
        action="coa",
        reason="package changed",
    )


def customer_disconnect_requested(*, event: str, tenant_id: int, username: str, **payload):
    """Disconnect now, from the customer's profile."""
    tasks.enqueue(
        tasks.coa_push_task,
        tenant_id=tenant_id,
        username=username,
        action="disconnect",
        reason="manual",
    )


def master_package_updated(*, event: str, tenant_id: int, master_package_id: int, **payload):
    """A master package was edited (its rate, pool…): CoA every online customer of it."""
    tasks.enqueue(
        tasks.coa_push_package_task,
        tenant_id=tenant_id,
        master_package_id=master_package_id,
        reason="master package updated",
    )


subscribe("router.created", router_saved)
subscribe("router.updated", router_saved)
subscribe("customer.status_changed", customer_status_changed)
subscribe("customer.package_changed", customer_package_changed)
subscribe("customer.disconnect_requested", customer_disconnect_requested)
subscribe("master_package.updated", master_package_updated)


# Bulk changes (Customers → Multiple Customer Update): one task per kind of change for
# the whole selection; the task pushes to the online customers only.


def customers_bulk_status_changed(
    *, event: str, tenant_id: int, changes: list[tuple[str, str, str]], **payload
) -> None:
    """Many customers changed status: as `customer_status_changed`, a Disconnect for
    those entering or leaving suspended/disabled, a CoA for active ↔ FUP; one task per
    (from, to) pair, each pushing to the online customers only."""
    by_pair: dict[tuple[str, str], list[str]] = {}
    for username, from_status, to_status in changes:
        by_pair.setdefault((from_status, to_status), []).append(username)
    for (from_status, to_status), usernames in sorted(by_pair.items()):
        relogin = from_status in RELOGIN_STATUSES or to_status in RELOGIN_STATUSES
        tasks.enqueue(
            tasks.coa_push_many_task,
            tenant_id=tenant_id,
            usernames=usernames,
            action="disconnect" if relogin else "coa",
            reason=f"status {from_status} → {to_status}",
        )


def customers_bulk_package_changed(
    *, event: str, tenant_id: int, usernames: list[str], **payload
) -> None:
    """Many customers moved to another package: the new rate by CoA to those online."""
    if usernames:
        tasks.enqueue(
            tasks.coa_push_many_task,
            tenant_id=tenant_id,
            usernames=list(usernames),
            action="coa",
            reason="package changed (bulk)",
        )


subscribe("customers.bulk_status_changed", customers_bulk_status_changed)
subscribe("customers.bulk_package_changed", customers_bulk_package_changed)
