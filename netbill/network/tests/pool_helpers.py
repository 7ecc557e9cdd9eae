"""Builders for IP pool, PPPoE profile and VPN account tests (through the services).

Each ISP of the fixtures may get the same pools: addresses only have to be unique
within one ISP. VPN tunnel addresses come from the platform range, so they never clash.
"""

import itertools

from django_scopes import scope

from netbill.core.testing.contracts import APIUpdateContract, EditViewContract
from netbill.core.testing.people import fresh_user

from ..services import pools as pool_services
from ..services import vpn as vpn_services

_seq = itertools.count(1)


def make_pool(*, by, family=4, name=None, subnet=None, ranges="", kind="normal", comment=""):
    """A pool made through the service; by default a fresh 10.<n>.0.0/24."""
    n = next(_seq)
    if subnet is None:
        subnet = f"2001:db8:{n:x}::/48" if family == 6 else f"10.{100 + n % 150}.{n // 150}.0/24"
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return pool_services.ip_pool_create(
            by=user,
            family=family,
            name=name or f"pool-{n}",
            subnet=subnet,
            ranges=ranges,
            kind=kind,
            comment=comment,
        )


def make_profile(*, by, ipv4_pool, name=None, **fields):
    n = next(_seq)
    values = {"rate_limit": "10M/10M", "dns_servers": "8.8.8.8,1.1.1.1"}
    values.update(fields)
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return pool_services.pppoe_profile_create(
            by=user, name=name or f"Profile {n}", ipv4_pool=ipv4_pool, **values
        )


def make_vpn_account(*, by, name=None, with_preshared_key=True):
    n = next(_seq)
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return vpn_services.vpn_account_create(
            by=user, name=name or f"Tunnel {n}", with_preshared_key=with_preshared_key
        )


def add_network_rows(isp, label="Alpha secret"):
    """One pool (plus the protected one from the fixture), one profile and one VPN
    account in `isp`, so that every pool, profile and VPN URL has a pk to crawl with."""
    pool = make_pool(by=isp.ga, name="crawl-pool", subnet="10.77.0.0/24", comment=label)
    make_profile(by=isp.ga, ipv4_pool=pool, name=f"{label} profile")
    make_vpn_account(by=isp.ga, name=f"{label} tunnel")


#
# Contracts for deleting (not registered: no "Test" prefix)
#


class DeleteViewContract(EditViewContract):
    """A delete page: GET asks for confirmation; POST with confirm deletes. The row is
    gone, one audit entry names it, its event is published."""

    def form_data(self, isp):
        return {"confirm": "on"}

    def expected(self, isp):
        return {}

    def written_object(self, isp, target):
        return target  # gone from the database: the audit entry and after_write check it

    def after_write(self, isp, obj, response):
        assert not type(obj)._base_manager.filter(pk=obj.pk).exists()


class APIDeleteContract(APIUpdateContract):
    """DELETE on a detail endpoint: 204, and the same checks as DeleteViewContract."""

    method = "delete"
    success_status = 204
    expected = DeleteViewContract.expected
    written_object = DeleteViewContract.written_object
    after_write = DeleteViewContract.after_write

    def api_update_data(self, isp):
        return {}
