"""The RADIUS groups derived from the catalog and the customer statuses (DESIGN.md §4).

- Each master package is the group "pkg-<id>": its Mikrotik-Rate-Limit, the Framed-Pool
  of its PPPoE profile, and Acct-Interim-Interval.
- A package with a Fair Usage Policy has a second group "pkg-<id>-fup" with the FUP
  rate (and the FUP pool, if any).
- Each tenant has one walled-garden group "suspended": the suspended-users pool, the
  "suspended" address list (the router redirects it to the payment page) and a tiny rate.

Group names get the tenant slug from `services.group_name`. The catalog calls
`package_groups_sync` inside its own transaction; customers call `customer_groupname`.
These functions take the objects (duck-typed), so this app does not import the catalog.
"""

from __future__ import annotations

from django.conf import settings

from .models import RadiusGroupCheck, RadiusGroupReply
from .services import group_name, radius_group_upsert

SUSPENDED = "suspended"


def package_group(package_id: int) -> str:
    return f"pkg-{package_id}"


def fup_group(package_id: int) -> str:
    return f"pkg-{package_id}-fup"


def _interim() -> str:
    return str(settings.NETBILL_RADIUS_INTERIM_INTERVAL)


def package_replies(package) -> dict[str, str]:
    """What RADIUS sends a customer of `package` (a MasterPackage) while active."""
    replies = {"Mikrotik-Rate-Limit": package.rate_limit}
    profile = package.pppoe_profile
    if profile is not None:
        replies["Framed-Pool"] = profile.ipv4_pool.name
    replies["Acct-Interim-Interval"] = _interim()
    return replies


def fup_replies(package) -> dict[str, str]:
    """What RADIUS sends past the package's FUP data limit ({} without FUP)."""
    if not package.has_fup:
        return {}
    replies = {"Mikrotik-Rate-Limit": package.fup_rate_limit}
    if package.fup_pool is not None:
        replies["Framed-Pool"] = package.fup_pool.name
    elif package.pppoe_profile is not None:
        replies["Framed-Pool"] = package.pppoe_profile.ipv4_pool.name
    replies["Acct-Interim-Interval"] = _interim()
    return replies


def suspended_replies(tenant) -> dict[str, str]:
    """The walled garden: the tenant's suspended-users pool (if it has one), the
    address list the router redirects to the payment page, and a tiny rate."""
    from netbill.network.choices import IPPoolKindChoices
    from netbill.network.models import IPPool

    replies = {"Mikrotik-Rate-Limit": settings.NETBILL_SUSPENDED_RATE_LIMIT}
    pool = (
        IPPool.objects.filter(tenant=tenant, kind=IPPoolKindChoices.SUSPENDED, family=4)
        .order_by("pk")
        .first()
    )
    if pool is not None:
        replies["Framed-Pool"] = pool.name
    replies["Mikrotik-Address-List"] = settings.NETBILL_SUSPENDED_ADDRESS_LIST
    replies["Acct-Interim-Interval"] = _interim()
    return replies


def package_groups_sync(package) -> None:
    """Write (or rewrite) the package's group and its FUP group; call it in the same
    transaction as the package change."""
    radius_group_upsert(
        tenant=package.tenant, name=package_group(package.pk), replies=package_replies(package)
    )
    fup = fup_replies(package)
    if fup:
        radius_group_upsert(tenant=package.tenant, name=fup_group(package.pk), replies=fup)
    else:
        # FUP removed: customers held in the FUP group go back to the package group.
        from .models import RadiusUserGroup

        RadiusUserGroup.objects.filter(
            tenant=package.tenant, groupname=group_name(package.tenant, fup_group(package.pk))
        ).update(groupname=group_name(package.tenant, package_group(package.pk)))
        groups_delete(package.tenant, [fup_group(package.pk)])


def package_groups_delete(tenant, package_id: int) -> None:
    groups_delete(tenant, [package_group(package_id), fup_group(package_id)])


def groups_delete(tenant, names: list[str]) -> None:
    full = [group_name(tenant, n) for n in names]
    RadiusGroupReply.objects.filter(tenant=tenant, groupname__in=full).delete()
    RadiusGroupCheck.objects.filter(tenant=tenant, groupname__in=full).delete()


def suspended_group_sync(tenant) -> str:
    """Write the tenant's walled-garden group; returns its full name."""
    return radius_group_upsert(tenant=tenant, name=SUSPENDED, replies=suspended_replies(tenant))


def customer_group(tenant, status: str, master_package_id: int, has_fup: bool) -> str:
    """The full group name a customer's status chooses (disabled customers keep their
    package group and are rejected by Auth-Type := Reject)."""
    if status == "suspended":
        return group_name(tenant, SUSPENDED)
    if status == "fup" and has_fup:
        return group_name(tenant, fup_group(master_package_id))
    return group_name(tenant, package_group(master_package_id))


def expected_replies(tenant, username: str) -> dict[str, str]:
    """What RADIUS would send `username` now, in the order rlm_sql builds the reply: the
    user's own replies, then its groups' (whose `:=` replaces an attribute the user row
    set). Used by CoA and the reconciler."""
    from .models import RadiusReply, RadiusUserGroup

    replies: dict[str, str] = dict(
        RadiusReply.objects.filter(tenant=tenant, username=username).values_list(
            "attribute", "value"
        )
    )
    groups = RadiusUserGroup.objects.filter(tenant=tenant, username=username).order_by("priority")
    for groupname in groups.values_list("groupname", flat=True):
        replies.update(
            RadiusGroupReply.objects.filter(tenant=tenant, groupname=groupname).values_list(
                "attribute", "value"
            )
        )
    return replies
