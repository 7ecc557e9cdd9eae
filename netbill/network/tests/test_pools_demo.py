"""The demo ISP's pools, PPPoE profiles and VPN account (seed_demo), and the suspended
pool that follows "tenant.created" even when the broker is down."""

import io

import pytest
from django.core.management import call_command
from django.test import TestCase
from kombu.exceptions import OperationalError

from conftest import in_scope
from netbill.accounts import services as accounts
from netbill.demo.management.commands import seed_demo
from netbill.network import subscribers
from netbill.network.models import IPPool, PPPoEProfile, Router, VPNAccount
from netbill.network.queries import pool_usage
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_has_pools_profiles_and_a_tunnel():
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        pools = {p.name: p for p in IPPool.objects.all()}
        # The suspended pool is there at once, before any task ran (nothing committed).
        assert pools["suspended-users"].is_protected
        assert {n: (p.family, p.subnet, p.kind) for n, p in pools.items()} == {
            "suspended-users": (4, "100.64.0.0/22", "suspended"),
            "pppoe-mirpur": (4, "10.20.0.0/22", "normal"),
            "pppoe-uttara": (4, "10.30.0.0/23", "normal"),
            "fup-pool": (4, "10.99.0.0/24", "fup"),
            "v6-mirpur": (6, "2001:db8:100::/48", "normal"),
        }
        assert pool_usage(pools["pppoe-mirpur"]).size == 1009
        profiles = dict(PPPoEProfile.objects.values_list("name", "rate_limit"))
        assert profiles == {
            "5 Mbps": "5M/5M",
            "10 Mbps": "10M/10M 12M/12M 8M/8M 10/10",
            "20 Mbps Business": "20M/20M 25M/25M 16M/16M 8/8 2 10M/10M",
            "FUP 1 Mbps": "1M/1M",
        }
        tunnel = VPNAccount.objects.get()
        assert (tunnel.name, tunnel.tunnel_address) == ("Uttara Edge tunnel", "10.255.0.2")
        assert Router.objects.get(name="Uttara Edge").vpn_account == tunnel
    # The task that follows the commit finds the pool and changes nothing.
    subscribers.tenant_created(event="tenant.created", tenant_id=tenant.pk)
    with in_scope(tenant):
        assert IPPool.objects.filter(is_protected=True).count() == 1
    # A second seed changes nothing.
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    with in_scope(tenant):
        assert IPPool.objects.count() == 5


def test_the_pool_is_made_even_when_the_broker_is_down(platform_admin, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(subscribers.ip_pool_ensure_suspended_task, "delay", down)
    with TestCase.captureOnCommitCallbacks(execute=True):
        tenant, _admin = accounts.tenant_onboard(
            name="Gamma Fiber",
            slug="gamma",
            admin_username="gamma-admin",
            admin_password="Test-pass-1234",
            by=platform_admin,
        )
    with in_scope(tenant):
        assert list(IPPool.objects.values_list("name", "is_protected")) == [
            ("suspended-users", True)
        ]
