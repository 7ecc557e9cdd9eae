"""network.wireguard: key pairs, RouterOS commands and the server configuration, checked
against the real `wg` (Debian's wireguard-tools) where it is installed.

`wg setconf` needs an interface. Without root and a wireguard kernel module there is
none, but `wg` also drives userspace implementations through a UNIX socket
(/var/run/wireguard/<name>.sock, the cross-platform "UAPI"). The test listens on such a
socket itself: `wg setconf` then parses our file for real and sends us what it
understood (keys in hex, allowed IPs), which we compare with what we wrote. No
interface is created and nothing leaves the machine.
"""

import base64
import os
import shutil
import socket
import subprocess
import threading
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from netaddr import IPNetwork

from conftest import require
from netbill.network import wireguard
from netbill.network.wireguard import Peer, Server

UAPI_DIR = "/var/run/wireguard"


def wg_path() -> str:
    path = shutil.which("wg")
    require(path is not None, "wg (apt-get install wireguard-tools)")
    return path


def run_wg(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [wg_path(), *args], input=stdin, capture_output=True, text=True, timeout=10, check=False
    )


def make_server(**overrides) -> Server:
    private, public = wireguard.generate_keypair()
    values = {
        "private_key": private,
        "public_key": public,
        "endpoint_host": "vpn.netbill.example",
        "endpoint_port": 51820,
        "listen_port": 51820,
        "network": IPNetwork("10.255.0.0/16"),
    }
    values.update(overrides)
    return Server(**values)


def hex_of(key: str) -> str:
    return base64.b64decode(key).hex()


#
# Keys
#


def test_a_generated_pair_is_a_valid_x25519_pair():
    private, public = wireguard.generate_keypair()
    assert wireguard.is_valid_key(private) and wireguard.is_valid_key(public)
    key = X25519PrivateKey.from_private_bytes(base64.b64decode(private))
    derived = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert base64.b64encode(derived).decode() == public == wireguard.public_key_for(private)
    # Two pairs never repeat.
    assert wireguard.generate_keypair()[0] != private


def test_preshared_keys_are_32_random_bytes():
    psk = wireguard.generate_preshared_key()
    assert len(base64.b64decode(psk)) == 32
    assert psk != wireguard.generate_preshared_key()


@pytest.mark.parametrize(
    "value", ["", "not base64!", base64.b64encode(b"short").decode(), "A" * 44, None]
)
def test_invalid_keys_are_recognised(value):
    assert not wireguard.is_valid_key(value)


def test_wg_pubkey_agrees_with_our_public_keys():
    for _ in range(3):
        private, public = wireguard.generate_keypair()
        result = run_wg("pubkey", stdin=private + "\n")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == public


def test_we_derive_the_public_key_of_a_key_made_by_wg_genkey():
    private = run_wg("genkey").stdout.strip()
    public = run_wg("pubkey", stdin=private + "\n").stdout.strip()
    assert wireguard.public_key_for(private) == public


#
# Settings
#


def test_the_server_comes_from_settings(settings):
    private, public = wireguard.generate_keypair()
    settings.NETBILL_VPN_SERVER_PRIVATE_KEY = private
    settings.NETBILL_VPN_SERVER_ENDPOINT = "[2001:db8::1]:51999"
    settings.NETBILL_VPN_SERVER_LISTEN_PORT = 51999
    settings.NETBILL_VPN_TUNNEL_RANGE = "10.254.0.0/24"
    srv = wireguard.server()
    assert (srv.public_key, srv.endpoint_host, srv.endpoint_port, srv.listen_port) == (
        public,
        "2001:db8::1",
        51999,
        51999,
    )
    assert (str(srv.network), str(srv.address)) == ("10.254.0.0/24", "10.254.0.1")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("NETBILL_VPN_SERVER_PRIVATE_KEY", "", "wg genkey"),
        ("NETBILL_VPN_SERVER_ENDPOINT", "vpn.example", "host:port"),
        ("NETBILL_VPN_TUNNEL_RANGE", "10.255.0.5/16", "network address"),
        ("NETBILL_VPN_TUNNEL_RANGE", "10.255.0.0/31", "network address"),
        ("NETBILL_VPN_TUNNEL_RANGE", "banana", "is not a network"),
    ],
)
def test_a_misconfigured_server_is_refused_loudly(settings, setting, value, message):
    setattr(settings, setting, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        wireguard.server()


#
# Texts
#


def test_router_commands_are_routeros_v7_commands():
    srv = make_server()
    text = wireguard.router_commands(
        private_key="PRIVATE+KEY/=", preshared_key="PSK+KEY/=", address="10.255.0.7", srv=srv
    )
    assert text.splitlines() == [
        '/interface/wireguard/add name=netbill-vpn private-key="PRIVATE+KEY/=" '
        "listen-port=13231 comment=netbill",
        f'/interface/wireguard/peers/add interface=netbill-vpn public-key="{srv.public_key}" '
        "endpoint-address=vpn.netbill.example endpoint-port=51820 "
        "allowed-address=10.255.0.1/32 persistent-keepalive=25s "
        'preshared-key="PSK+KEY/="',
        "/ip/address/add address=10.255.0.7/16 interface=netbill-vpn",
    ]
    without = wireguard.router_commands(
        private_key="K", preshared_key="", address="10.255.0.7", srv=srv
    )
    assert "preshared-key" not in without


def test_a_server_peer_section():
    peer = Peer(
        label="alpha: Uttara\nEdge", public_key="PUB", preshared_key="PSK", address="10.255.0.9"
    )
    assert wireguard.server_peer(peer) == (
        "[Peer]\n# alpha: Uttara?Edge\nPublicKey = PUB\nPresharedKey = PSK\n"
        "AllowedIPs = 10.255.0.9/32\n"
    )
    bare = Peer(label="x", public_key="PUB", preshared_key="", address="10.255.0.9")
    assert "PresharedKey" not in wireguard.server_peer(bare)


#
# The real `wg` parses what we write
#


class FakeUAPI:
    """A listener on /var/run/wireguard/<name>.sock answering like a userspace
    WireGuard: it records each `set` request `wg` sends and acknowledges it."""

    def __init__(self, name: str):
        self.name = name
        self.path = f"{UAPI_DIR}/{name}.sock"
        self.requests: list[str] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    def start(self):
        os.makedirs(UAPI_DIR, exist_ok=True)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.sock.settimeout(10)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    # `wg` first connects only to see that the socket is alive.
                    while not data.endswith(b"\n\n"):
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if data:
                        self.requests.append(data.decode())
                        conn.sendall(b"errno=0\n\n")
                except OSError:
                    pass

    def stop(self):
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


@contextmanager
def fake_interface():
    wg_path()
    writable = os.access(UAPI_DIR, os.W_OK) or (
        not os.path.exists(UAPI_DIR) and os.access(os.path.dirname(UAPI_DIR), os.W_OK)
    )
    require(writable, f"a writable {UAPI_DIR} (for wg's userspace socket)")
    uapi = FakeUAPI(f"nbt{os.getpid() % 100000}")
    uapi.start()
    try:
        yield uapi
    finally:
        uapi.stop()


def parsed_by_wg(uapi, config: str, tmp_path) -> dict:
    path = tmp_path / "server.conf"
    path.write_text(config)
    path.chmod(0o600)
    result = run_wg("setconf", uapi.name, str(path))
    assert result.returncode == 0, result.stderr
    [request] = uapi.requests[-1:]
    lines = [line for line in request.splitlines() if line]
    assert lines[0] == "set=1"
    interface, peers = {}, []
    for line in lines[1:]:
        key, _sep, value = line.partition("=")
        if key == "public_key":
            peers.append({"public_key": value, "allowed_ip": []})
        elif peers:
            if key == "allowed_ip":
                peers[-1]["allowed_ip"].append(value)
            else:
                peers[-1][key] = value
        else:
            interface[key] = value
    return {"interface": interface, "peers": peers}


def test_wg_parses_the_server_configuration(tmp_path):
    srv = make_server()
    peers = []
    for n in range(2, 5):
        _private, public = wireguard.generate_keypair()
        psk = wireguard.generate_preshared_key() if n != 3 else ""
        peers.append(Peer(f"isp-{n}: router {n}", public, psk, f"10.255.0.{n}"))
    config = wireguard.server_config(peers, srv)
    with fake_interface() as uapi:
        parsed = parsed_by_wg(uapi, config, tmp_path)
    assert parsed["interface"]["private_key"] == hex_of(srv.private_key)
    assert parsed["interface"]["listen_port"] == "51820"
    assert [p["public_key"] for p in parsed["peers"]] == [hex_of(p.public_key) for p in peers]
    assert [p["allowed_ip"] for p in parsed["peers"]] == [
        ["10.255.0.2/32"],
        ["10.255.0.3/32"],
        ["10.255.0.4/32"],
    ]
    assert [p.get("preshared_key") for p in parsed["peers"]] == [
        hex_of(peers[0].preshared_key),
        None,
        hex_of(peers[2].preshared_key),
    ]


def test_the_fake_interface_really_checks(tmp_path):
    """Control: `wg` refuses what is not its format (wg-quick's Address line, a bad key)."""
    srv = make_server()
    good = wireguard.server_config([], srv)
    with fake_interface() as uapi:
        for bad in (good + "Address = 10.255.0.1/16\n", good.replace(srv.private_key, "nope")):
            path = tmp_path / "bad.conf"
            path.write_text(bad)
            result = run_wg("setconf", uapi.name, str(path))
            assert result.returncode != 0
            assert "error" in result.stderr.lower() or "unrecognized" in result.stderr.lower()
        assert uapi.requests == []
