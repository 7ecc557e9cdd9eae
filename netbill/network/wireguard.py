"""WireGuard for VPN accounts: keys, the platform server's settings, and the texts we
hand out (RouterOS v7 commands for the router, `wg` configuration for the server).

Pure functions: no database. A WireGuard private key is 32 random bytes (X25519,
clamped by WireGuard itself) in base64; the public key is derived from it; a preshared
key is another 32 random bytes. The output of `server_config()` is the format that
`wg setconf` reads (not wg-quick's: no Address line, which `wg` refuses).
"""

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from netaddr import AddrFormatError, IPAddress, IPNetwork

__all__ = [
    "INTERFACE",
    "ROUTER_LISTEN_PORT",
    "Peer",
    "Server",
    "generate_keypair",
    "generate_preshared_key",
    "is_valid_key",
    "public_key_for",
    "router_commands",
    "server",
    "server_config",
    "server_peer",
    "tunnel_network",
]

# The interface name on the router, and its listen port (RouterOS's own default). The
# router dials out from behind NAT, so its port only has to be free on the router.
INTERFACE = "netbill-vpn"
ROUTER_LISTEN_PORT = 13231
KEEPALIVE = "25s"  # keeps the NAT mapping open so the server can reach the router


#
# Keys
#


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _raw_key(value: str) -> bytes:
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != 32:
        raise ValueError("a WireGuard key is 32 bytes")
    return raw


def is_valid_key(value: str) -> bool:
    """Whether `value` is a WireGuard key as `wg` writes it (base64 of 32 bytes)."""
    try:
        _raw_key(value)
    except ValueError:
        return False
    return True


def public_key_for(private_key: str) -> str:
    """The public key of a base64 private key (what `wg pubkey` prints)."""
    return _b64(_public_bytes(X25519PrivateKey.from_private_bytes(_raw_key(private_key))))


def _public_bytes(key: X25519PrivateKey) -> bytes:
    raw = serialization.Encoding.Raw
    return key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)


def generate_keypair() -> tuple[str, str]:
    """A fresh (private, public) key pair, both base64."""
    key = X25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _b64(private), _b64(_public_bytes(key))


def generate_preshared_key() -> str:
    """A preshared key (an extra symmetric layer, what `wg genpsk` prints)."""
    return _b64(secrets.token_bytes(32))


#
# The platform's server
#


@dataclass(frozen=True)
class Server:
    """The platform's WireGuard server, from settings."""

    private_key: str
    public_key: str
    endpoint_host: str
    endpoint_port: int
    listen_port: int
    network: IPNetwork  # the tunnel range, e.g. 10.255.0.0/16

    @property
    def address(self) -> IPAddress:
        """The server's own tunnel address: the first host of the range."""
        return IPAddress(self.network.first + 1, self.network.version)


def tunnel_network() -> IPNetwork:
    """settings.NETBILL_VPN_TUNNEL_RANGE as a network (a misconfiguration is loud)."""
    value = settings.NETBILL_VPN_TUNNEL_RANGE
    try:
        network = IPNetwork(value)
    except (AddrFormatError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"NETBILL_VPN_TUNNEL_RANGE {value!r} is not a network.") from exc
    if network.ip != network.network or network.size < 4:
        raise ImproperlyConfigured(
            f"NETBILL_VPN_TUNNEL_RANGE {value!r} must be a network address with room for "
            "a server and at least one router."
        )
    return network


def _split_endpoint(value: str) -> tuple[str, int]:
    """ "vpn.example.net:51820" or "[2001:db8::1]:51820" → (host, port)."""
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\s]+):(\d+)", value or "")
    if not match:
        raise ImproperlyConfigured(
            f"NETBILL_VPN_SERVER_ENDPOINT {value!r} must be host:port (IPv6 as [addr]:port)."
        )
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 1 <= port <= 65535:
        raise ImproperlyConfigured(f"NETBILL_VPN_SERVER_ENDPOINT {value!r}: bad port.")
    return host, port


def server() -> Server:
    """The server's settings; ImproperlyConfigured when its key is missing or bad."""
    private = settings.NETBILL_VPN_SERVER_PRIVATE_KEY
    if not is_valid_key(private):
        raise ImproperlyConfigured(
            "NETBILL_VPN_SERVER_PRIVATE_KEY must be the VPN server's WireGuard private key "
            "(the output of `wg genkey`)."
        )
    host, port = _split_endpoint(settings.NETBILL_VPN_SERVER_ENDPOINT)
    return Server(
        private_key=private,
        public_key=public_key_for(private),
        endpoint_host=host,
        endpoint_port=port,
        listen_port=int(settings.NETBILL_VPN_SERVER_LISTEN_PORT),
        network=tunnel_network(),
    )


#
# Texts
#


@dataclass(frozen=True)
class Peer:
    """One router as the server sees it."""

    label: str  # a comment: which ISP and account
    public_key: str
    preshared_key: str
    address: str


def _comment(text: str) -> str:
    # Account and ISP names come from users: keep a comment on one printable line.
    return re.sub(r"[^\w .,:/()@+-]", "?", text)[:120]


def _quoted(value: str) -> str:
    # Keys are base64 ([A-Za-z0-9+/=]); quoting keeps RouterOS from reading / or =.
    return f'"{value}"'


def router_commands(*, private_key: str, preshared_key: str, address: str, srv: Server) -> str:
    """The RouterOS v7 commands that bring up the router's end of the tunnel."""
    peer = (
        f"/interface/wireguard/peers/add interface={INTERFACE} "
        f"public-key={_quoted(srv.public_key)} endpoint-address={srv.endpoint_host} "
        f"endpoint-port={srv.endpoint_port} allowed-address={srv.address}/32 "
        f"persistent-keepalive={KEEPALIVE}"
    )
    if preshared_key:
        peer += f" preshared-key={_quoted(preshared_key)}"
    return "\n".join(
        [
            f"/interface/wireguard/add name={INTERFACE} private-key={_quoted(private_key)} "
            f"listen-port={ROUTER_LISTEN_PORT} comment=netbill",
            peer,
            f"/ip/address/add address={address}/{srv.network.prefixlen} interface={INTERFACE}",
        ]
    )


def server_peer(peer: Peer) -> str:
    """The server's [Peer] section for one router."""
    lines = ["[Peer]", f"# {_comment(peer.label)}", f"PublicKey = {peer.public_key}"]
    if peer.preshared_key:
        lines.append(f"PresharedKey = {peer.preshared_key}")
    lines.append(f"AllowedIPs = {peer.address}/32")
    return "\n".join(lines) + "\n"


def server_config(peers: list[Peer], srv: Server) -> str:
    """The whole server configuration for `wg setconf` (every ISP's routers)."""
    head = "\n".join(
        [
            "# netbill VPN server: load with `wg setconf <interface> <this file>`.",
            f"# Give the interface its address: ip address add {srv.address}/"
            f"{srv.network.prefixlen} dev <interface>",
            "[Interface]",
            f"PrivateKey = {srv.private_key}",
            f"ListenPort = {srv.listen_port}",
        ]
    )
    return "\n".join([head + "\n", *[server_peer(p) for p in peers]])
