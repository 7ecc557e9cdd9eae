"""Routers: add and edit, Test Connection, the periodic status check, Configure for RADIUS.

Network I/O never runs inside a database transaction: a service talks to the router
first (through `network.routeros`, within its timeouts), then writes what it learned in
one short transaction. A slow router therefore never holds a row lock or a connection
from the pool.

Secrets (the API password and the RADIUS secret) are encrypted at rest by the model
field, left out of every audit entry (`core.audit.SECRET_FIELDS`) and masked wherever a
change is described.
"""

from __future__ import annotations

import ipaddress
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import full_clean, require_permission

from ..choices import RouterStatusChoices as Status
from ..models import Router, VPNAccount
from ..routeros import MASK, RouterClient, RouterError, RouterInfo, is_true

__all__ = [
    "ConfigChange",
    "ConnectionResult",
    "RadiusConfigResult",
    "RouterOperationFailed",
    "router_configure_radius",
    "router_create",
    "router_probe",
    "router_refresh_status",
    "router_refresh_statuses",
    "router_test_connection",
    "router_update",
]

# Audited on create and update (secrets are left out by snapshot() in any case).
ROUTER_FIELDS = [
    "name",
    "host",
    "api_port",
    "use_ssl",
    "api_username",
    "coa_port",
    "vpn_account",
    "location",
    "is_active",
]
EDITABLE_FIELDS = frozenset(ROUTER_FIELDS) | {"api_password", "radius_secret"}
SECRET_INPUTS = ("api_password", "radius_secret")

# What each failure kind is called on the page and in the API.
KIND_LABELS = {
    "ok": gettext_lazy("Connected"),
    "timeout": gettext_lazy("Timed out"),
    "refused": gettext_lazy("Connection refused"),
    "auth": gettext_lazy("Wrong username or password"),
    "api_disabled": gettext_lazy("API service disabled"),
    "trap": gettext_lazy("Command refused by the router"),
    "fatal": gettext_lazy("Session ended by the router"),
    "lost": gettext_lazy("Connection lost"),
    "error": gettext_lazy("Connection failed"),
}

# Configure for RADIUS: how our /radius entry is recognised, and what it must hold.
RADIUS_COMMENT = "netbill"
RADIUS_SERVICES = "ppp,hotspot"
RADIUS_AUTH_PORT = "1812"
RADIUS_ACCT_PORT = "1813"
INTERIM_UPDATE = "5m"

# How many routers of one ISP the status check talks to at once.
STATUS_CHECK_WORKERS = 8
# Test Connection and the status check give a router this long in all (connect, login,
# identity, resources): a slow router never holds a request beyond it.
CHECK_BUDGET = 4.5

_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$"
)


class RouterOperationFailed(BusinessRuleError):
    """The router could not be reached or refused a command; the message is the router's
    own (safe to show). `kind` is the failure kind of `network.routeros`."""

    def __init__(self, message, *, kind: str = "error"):
        super().__init__(message, code=kind)
        self.kind = kind


#
# Guards
#


def normalise_host(host: str) -> str:
    """An IP address (in its canonical form) or a host name; ValidationError otherwise."""
    host = (host or "").strip()
    if not host:
        raise ValidationError(_("Enter the router's IP address or host name."), code="required")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.match(host) or host.replace(".", "").isdigit():
        raise ValidationError(_("Enter a valid IP address or host name."), code="invalid")
    return host.lower()


def _clean_host(host: str) -> str:
    try:
        return normalise_host(host)
    except ValidationError as exc:
        raise BusinessRuleError({"host": exc.messages}) from exc


def _check_vpn_account(by, vpn_account: VPNAccount | None) -> None:
    if vpn_account is not None and vpn_account.tenant_id != by.tenant_id:
        raise BusinessRuleError({"vpn_account": [_("Choose one of your VPN accounts.")]})


def _check_name(name: str, exclude_pk=None) -> None:
    clash = Router.objects.filter(name__iexact=(name or "").strip())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise BusinessRuleError({"name": [_("A router with this name already exists.")]})


#
# Add and edit
#


def router_create(
    *,
    by,
    name: str,
    host: str,
    api_username: str,
    api_password: str,
    radius_secret: str,
    api_port: int = 8728,
    use_ssl: bool = False,
    coa_port: int = 3799,
    vpn_account: VPNAccount | None = None,
    location: str = "",
    is_active: bool = True,
) -> Router:
    """Routers → Add Router: a MikroTik NAS of the ISP.

    A router behind NAT is reached through its VPN account: without an address of its
    own it takes the account's tunnel address. The status stays "not checked yet" until
    Test Connection or the periodic check has talked to it.
    """
    require_permission(by, "routers.manage")
    _check_vpn_account(by, vpn_account)
    if not (host or "").strip() and vpn_account is not None:
        host = vpn_account.tunnel_address
    router = Router(
        tenant_id=by.tenant_id,
        name=(name or "").strip(),
        host=_clean_host(host),
        api_port=api_port,
        use_ssl=bool(use_ssl),
        api_username=(api_username or "").strip(),
        api_password=api_password or "",
        radius_secret=radius_secret or "",
        coa_port=coa_port,
        vpn_account=vpn_account,
        location=location or "",
        is_active=bool(is_active),
    )
    with transaction.atomic():
        _check_name(router.name)
        full_clean(router)
        router.save()
        audit_record(
            tenant=router.tenant,
            actor=by,
            action="router.created",
            obj=router,
            after=snapshot(router, ROUTER_FIELDS),
        )
        publish("router.created", tenant_id=router.tenant_id, router_id=router.pk)
    return router


def router_update(*, router: Router, by, data: dict) -> Router:
    """Edit a router. A blank API password or RADIUS secret keeps the stored one."""
    if set(data) - EDITABLE_FIELDS:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    require_permission(by, "routers.manage", router)
    data = dict(data)
    for secret in SECRET_INPUTS:
        if secret in data and not data[secret]:
            del data[secret]
    if "vpn_account" in data:
        _check_vpn_account(by, data["vpn_account"])
    if "host" in data:
        data["host"] = _clean_host(data["host"])
    with transaction.atomic():
        obj = Router.objects.select_for_update().get(pk=router.pk)
        before = snapshot(obj, ROUTER_FIELDS)
        secrets_changed = sorted(
            k for k in SECRET_INPUTS if k in data and data[k] != getattr(obj, k)
        )
        if "name" in data:
            data["name"] = (data["name"] or "").strip()
            _check_name(data["name"], exclude_pk=obj.pk)
        for name, value in data.items():
            setattr(obj, name, value)
        full_clean(obj)
        obj.save()
        after = snapshot(obj, ROUTER_FIELDS)
        if secrets_changed:
            # Which secrets changed, never their values.
            after["secrets_changed"] = secrets_changed
        audit_record(
            tenant=obj.tenant,
            actor=by,
            action="router.updated",
            obj=obj,
            before=before,
            after=after,
        )
        publish("router.updated", tenant_id=obj.tenant_id, router_id=obj.pk)
    return obj


#
# Test Connection and the status check
#


@dataclass(frozen=True)
class ConnectionResult:
    """What one login to a router showed: its identity, or the exact failure."""

    ok: bool
    kind: str  # "ok", or the RouterError kind: timeout, refused, auth, api_disabled…
    message: str
    checked_at: datetime
    info: RouterInfo | None = None

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, KIND_LABELS["error"]))

    def as_dict(self) -> dict:
        info = self.info
        return {
            "ok": self.ok,
            "kind": self.kind,
            "label": self.label,
            "message": self.message,
            "checked_at": self.checked_at.isoformat(),
            "identity": info.identity if info else "",
            "version": info.version if info else "",
            "board": info.board if info else "",
            "uptime": info.uptime if info else "",
        }


def _connect_and_identify(client: RouterClient) -> ConnectionResult:
    try:
        with client as ros:
            info = ros.system_info()
    except RouterError as exc:
        return ConnectionResult(
            ok=False, kind=exc.kind, message=exc.message, checked_at=timezone.now()
        )
    message = _("Connected to %(identity)s, RouterOS %(version)s.") % {
        "identity": info.identity or client.where,
        "version": info.version or "?",
    }
    return ConnectionResult(
        ok=True, kind="ok", message=message, checked_at=timezone.now(), info=info
    )


def router_probe(
    *, by, host: str, api_port: int, use_ssl: bool, api_username: str, api_password: str
) -> ConnectionResult:
    """Test Connection on the add/edit form: log in with the typed values, save nothing."""
    require_permission(by, "routers.manage")
    client = RouterClient(
        _clean_host(host),
        api_port,
        api_username,
        api_password,
        use_ssl=use_ssl,
        total_timeout=CHECK_BUDGET,
    )
    return _connect_and_identify(client)


def _record_status(router: Router, result: ConnectionResult, *, by=None) -> Router:
    """Write a check's outcome in one short transaction; announce a change of status."""
    new = Status.ONLINE if result.ok else Status.OFFLINE
    with transaction.atomic():
        obj = Router.objects.select_for_update().filter(pk=router.pk).first()
        if obj is None:
            return router  # deleted while it was being checked
        old = obj.status
        obj.status = new
        obj.last_checked_at = result.checked_at
        obj.last_error = "" if result.ok else f"{result.label}: {result.message}"[:255]
        if result.info is not None:
            obj.identity = result.info.identity[:255]
            obj.ros_version = result.info.version[:64]
            obj.board_name = result.info.board[:128]
            obj.uptime = result.info.uptime[:64]
        status_fields = ["status", "last_checked_at", "last_error"]
        info_fields = ["identity", "ros_version", "board_name", "uptime"]
        full_clean(obj)
        obj.save(update_fields=status_fields + info_fields)
        if by is not None:
            audit_record(
                tenant=obj.tenant,
                actor=by,
                action="router.connection_tested",
                obj=obj,
                before={"status": old},
                after=snapshot(obj, status_fields + info_fields),
            )
        if old != new:
            publish(
                "router.status_changed",
                tenant_id=obj.tenant_id,
                router_id=obj.pk,
                old=old,
                new=new,
            )
            if old == Status.ONLINE and new == Status.OFFLINE:
                publish(
                    "router.down",
                    tenant_id=obj.tenant_id,
                    router_id=obj.pk,
                    error=obj.last_error,
                )
    # The caller's instance shows what was written.
    for name in ("status", "last_checked_at", "last_error", "identity", "ros_version"):
        setattr(router, name, getattr(obj, name))
    router.board_name, router.uptime = obj.board_name, obj.uptime
    return router


def router_test_connection(*, router: Router, by) -> ConnectionResult:
    """Test Connection on a saved router: log in, read identity and resources, and keep
    the outcome as the router's status (audited, since a person asked for it)."""
    require_permission(by, "routers.manage", router)
    result = _connect_and_identify(RouterClient.for_router(router, total_timeout=CHECK_BUDGET))
    _record_status(router, result, by=by)
    return result


def router_refresh_status(*, router: Router) -> ConnectionResult:
    """The periodic status check of one router (no person involved, so no audit)."""
    result = _connect_and_identify(RouterClient.for_router(router, total_timeout=CHECK_BUDGET))
    _record_status(router, result)
    return result


def router_refresh_statuses(*, routers) -> dict[int, ConnectionResult]:
    """Check many routers: the logins run side by side (each within its timeouts), the
    results are written one by one from this thread (database connections are per
    thread)."""
    routers = list(routers)
    if not routers:
        return {}
    clients = [RouterClient.for_router(r, total_timeout=CHECK_BUDGET) for r in routers]
    with ThreadPoolExecutor(max_workers=min(STATUS_CHECK_WORKERS, len(routers))) as pool:
        results = list(pool.map(_connect_and_identify, clients))
    for router, result in zip(routers, results, strict=True):
        _record_status(router, result)
    return {router.pk: result for router, result in zip(routers, results, strict=True)}


#
# Configure for RADIUS
#


@dataclass(frozen=True)
class ConfigChange:
    """One command that makes a router menu hold what RADIUS needs.

    `fields` is (key, value before, value after); secrets are masked by `describe()`.
    """

    menu: str
    action: str  # "add" or "set"
    fields: tuple[tuple[str, str, str], ...]
    item_id: str | None = None

    @property
    def values(self) -> dict[str, str]:
        return {key: new for key, _old, new in self.fields}

    def describe(self) -> str:
        if self.action == "add":
            parts = [f"{key}={_shown(key, new)}" for key, _old, new in self.fields]
            return f"{self.menu} add {' '.join(parts)}"
        parts = [
            f"{key}: {_shown(key, old) or '—'} → {_shown(key, new)}"
            for key, old, new in self.fields
        ]
        return f"{self.menu} set {'; '.join(parts)}"

    def __str__(self) -> str:
        return self.describe()


@dataclass
class RadiusConfigResult:
    """What Configure for RADIUS changed on the router (nothing, on a second run)."""

    changes: list[ConfigChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    @property
    def lines(self) -> list[str]:
        return [c.describe() for c in self.changes]

    @property
    def message(self) -> str:
        if not self.changes:
            return _("Nothing to change: the router is already configured for RADIUS.")
        return _("The router was configured for RADIUS: %(count)d change(s).") % {
            "count": len(self.changes)
        }


def _shown(key: str, value: str) -> str:
    return MASK if key == "secret" and value else value


def _seconds(value: str) -> int | None:
    """RouterOS durations: "5m", "1h30m", "1w2d", "00:05:00", "300" → seconds."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    total, days = 0, 0
    if ":" in value:
        if "d" in value:
            head, value = value.split("d", 1)
            days = int(re.sub(r"\D", "", head) or 0)
        parts = [float(p) for p in value.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0.0)
        hours, minutes, seconds = parts[-3:]
        return int(days * 86400 + hours * 3600 + minutes * 60 + seconds)
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    matched = re.findall(r"(\d+)(ms|w|d|h|m|s)", value)
    if not matched:
        return None
    for amount, unit in matched:
        if unit != "ms":
            total += int(amount) * units[unit]
    return total


def _same(key: str, current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if key in ("accept", "use-radius", "accounting", "disabled"):
        return is_true(current) == is_true(wanted)
    if key == "service":
        return set(filter(None, current.split(","))) == set(wanted.split(","))
    if key == "interim-update":
        return _seconds(current) == _seconds(wanted)
    if key == "address":
        try:
            return ipaddress.ip_address(current) == ipaddress.ip_address(wanted)
        except ValueError:
            return current.strip().lower() == wanted.strip().lower()
    return current == wanted


def _differences(row: dict[str, str], wanted: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (key, row.get(key, ""), value)
        for key, value in wanted.items()
        if not _same(key, row.get(key), value)
    )


def radius_plan(
    *,
    radius_rows: list[dict[str, str]],
    incoming: dict[str, str],
    aaa: dict[str, str],
    address: str,
    secret: str,
    coa_port: int,
) -> list[ConfigChange]:
    """The commands that bring the three menus to what RADIUS needs; [] when they hold
    it already. Our /radius entry is the one commented "netbill" (or, failing that, one
    already pointing at our address, which is then adopted)."""
    wanted_radius = {
        "address": address,
        "secret": secret,
        "service": RADIUS_SERVICES,
        "authentication-port": RADIUS_AUTH_PORT,
        "accounting-port": RADIUS_ACCT_PORT,
        "comment": RADIUS_COMMENT,
    }
    ours = next((r for r in radius_rows if r.get("comment") == RADIUS_COMMENT), None)
    if ours is None:
        ours = next((r for r in radius_rows if _same("address", r.get("address"), address)), None)
    changes = []
    if ours is None:
        changes.append(
            ConfigChange(
                menu="/radius",
                action="add",
                fields=tuple((k, "", v) for k, v in wanted_radius.items()),
            )
        )
    else:
        # A disabled entry is no entry: switch it on as well.
        diff = _differences(ours, {**wanted_radius, "disabled": "no"})
        if diff:
            changes.append(
                ConfigChange(menu="/radius", action="set", fields=diff, item_id=ours.get(".id"))
            )
    diff = _differences(incoming, {"accept": "yes", "port": str(coa_port)})
    if diff:
        changes.append(ConfigChange(menu="/radius/incoming", action="set", fields=diff))
    diff = _differences(
        aaa, {"use-radius": "yes", "accounting": "yes", "interim-update": INTERIM_UPDATE}
    )
    if diff:
        changes.append(ConfigChange(menu="/ppp/aaa", action="set", fields=diff))
    return changes


def router_configure_radius(*, router: Router, by) -> RadiusConfigResult:
    """Configure for RADIUS: /radius points at our RADIUS server with the router's
    secret (PPP and hotspot), /radius/incoming accepts CoA on the router's CoA port, and
    /ppp/aaa uses RADIUS with accounting and interim updates.

    It reads the three menus first and changes only what differs, so a second run
    changes nothing. The changes are audited (secrets masked).
    """
    require_permission(by, "routers.manage", router)
    if not router.radius_secret:
        raise BusinessRuleError({"radius_secret": [_("Set the router's RADIUS secret first.")]})
    applied: list[ConfigChange] = []
    try:
        with RouterClient.for_router(router) as ros:
            changes = radius_plan(
                radius_rows=ros.print("/radius"),
                incoming=ros.get("/radius/incoming"),
                aaa=ros.get("/ppp/aaa"),
                address=settings.NETBILL_RADIUS_ADDRESS,
                secret=str(router.radius_secret),
                coa_port=router.coa_port,
            )
            for change in changes:
                if change.action == "add":
                    ros.add(change.menu, change.values)
                else:
                    ros.set(change.menu, change.values, item_id=change.item_id)
                applied.append(change)
    except RouterError as exc:
        label = KIND_LABELS.get(exc.kind, KIND_LABELS["error"])
        message = f"{label}: {exc.message}"
        if applied:
            _audit_radius(router, by, applied, error=message)
            message += " " + _("Already changed: %(changes)s") % {
                "changes": "; ".join(c.describe() for c in applied)
            }
        raise RouterOperationFailed(message, kind=exc.kind) from exc
    result = RadiusConfigResult(changes=applied)
    _audit_radius(router, by, applied)
    return result


def _audit_radius(router: Router, by, applied: list[ConfigChange], error: str = "") -> None:
    after = {"changes": [c.describe() for c in applied] or ["nothing to change"]}
    if error:
        after["error"] = error
    with transaction.atomic():
        audit_record(
            tenant=router.tenant,
            actor=by,
            action="router.radius_configured",
            obj=router,
            after=after,
        )
        publish(
            "router.radius_configured",
            tenant_id=router.tenant_id,
            router_id=router.pk,
            changed=bool(applied),
        )
