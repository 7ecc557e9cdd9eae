"""The NOC panel (/admin/noc/): its own layout and menu, real figures, never money."""

import datetime
import re

import pytest
from django.utils import timezone

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import User
from netbill.core.permissions import FINANCIAL_CODES
from netbill.tenancy.models import Tenant

URL = "/admin/noc/"


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def add_noc(isp, username, mobile):
    with in_scope(isp.tenant):
        return services.staff_user_create(
            by=isp.ga,
            role=Role.NOC,
            operator=None,
            username=username,
            password=PASSWORD,
            name=username,
            mobile=mobile,
        )


# The NOC panel: its dashboard, and the network pages NOC users manage.
NOC_SECTIONS = ["Dashboard", "Routers &amp; Packages", "IP &amp; PPPoE Management"]


def test_noc_user_gets_the_noc_layout(isp, client):
    client.force_login(isp.noc)
    html = page(client)
    assert 'class="nb-sidebar flex-shrink-0 nb-noc"' in html
    assert "Alpha Net · NOC</a>" in html
    assert re.findall(r'<div class="nb-section">([^<]+)</div>', html) == NOC_SECTIONS
    assert re.findall(r'class="nav-link[^"]*" href="([^"]+)">([^<]+)</a>', html) == [
        ("/admin/noc/", "NOC Dashboard"),
        ("/routers/", "Routers"),
        ("/vpn-accounts/", "VPN Accounts"),
        ("/ip-pools/ipv4/", "IPv4 Pools"),
        ("/ip-pools/ipv6/", "IPv6 Pools"),
        ("/pppoe-profiles/", "PPPoE Profiles"),
    ]
    assert 'class="nav-link active" href="/admin/noc/"' in html


def test_the_group_admin_opening_the_noc_panel_also_gets_its_layout(isp, client):
    client.force_login(isp.ga)
    html = page(client)
    assert "nb-noc" in html
    assert re.findall(r'<div class="nb-section">([^<]+)</div>', html) == NOC_SECTIONS


def test_the_main_panel_is_not_the_noc_layout(isp, client):
    client.force_login(isp.ga)
    html = client.get("/dashboard/").content.decode()
    assert "nb-noc" not in html
    assert "· NOC</a>" not in html


@pytest.mark.parametrize("who", ["user_x", "user_x1", "manager_x", "sales", "cards"])
def test_users_without_monitoring_get_403(isp, client, who):
    client.force_login(getattr(isp, who))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_login(db, client):
    assert client.get(URL)["Location"] == "/login/?next=/admin/noc/"


def test_the_noc_team_count_is_real(isp, other_isp, client):
    client.force_login(isp.noc)
    assert 'id="noc-team">1 / 1<' in page(client)
    second = add_noc(isp, "a-noc2", "01819000031")
    add_noc(other_isp, "b-noc2", "01819000032")  # another ISP's team does not count
    assert 'id="noc-team">2 / 2<' in page(client)
    with in_scope(isp.tenant):
        services.user_update(user=second, by=isp.ga, data={"is_active": False})
    assert 'id="noc-team">1 / 2<' in page(client)


def test_the_permissions_listed_are_the_users_own(isp, client):
    client.force_login(isp.noc)
    response = client.get(URL)
    codes = [p.code for p in response.context["my_permissions"]]
    assert codes == sorted(User.objects.get(pk=isp.noc.pk).permission_codes)
    assert codes == [
        "customers.disconnect",
        "customers.view",
        "ip_pools.manage",
        "monitoring.view",
        "routers.manage",
        "routers.view",
    ]
    assert set(codes).isdisjoint(FINANCIAL_CODES)


def test_the_local_time_is_in_the_tenants_zone(isp, client, monkeypatch):
    moment = datetime.datetime(2025, 3, 1, 18, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    client.force_login(isp.noc)
    html = page(client)
    assert "Local time (Asia/Dhaka)" in html
    assert ">00:30<" in html  # UTC+6
    assert "Sunday, 2 March 2025" in html
    Tenant.objects.filter(pk=isp.tenant.pk).update(time_zone="Asia/Kolkata")
    html = page(client)
    assert "Local time (Asia/Kolkata)" in html
    assert ">00:00<" in html  # UTC+5:30


def test_the_noc_panel_never_shows_money(isp, client):
    from decimal import Decimal

    from netbill.accounts.models import Operator

    Operator._base_manager.filter(pk=isp.op_x.pk).update(
        balance=Decimal("4321.00"), credit_limit=Decimal("8765.00")
    )
    client.force_login(isp.noc)
    html = page(client)
    for text in ("BDT", "4,321", "4321", "8,765", "8765", "Balance", "balance", "stat-balance"):
        assert text not in html
