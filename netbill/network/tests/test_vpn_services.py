"""network.services.vpn: WireGuard VPN accounts. Valid key pairs, encrypted at rest; the
next free tunnel address of the platform range, unique across ISPs, even when two
accounts are made at once; a clear error when the range is full."""

import base64
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management import call_command
from django.db import connection
from netaddr import IPAddress

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.network import wireguard
from netbill.network.models import VPNAccount
from netbill.network.services import vpn as services

from .pool_helpers import make_vpn_account
from .router_helpers import make_router

pytestmark = pytest.mark.django_db


def create(isp, name="Uttara Edge tunnel", by=None, **kwargs):
    user = fresh_user(by or isp.ga)
    with in_scope(user.tenant_id):
        return services.vpn_account_create(by=user, name=name, **kwargs)


def stored_column(account, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM network_vpnaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_create_generates_a_valid_key_pair(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = create(isp)
    with in_scope(isp.tenant):
        account = VPNAccount.objects.get(pk=account.pk)
    # The private key loads, and its public key is the one stored.
    key = X25519PrivateKey.from_private_bytes(base64.b64decode(account.private_key))
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert base64.b64encode(public).decode() == account.public_key
    assert len(base64.b64decode(account.preshared_key)) == 32
    assert (account.name, account.protocol, account.is_active) == (
        "Uttara Edge tunnel",
        "wireguard",
        True,
    )
    # Secrets are encrypted at rest; the public key is not a secret.
    assert stored_column(account, "private_key") not in ("", account.private_key)
    assert account.private_key not in stored_column(account, "private_key")
    assert stored_column(account, "preshared_key") != account.preshared_key
    assert stored_column(account, "public_key") == account.public_key
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="vpn_account.created")
    assert entry.after == {
        "name": "Uttara Edge tunnel",
        "protocol": "wireguard",
        "tunnel_address": "10.255.0.2",
        "public_key": account.public_key,
        "is_active": True,
    }


def test_without_a_preshared_key(isp):
    account = create(isp, with_preshared_key=False)
    assert account.preshared_key == ""
    assert "preshared-key" not in services.router_commands(account)
    assert "PresharedKey" not in services.server_peer(account)


def test_addresses_are_allocated_in_order_and_unique_across_isps(isp, other_isp):
    first = create(isp, "A")
    second = create(isp, "B")
    theirs = create(other_isp, "A")  # same name, other ISP: fine
    assert [first.tunnel_address, second.tunnel_address, theirs.tunnel_address] == [
        "10.255.0.2",
        "10.255.0.3",
        "10.255.0.4",
    ]
    # A freed address is handed out again, lowest first.
    with in_scope(isp.tenant):
        services.vpn_account_delete(account=first, by=fresh_user(isp.ga))
    assert create(other_isp, "B").tunnel_address == "10.255.0.2"


def test_a_full_range_gives_a_clear_error(isp, other_isp, settings):
    # A /29: the network address, the server (.1), routers .2 to .6, the broadcast (.7).
    settings.NETBILL_VPN_TUNNEL_RANGE = "10.254.7.0/29"
    made = [create(isp if n % 2 else other_isp, f"R{n}").tunnel_address for n in range(5)]
    assert made == [f"10.254.7.{n}" for n in range(2, 7)]
    with (
        nothing_changes(isp.tenant, other_isp.tenant),
        pytest.raises(BusinessRuleError) as exc,
    ):
        create(isp, "One too many")
    assert exc.value.messages == [
        "The VPN tunnel range 10.254.7.0/29 is full: there is no free address for another "
        "router. Ask the platform administrator to widen it (NETBILL_VPN_TUNNEL_RANGE) or "
        "delete VPN accounts no longer used."
    ]
    assert exc.value.code == "range_full"


def test_an_ipv6_tunnel_range_works_too(isp, settings):
    settings.NETBILL_VPN_TUNNEL_RANGE = "fd00:4e42::/64"
    account = create(isp)
    assert account.tunnel_address == "fd00:4e42::2"
    assert "/ip/address/add address=fd00:4e42::2/64" in services.router_commands(account)


def test_two_accounts_made_at_once_get_different_addresses(isp, other_isp, monkeypatch):
    """The race: both pick the same free address; the unique column refuses the second,
    which takes the next one (inside a savepoint, so the request's transaction lives)."""
    taken = create(other_isp, "Theirs")
    real = services.vpn_next_free_address
    calls = []

    def stale(network=None, taken_addresses=None):  # the service's signature
        calls.append(1)
        if len(calls) == 1:
            # What another request saw a moment ago: the address is free.
            return IPAddress(taken.tunnel_address)
        return real(network)

    monkeypatch.setattr(services, "vpn_next_free_address", stale)
    account = create(isp, "Mine")
    assert (taken.tunnel_address, account.tunnel_address, len(calls)) == (
        "10.255.0.2",
        "10.255.0.3",
        2,
    )
    with in_scope(isp.tenant):
        assert AuditLog.objects.filter(action="vpn_account.created").count() == 1


def test_names_are_unique_per_isp(isp):
    create(isp, "Edge")
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        create(isp, " edge ")
    assert exc.value.message_dict == {"name": ["A VPN account named “edge” already exists."]}
    with pytest.raises(BusinessRuleError) as exc:
        create(isp, "  ")
    assert exc.value.message_dict == {"name": ["Enter a name."]}


def test_without_routers_manage_nothing_is_made(isp):
    user = set_codes(isp.noc, revoke=["routers.manage"])
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError, match="permission"):
        create(isp, by=user)
    # NOC users may, by default (give the code back).
    assert create(isp, by=set_codes(user, grant=["routers.manage"])).tunnel_address == "10.255.0.2"


def test_an_unconfigured_server_refuses_clearly(isp, settings):
    settings.NETBILL_VPN_SERVER_PRIVATE_KEY = ""
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        create(isp)
    assert "The platform's VPN server is not configured yet" in exc.value.messages[0]


def test_router_commands_and_server_peer(isp, settings):
    account = create(isp)
    server_public = wireguard.public_key_for(settings.NETBILL_VPN_SERVER_PRIVATE_KEY)
    commands = services.router_commands(account).splitlines()
    assert commands == [
        f'/interface/wireguard/add name=netbill-vpn private-key="{account.private_key}" '
        "listen-port=13231 comment=netbill",
        f'/interface/wireguard/peers/add interface=netbill-vpn public-key="{server_public}" '
        "endpoint-address=vpn.netbill.example endpoint-port=51820 "
        "allowed-address=10.255.0.1/32 persistent-keepalive=25s "
        f'preshared-key="{account.preshared_key}"',
        "/ip/address/add address=10.255.0.2/16 interface=netbill-vpn",
    ]
    assert services.server_peer(account) == (
        "[Peer]\n"
        "# alpha: Uttara Edge tunnel\n"
        f"PublicKey = {account.public_key}\n"
        f"PresharedKey = {account.preshared_key}\n"
        "AllowedIPs = 10.255.0.2/32\n"
    )


def test_update_and_deactivate(isp):
    account = create(isp)
    with in_scope(isp.tenant):
        account = services.vpn_account_update(
            account=account, by=fresh_user(isp.ga), data={"name": "Edge 2", "is_active": False}
        )
        entry = AuditLog.objects.get(action="vpn_account.updated")
        with pytest.raises(BusinessRuleError, match="cannot be changed here"):
            services.vpn_account_update(
                account=account, by=fresh_user(isp.ga), data={"tunnel_address": "10.255.9.9"}
            )
    assert (account.name, account.is_active) == ("Edge 2", False)
    assert entry.changes == [
        ("is_active", True, False),
        ("name", "Uttara Edge tunnel", "Edge 2"),
    ]


def test_an_account_a_router_uses_cannot_be_deleted(isp):
    account = create(isp)
    make_router(by=isp.ga, name="Uttara edge", host="", vpn_account=account)
    with (
        nothing_changes(isp.tenant),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(isp.tenant),
    ):
        services.vpn_account_delete(account=account, by=fresh_user(isp.ga))
    assert exc.value.messages == [
        "The router(s) “Uttara edge” use this VPN account; give them another address first."
    ]


def test_another_isps_account_is_out_of_reach(isp, other_isp):
    theirs = make_vpn_account(by=other_isp.ga)
    with (
        nothing_changes(isp.tenant, other_isp.tenant),
        pytest.raises(BusinessRuleError, match="outside your reach"),
        in_scope(isp.tenant),
    ):
        services.vpn_account_delete(account=theirs, by=fresh_user(isp.ga))


#
# The platform's server configuration
#


def test_vpn_server_config_lists_every_active_account_of_every_isp(isp, other_isp, settings):
    mine = create(isp, "Mine")
    theirs = create(other_isp, "Theirs", with_preshared_key=False)
    off = create(isp, "Off")
    with in_scope(isp.tenant):
        services.vpn_account_update(account=off, by=fresh_user(isp.ga), data={"is_active": False})
    out = StringIO()
    call_command("vpn_server_config", stdout=out)
    text = out.getvalue()
    assert text.startswith("# netbill VPN server")
    assert f"PrivateKey = {settings.NETBILL_VPN_SERVER_PRIVATE_KEY}\nListenPort = 51820\n" in text
    assert text.count("[Peer]") == 2
    assert f"# alpha: Mine\nPublicKey = {mine.public_key}\nPresharedKey = " in text
    assert f"# beta: Theirs\nPublicKey = {theirs.public_key}\nAllowedIPs = 10.255.0.3/32\n" in text
    assert off.public_key not in text


def test_vpn_server_config_writes_a_private_file(isp, tmp_path):
    create(isp)
    path = tmp_path / "wg0.conf"
    call_command("vpn_server_config", "--output", str(path), stderr=StringIO())
    assert path.read_text().count("[Peer]") == 1
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_on_postgresql(isp, monkeypatch):
    """The same race with real concurrent transactions: both threads choose 10.255.0.2
    before either saves; PostgreSQL's unique index makes one wait, then refuse, and that
    one retries with the next address."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL); the retry itself is tested above")
    import threading

    from django.db import connections

    real = services.vpn_next_free_address
    barrier = threading.Barrier(2, timeout=10)
    first_pick = threading.local()

    picks = []

    def in_step(network=None, taken_addresses=None):
        address = real(network)
        picks.append(str(address))
        if not getattr(first_pick, "done", False):
            first_pick.done = True
            barrier.wait()  # both have chosen before either saves
        return address

    monkeypatch.setattr(services, "vpn_next_free_address", in_step)
    results, errors = {}, []

    def make(name):
        try:
            results[name] = create(isp, name).tunnel_address
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=make, args=(f"T{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results.values()) == ["10.255.0.2", "10.255.0.3"]
    # Both chose .2 first; the loser chose again.
    assert sorted(picks) == ["10.255.0.2", "10.255.0.2", "10.255.0.3"]
