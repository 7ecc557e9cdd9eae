"""Every VPN account page and endpoint under its contract (netbill.core.testing.contracts):
anonymous, without routers.manage, with it, and from another ISP. VPN accounts belong to
the whole ISP, so the "other subtree" scenario does not apply. NOC users may manage them.

Tunnel addresses are one platform-wide namespace: the other ISP's accounts take other
addresses of the same range, and a create from the other ISP lands in the other ISP.
"""

import pytest
from django.urls import reverse

from netbill.core.testing.contracts import (
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.network.models import VPNAccount
from netbill.network.tests.pool_helpers import (
    APIDeleteContract,
    DeleteViewContract,
    make_vpn_account,
)

pytestmark = pytest.mark.django_db

TENANT_WIDE = "VPN accounts belong to the whole ISP, not to an operator's subtree"
CODE = "routers.manage"


class _Accounts:
    permission = CODE
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        isp.account = make_vpn_account(by=isp.ga, name="Uttara Edge tunnel")
        isp.spare_account = make_vpn_account(by=isp.ga, name="Spare", with_preshared_key=False)


def accounts_of(isp):
    return VPNAccount.objects.filter(tenant=isp.tenant)


#
# Panel
#


class TestVPNAccountList(_Accounts, ListViewContract):
    url_name = "network:vpn_account_list"

    def expected_rows(self, isp):
        return accounts_of(isp)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert isp.account.tunnel_address in body
        assert isp.account.public_key in body
        assert isp.account.private_key not in body  # never on the list


class TestVPNAccountDetail(_Accounts, DetailViewContract):
    url_name = "network:vpn_account"
    allowed = "noc"

    def target(self, isp):
        return isp.account

    def check_page(self, response, isp):
        account = isp.account
        body = response.content.decode()
        commands = response.context["router_commands"]
        assert f'private-key="{account.private_key}"' in commands
        assert f'preshared-key="{account.preshared_key}"' in commands
        assert f"/ip/address/add address={account.tunnel_address}/16" in commands
        assert f"AllowedIPs = {account.tunnel_address}/32" in response.context["server_peer"]
        assert f"use <strong><code>{account.tunnel_address}</code></strong> as the router" in body


class TestVPNAccountCreate(_Accounts, CreateViewContract):
    url_name = "network:vpn_account_add"
    model = VPNAccount
    audit_action = "vpn_account.created"
    events = ("vpn_account.created",)

    def form_data(self, isp):
        return {"name": "Mirpur POP tunnel", "with_preshared_key": "on"}

    def created_lookup(self, isp):
        return {"name": "Mirpur POP tunnel"}

    def expected(self, isp):
        # Alpha's two accounts hold .2 and .3.
        return {"protocol": "wireguard", "tunnel_address": "10.255.0.4", "is_active": True}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        assert obj.preshared_key


class TestVPNAccountEdit(_Accounts, EditViewContract):
    url_name = "network:vpn_account_edit"
    audit_action = "vpn_account.updated"
    events = ("vpn_account.updated",)

    def target(self, isp):
        return isp.account

    def form_data(self, isp):
        return {"name": "Uttara Edge (old)"}  # unticked: inactive

    def expected(self, isp):
        return {
            "name": "Uttara Edge (old)",
            "is_active": False,
            "tunnel_address": isp.account.tunnel_address,
            "public_key": isp.account.public_key,
        }


class TestVPNAccountDelete(_Accounts, DeleteViewContract):
    url_name = "network:vpn_account_delete"
    audit_action = "vpn_account.deleted"
    events = ("vpn_account.deleted",)

    def target(self, isp):
        return isp.spare_account

    def success_url(self, isp, obj):
        return reverse("network:vpn_account_list")


#
# API
#


class TestVPNAccountAPIList(_Accounts, APIListContract):
    url_name = "api:vpn-account-list"

    def expected_rows(self, isp):
        return accounts_of(isp)

    def check_page(self, response, isp):
        for item in response.json()["results"]:
            assert "router_commands" not in item and "private_key" not in item
            assert "preshared_key" not in item and "server_peer" not in item


class TestVPNAccountAPIDetail(_Accounts, APIDetailContract):
    url_name = "api:vpn-account-detail"
    allowed = "noc"

    def target(self, isp):
        return isp.account

    def expected_data(self, isp):
        return {
            "name": "Uttara Edge tunnel",
            "protocol": "wireguard",
            "tunnel_address": isp.account.tunnel_address,
            "public_key": isp.account.public_key,
            "has_preshared_key": True,
            "is_active": True,
        }

    def check_page(self, response, isp):
        data = response.json()
        assert f'private-key="{isp.account.private_key}"' in data["router_commands"]
        assert data["server_peer"].startswith("[Peer]\n")
        assert "private_key" not in data and "preshared_key" not in data


class TestVPNAccountAPICreate(_Accounts, APICreateContract):
    url_name = "api:vpn-account-list"
    model = VPNAccount
    audit_action = "vpn_account.created"
    events = ("vpn_account.created",)

    def api_create_data(self, isp):
        return {"name": "API tunnel", "with_preshared_key": False}

    def created_lookup(self, isp):
        return {"name": "API tunnel"}

    def expected(self, isp):
        return {"tunnel_address": "10.255.0.4", "preshared_key": "", "is_active": True}

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        data = response.json()
        assert f'private-key="{obj.private_key}"' in data["router_commands"]
        assert data["has_preshared_key"] is False


class TestVPNAccountAPIPatch(_Accounts, APIUpdateContract):
    url_name = "api:vpn-account-detail"
    audit_action = "vpn_account.updated"
    events = ("vpn_account.updated",)

    def target(self, isp):
        return isp.account

    def api_update_data(self, isp):
        # The address and keys are read-only: sending them changes nothing.
        return {"is_active": False, "tunnel_address": "10.255.9.9", "public_key": "x"}

    def expected(self, isp):
        return {
            "is_active": False,
            "name": "Uttara Edge tunnel",
            "tunnel_address": isp.account.tunnel_address,
            "public_key": isp.account.public_key,
        }


class TestVPNAccountAPIPut(TestVPNAccountAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"name": "Renamed tunnel", "is_active": True}

    def expected(self, isp):
        return {"name": "Renamed tunnel", "is_active": True}


class TestVPNAccountAPIDelete(_Accounts, APIDeleteContract):
    url_name = "api:vpn-account-detail"
    audit_action = "vpn_account.deleted"
    events = ("vpn_account.deleted",)

    def target(self, isp):
        return isp.spare_account
