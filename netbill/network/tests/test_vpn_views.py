"""VPN Accounts pages: creating shows the commands, the page says which address the
router takes, and a misconfigured server is a warning, never a server error."""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.state import nothing_changes
from netbill.network.models import VPNAccount

from .pool_helpers import make_vpn_account
from .router_helpers import make_router

pytestmark = pytest.mark.django_db


def test_create_then_see_the_commands(client, isp):
    client.force_login(isp.noc)
    response = client.post(reverse("network:vpn_account_add"), {"name": "Uttara Edge tunnel"})
    with in_scope(isp.tenant):
        account = VPNAccount.objects.get()
    assert response["Location"] == account.get_absolute_url()
    assert account.preshared_key == ""  # the box was not ticked
    page = client.get(account.get_absolute_url())
    body = page.content.decode()
    assert 'id="router-commands"' in body and 'id="server-peer"' in body
    assert "/ip/address/add address=10.255.0.2/16 interface=netbill-vpn" in body
    assert "use <strong><code>10.255.0.2</code></strong> as the router" in body


def test_the_page_lists_the_routers_using_it_and_delete_is_refused(client, isp):
    account = make_vpn_account(by=isp.ga)
    make_router(by=isp.ga, name="Uttara edge", host="", vpn_account=account)
    client.force_login(isp.ga)
    body = client.get(account.get_absolute_url()).content.decode()
    assert "Uttara edge" in body
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("network:vpn_account_delete", args=[account.pk]), {"confirm": "on"}
        )
    assert response.context["form"].non_field_errors() == [
        "The router(s) “Uttara edge” use this VPN account; give them another address first."
    ]


def test_a_misconfigured_server_is_a_warning(client, isp, settings):
    account = make_vpn_account(by=isp.ga)
    settings.NETBILL_VPN_SERVER_PRIVATE_KEY = ""
    client.force_login(isp.ga)
    response = client.get(account.get_absolute_url())
    assert response.status_code == 200
    assert "The platform&#x27;s VPN server is not configured yet" in response.content.decode()
    with nothing_changes(isp.tenant):
        response = client.post(reverse("network:vpn_account_add"), {"name": "Another"})
    assert "not configured yet" in response.context["form"].non_field_errors()[0]


def test_a_duplicate_name_is_a_form_error(client, isp):
    make_vpn_account(by=isp.ga, name="Edge")
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(reverse("network:vpn_account_add"), {"name": "EDGE"})
    assert response.context["form"].errors == {
        "name": ["A VPN account named “EDGE” already exists."]
    }
