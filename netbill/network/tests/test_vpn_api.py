"""/api/v1/vpn-accounts/: keys never appear as fields; the RouterOS commands come with
create and retrieve only. Contracts: tests/test_network_vpn_contracts.py."""

import pytest
from django.urls import reverse

from netbill.core.testing.state import nothing_changes

from .pool_helpers import make_vpn_account

pytestmark = pytest.mark.django_db


def test_create_answers_with_the_commands_and_lists_never_do(client, isp):
    client.force_login(isp.noc)
    response = client.post(
        reverse("api:vpn-account-list"), {"name": "Edge"}, content_type="application/json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["tunnel_address"] == "10.255.0.2"
    assert data["has_preshared_key"] is True
    assert "/interface/wireguard/add name=netbill-vpn private-key=" in data["router_commands"]
    assert "preshared-key=" in data["router_commands"]
    listed = client.get(reverse("api:vpn-account-list")).json()["results"]
    assert set(listed[0]) == {
        "id",
        "name",
        "protocol",
        "tunnel_address",
        "public_key",
        "has_preshared_key",
        "is_active",
        "created_at",
    }


def test_a_full_range_is_a_400_with_the_reason(client, isp, settings):
    settings.NETBILL_VPN_TUNNEL_RANGE = "10.254.9.0/30"  # room for one router
    make_vpn_account(by=isp.ga)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("api:vpn-account-list"), {"name": "Two"}, content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith(
        "The VPN tunnel range 10.254.9.0/30 is full"
    )


def test_operators_have_no_vpn_accounts(client, isp):
    account = make_vpn_account(by=isp.ga)
    client.force_login(isp.user_x)
    with nothing_changes(isp.tenant):
        assert client.get(reverse("api:vpn-account-list")).status_code == 403
        assert client.get(reverse("api:vpn-account-detail", args=[account.pk])).status_code == 403
