"""Writes to the FreeRADIUS tables. Customers, packages and routers call these; nothing
else writes radcheck/radreply/radgroup*/radusergroup/nas (FreeRADIUS writes radacct and
radpostauth itself).

Each function replaces what it owns in one transaction, so calling it again with the same
input changes nothing, and calling it inside the caller's transaction makes the RADIUS
rows commit (or roll back) together with the customer or package change (DESIGN.md §4).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from .models import (
    NAS,
    RadiusCheck,
    RadiusGroupCheck,
    RadiusGroupReply,
    RadiusReply,
    RadiusUserGroup,
)

__all__ = [
    "group_name",
    "nas_short_name",
    "nas_upsert_for_router",
    "radius_group_upsert",
    "radius_user_delete",
    "radius_user_upsert",
    "radius_users_bulk_write",
]

log = logging.getLogger(__name__)

# Check items a user row is made of; radius_user_upsert replaces exactly these.
USER_CHECK_ATTRIBUTES = (
    "Cleartext-Password",
    "Auth-Type",
    "Simultaneous-Use",
    "Expiration",
    "Calling-Station-Id",
)


def group_name(tenant, name: str) -> str:
    """FreeRADIUS group names carry the tenant slug: "dhaka-fiber/pkg-12"."""
    return f"{tenant.slug}/{name}"


@transaction.atomic
def radius_group_upsert(
    *,
    tenant,
    name: str,
    replies: dict[str, str],
    checks: dict[str, str] | None = None,
) -> str:
    """Make (or replace) a group: a package, its FUP variant, or the suspended group.

    `replies` are sent with `:=` (Mikrotik-Rate-Limit, Framed-Pool,
    Acct-Interim-Interval…); `checks` (`==`) must match for the replies to apply.
    Returns the full group name, with the tenant slug.
    """
    groupname = group_name(tenant, name)
    RadiusGroupReply.objects.filter(tenant=tenant, groupname=groupname).delete()
    RadiusGroupCheck.objects.filter(tenant=tenant, groupname=groupname).delete()
    RadiusGroupReply.objects.bulk_create(
        RadiusGroupReply(tenant=tenant, groupname=groupname, attribute=a, op=":=", value=v)
        for a, v in replies.items()
    )
    RadiusGroupCheck.objects.bulk_create(
        RadiusGroupCheck(tenant=tenant, groupname=groupname, attribute=a, op="==", value=v)
        for a, v in (checks or {}).items()
    )
    return groupname


@transaction.atomic
def radius_user_upsert(
    *,
    tenant,
    username: str,
    password: str,
    groupname: str | None,
    disabled: bool = False,
    simultaneous_use: int | None = None,
    replies: dict[str, str] | None = None,
    calling_station_id: str | None = None,
) -> None:
    """Make (or replace) a subscriber's RADIUS rows.

    - The password is stored as Cleartext-Password (PAP, CHAP and MS-CHAPv2 need it).
    - `groupname` (full name, from `radius_group_upsert`) is the user's only group: the
      package group, the FUP group or the suspended group, as its status says.
    - `disabled` adds `Auth-Type := Reject`: the user keeps its rows and is rejected.
    - `simultaneous_use` limits open sessions (counted from radacct).
    - `replies` are the user's own replies (e.g. Framed-IP-Address for a static IP).
    - `calling_station_id` binds the login to one MAC (`Calling-Station-Id ==`).
    """
    if groupname is not None and not groupname.startswith(f"{tenant.slug}/"):
        raise ValueError(f"group {groupname!r} does not belong to tenant {tenant.slug!r}")
    RadiusCheck.objects.filter(
        tenant=tenant, username=username, attribute__in=USER_CHECK_ATTRIBUTES
    ).delete()
    checks = [
        RadiusCheck(
            tenant=tenant,
            username=username,
            attribute="Cleartext-Password",
            op=":=",
            value=password,
        )
    ]
    if disabled:
        checks.append(
            RadiusCheck(
                tenant=tenant, username=username, attribute="Auth-Type", op=":=", value="Reject"
            )
        )
    if simultaneous_use is not None:
        checks.append(
            RadiusCheck(
                tenant=tenant,
                username=username,
                attribute="Simultaneous-Use",
                op=":=",
                value=str(simultaneous_use),
            )
        )
    if calling_station_id:
        checks.append(
            RadiusCheck(
                tenant=tenant,
                username=username,
                attribute="Calling-Station-Id",
                op="==",
                value=calling_station_id,
            )
        )
    RadiusCheck.objects.bulk_create(checks)

    RadiusReply.objects.filter(tenant=tenant, username=username).delete()
    RadiusReply.objects.bulk_create(
        RadiusReply(tenant=tenant, username=username, attribute=a, op=":=", value=v)
        for a, v in (replies or {}).items()
    )

    RadiusUserGroup.objects.filter(tenant=tenant, username=username).delete()
    if groupname is not None:
        RadiusUserGroup.objects.create(
            tenant=tenant, username=username, groupname=groupname, priority=1
        )


@transaction.atomic
def radius_users_bulk_write(*, tenant, users: list[dict], batch_size: int = 2000) -> int:
    """`radius_user_upsert` for many users at once (imports): the same rows, written with
    a few statements per batch instead of a handful per user. Each dict has the
    arguments of `radius_user_upsert` (username, password, groupname, and optionally
    disabled, simultaneous_use, replies, calling_station_id). Rows the users had are
    replaced. Returns the number of users written."""
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        names = [u["username"] for u in batch]
        for model in (RadiusCheck, RadiusReply, RadiusUserGroup):
            model.objects.filter(tenant=tenant, username__in=names).delete()
        checks, replies, groups = [], [], []
        for user in batch:
            username = user["username"]
            groupname = user.get("groupname")
            if groupname is not None and not groupname.startswith(f"{tenant.slug}/"):
                raise ValueError(f"group {groupname!r} does not belong to tenant {tenant.slug!r}")
            items = [("Cleartext-Password", ":=", user["password"])]
            if user.get("disabled"):
                items.append(("Auth-Type", ":=", "Reject"))
            if user.get("simultaneous_use") is not None:
                items.append(("Simultaneous-Use", ":=", str(user["simultaneous_use"])))
            if user.get("calling_station_id"):
                items.append(("Calling-Station-Id", "==", user["calling_station_id"]))
            checks += [
                RadiusCheck(tenant=tenant, username=username, attribute=a, op=op, value=v)
                for a, op, v in items
            ]
            replies += [
                RadiusReply(tenant=tenant, username=username, attribute=a, op=":=", value=v)
                for a, v in (user.get("replies") or {}).items()
            ]
            if groupname is not None:
                groups.append(
                    RadiusUserGroup(
                        tenant=tenant, username=username, groupname=groupname, priority=1
                    )
                )
        RadiusCheck.objects.bulk_create(checks)
        RadiusReply.objects.bulk_create(replies)
        RadiusUserGroup.objects.bulk_create(groups)
    return len(users)


@transaction.atomic
def radius_user_delete(*, tenant, username: str) -> None:
    """Remove a subscriber from RADIUS (its accounting history stays)."""
    RadiusCheck.objects.filter(tenant=tenant, username=username).delete()
    RadiusReply.objects.filter(tenant=tenant, username=username).delete()
    RadiusUserGroup.objects.filter(tenant=tenant, username=username).delete()


def nas_short_name(router) -> str:
    """The unique client name FreeRADIUS logs and our queries find the tenant by."""
    return f"{router.tenant.slug}-r{router.pk}"


def nas_upsert_for_router(router) -> NAS | None:
    """Make the router's `nas` row match the router (address, secret, CoA port).

    An inactive router loses its row (FreeRADIUS stops answering it after a restart).
    Returns None, and logs, when another router (of any ISP) already holds the address:
    NAS addresses are one platform-wide namespace (see the package docstring), and
    FreeRADIUS could not tell two routers at one address apart anyway.
    """
    if not router.is_active:
        NAS.objects.filter(tenant_id=router.tenant_id, router=router).delete()
        return None
    values = {
        "name": router.host,
        "short_name": nas_short_name(router),
        "type": "other",  # checkrad never runs; Simultaneous-Use trusts radacct
        "ports": router.coa_port,
        "secret": router.radius_secret,
        "description": router.name,
    }
    try:
        with transaction.atomic():
            nas, _created = NAS.objects.update_or_create(
                tenant_id=router.tenant_id, router=router, defaults=values
            )
    except IntegrityError:
        # The router's old row (if any) no longer describes it: drop it rather than
        # keep answering an address the router has left.
        NAS.objects.filter(tenant_id=router.tenant_id, router=router).delete()
        log.warning(
            "NAS address %s of router %s is already used by another router; not added",
            router.host,
            router.pk,
        )
        return None
    return nas
