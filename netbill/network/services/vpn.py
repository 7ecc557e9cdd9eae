"""VPN accounts (Routers & Packages → VPN Accounts): WireGuard tunnels from the platform's
VPN server to routers behind NAT.

Creating an account generates the router's key pair (and a preshared key), and takes the
next free address of the platform's tunnel range. The range is one namespace for every
ISP (one server serves them all), so the address is unique platform-wide; two accounts
made at the same moment may pick the same address, and the unique constraint plus a
retry settles it.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from netaddr import IPAddress

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import full_clean, require_permission

from .. import wireguard
from ..models import VPNAccount
from ..queries import vpn_peers, vpn_tunnel_addresses_taken

__all__ = [
    "router_commands",
    "server_config",
    "server_peer",
    "vpn_account_create",
    "vpn_account_delete",
    "vpn_account_update",
    "vpn_next_free_address",
]

CODE = "routers.manage"
FIELDS = ["name", "protocol", "tunnel_address", "public_key", "is_active"]
ALLOCATION_ATTEMPTS = 5


def _require(by, obj=None) -> None:
    require_permission(by, CODE, obj)


def _server() -> wireguard.Server:
    try:
        return wireguard.server()
    except ImproperlyConfigured as exc:
        raise BusinessRuleError(
            _(
                "The platform's VPN server is not configured yet (%(reason)s). Ask the "
                "platform administrator."
            )
            % {"reason": exc}
        ) from exc


def _clean_name(name: str, tenant_id, exclude_pk=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BusinessRuleError({"name": [_("Enter a name.")]})
    if len(name) > 64:
        raise BusinessRuleError({"name": [_("At most 64 characters.")]})
    clash = VPNAccount.objects.filter(tenant_id=tenant_id, name__iexact=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise BusinessRuleError(
            {"name": [_("A VPN account named “%(name)s” already exists.") % {"name": name}]}
        )
    return name


def vpn_next_free_address(network=None, taken: set[str] | None = None) -> IPAddress | None:
    """The lowest free router address of the tunnel range, or None when it is full.

    The network address and the first host (the server's own address) are never handed
    out, nor an IPv4 broadcast address.
    """
    network = network or wireguard.tunnel_network()
    taken = vpn_tunnel_addresses_taken() if taken is None else taken
    used = set()
    for text in taken:
        try:
            address = IPAddress(text)
        except ValueError:  # pragma: no cover - the column holds addresses
            continue
        if address.version == network.version:
            used.add(int(address))
    last = network.last - 1 if network.version == 4 else network.last
    candidate = network.first + 2
    while candidate <= last:
        if candidate not in used:
            return IPAddress(candidate, network.version)
        candidate += 1
    return None


def vpn_account_create(*, by, name: str, with_preshared_key: bool = True) -> VPNAccount:
    """Routers & Packages → VPN Accounts → Create: keys, a tunnel address, and the texts
    for the router and the server (see `router_commands`)."""
    _require(by)
    tenant_id = by.tenant_id
    name = _clean_name(name, tenant_id)
    srv = _server()
    private, public = wireguard.generate_keypair()
    preshared = wireguard.generate_preshared_key() if with_preshared_key else ""
    for _attempt in range(ALLOCATION_ATTEMPTS):
        address = vpn_next_free_address(srv.network)
        if address is None:
            raise BusinessRuleError(
                _(
                    "The VPN tunnel range %(range)s is full: there is no free address for "
                    "another router. Ask the platform administrator to widen it "
                    "(NETBILL_VPN_TUNNEL_RANGE) or delete VPN accounts no longer used."
                )
                % {"range": srv.network},
                code="range_full",
            )
        account = VPNAccount(
            tenant_id=tenant_id,
            name=name,
            tunnel_address=str(address),
            private_key=private,
            public_key=public,
            preshared_key=preshared,
        )
        # The address's platform-wide uniqueness is the database's job (see the retry).
        full_clean(account, validate_unique=False)
        try:
            with transaction.atomic():
                account.save()
                audit_record(
                    tenant=account.tenant,
                    actor=by,
                    action="vpn_account.created",
                    obj=account,
                    after=snapshot(account, FIELDS),
                )
                publish("vpn_account.created", tenant_id=tenant_id, vpn_account_id=account.pk)
        except IntegrityError:
            # Either another account took this address a moment ago (try the next one),
            # or one of this name was made meanwhile (say so).
            _clean_name(name, tenant_id)
            continue
        return account
    raise BusinessRuleError(
        _("No tunnel address could be reserved just now; please try again."), code="busy"
    )


def vpn_account_update(*, account: VPNAccount, by, data: dict) -> VPNAccount:
    """Rename an account, or switch it off (its peer leaves the server configuration)."""
    allowed = {"name", "is_active"}
    if set(data) - allowed:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    _require(by, account)
    with transaction.atomic():
        current = VPNAccount.objects.select_for_update().get(pk=account.pk)
        before = snapshot(current, FIELDS)
        if "name" in data:
            current.name = _clean_name(data["name"], current.tenant_id, exclude_pk=current.pk)
        if "is_active" in data:
            current.is_active = bool(data["is_active"])
        full_clean(current, validate_unique=False)
        current.save()
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="vpn_account.updated",
            obj=current,
            before=before,
            after=snapshot(current, FIELDS),
        )
        publish("vpn_account.updated", tenant_id=current.tenant_id, vpn_account_id=current.pk)
    return current


def vpn_account_delete(*, account: VPNAccount, by) -> None:
    """Delete an account no router uses; its tunnel address becomes free again."""
    _require(by, account)
    with transaction.atomic():
        current = VPNAccount.objects.select_for_update().get(pk=account.pk)
        routers = list(current.routers.values_list("name", flat=True))
        if routers:
            raise BusinessRuleError(
                _(
                    "The router(s) %(routers)s use this VPN account; give them another "
                    "address first."
                )
                % {"routers": ", ".join(f"“{r}”" for r in routers)},
                code="in_use",
            )
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="vpn_account.deleted",
            obj=current,
            before=snapshot(current, FIELDS),
        )
        pk, tenant_id = current.pk, current.tenant_id
        current.delete()
        publish("vpn_account.deleted", tenant_id=tenant_id, vpn_account_id=pk)


#
# Texts for the router and the server (reads; here because they need the server's key)
#


def router_commands(account: VPNAccount) -> str:
    """The RouterOS v7 commands to paste on the router (they hold its private key)."""
    return wireguard.router_commands(
        private_key=account.private_key,
        preshared_key=account.preshared_key,
        address=account.tunnel_address,
        srv=_server(),
    )


def _peer(account: VPNAccount) -> wireguard.Peer:
    return wireguard.Peer(
        label=f"{account.tenant.slug}: {account.name}",
        public_key=account.public_key,
        preshared_key=account.preshared_key,
        address=account.tunnel_address,
    )


def server_peer(account: VPNAccount) -> str:
    """The [Peer] section the platform's server needs for this router."""
    return wireguard.server_peer(_peer(account))


def server_config() -> str:
    """The whole server configuration: every active account of every ISP. Platform
    level only (`manage.py vpn_server_config`): it names every ISP's routers."""
    return wireguard.server_config([_peer(a) for a in vpn_peers()], _server())
