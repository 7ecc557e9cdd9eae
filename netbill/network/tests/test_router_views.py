"""The router pages: Test Connection on the add/edit forms and on the detail page (HTMX
partials and the no-JavaScript fallback), Configure for RADIUS, and the list. Every
failure is shown with its kind and the router's words, never as a server error."""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.network.choices import RouterStatusChoices as Status
from netbill.network.models import Router, VPNAccount

from .router_helpers import (
    API_PASSWORD,
    API_USER,
    closed_port,
    make_router,
    point_at,
    running_simulator,
    silent_router,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def sim():
    with running_simulator(identity="Mirpur Core CCR", board_name="CCR2004-16G-2S+") as s:
        yield s


@pytest.fixture
def fast(settings):
    settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT = 1.0
    settings.NETBILL_ROUTEROS_READ_TIMEOUT = 1.0


@pytest.fixture
def ga_client(client, isp):
    client.force_login(isp.ga)
    return client


def typed(sim, **overrides):
    data = {
        "name": "Mirpur Core",
        "host": sim.host,
        "api_port": str(sim.port),
        "api_username": API_USER,
        "api_password": API_PASSWORD,
        "radius_secret": "s3cret",
        "coa_port": "3799",
    }
    data.update(overrides)
    return data


#
# Test Connection on the add form
#


def test_add_form_test_connection_shows_the_router(ga_client, sim):
    response = ga_client.post(reverse("network:router_add_test"), typed(sim), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-result="ok"' in body
    for shown in ("Connected", "Mirpur Core CCR", "7.16.2 (stable)", "CCR2004-16G-2S+"):
        assert shown in body
    assert API_PASSWORD not in body
    assert sim.commands("/system/resource/print")  # it really logged in and asked


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("timeout", "Timed out"),
        ("refused", "Connection refused"),
        ("auth", "Wrong username or password"),
        ("api_disabled", "API service disabled"),
    ],
)
def test_add_form_test_connection_shows_each_failure(ga_client, sim, fast, kind, label):
    data = typed(sim)
    if kind == "timeout":
        sim.faults.delay("/login", seconds=3)
    elif kind == "refused":
        data["api_port"] = str(closed_port())
    elif kind == "auth":
        data["api_password"] = "wrong-password"
    else:
        sim.faults.api_disabled = True
    response = ga_client.post(reverse("network:router_add_test"), data, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-result="{kind}"' in body
    assert label in body
    if kind == "auth":
        assert "invalid user name or password (6)" in body
    assert "wrong-password" not in body


def test_add_form_test_connection_on_a_silent_router(ga_client, fast):
    with silent_router() as server:
        data = {
            "host": "127.0.0.1",
            "api_port": str(server.port),
            "api_username": "a",
            "api_password": "b",
        }
        response = ga_client.post(reverse("network:router_add_test"), data, headers=HTMX)
    assert response.status_code == 200
    assert 'data-result="timeout"' in response.content.decode()


def test_add_form_test_connection_asks_for_the_missing_fields(ga_client):
    response = ga_client.post(
        reverse("network:router_add_test"), {"host": "bad host!"}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-result="invalid"' in body
    assert "Enter a valid IP address or host name." in body
    assert "API username" in body


def test_add_form_test_connection_without_javascript_shows_the_form_again(ga_client, sim):
    response = ga_client.post(reverse("network:router_add_test"), typed(sim))
    assert response.status_code == 200
    assert response.templates[0].name == "network/router_edit.html"
    body = response.content.decode()
    assert 'data-result="ok"' in body and 'value="Mirpur Core"' in body
    with in_scope(response.wsgi_request.user.tenant):
        assert not Router.objects.exists()


def test_add_page_has_the_test_button(ga_client):
    body = ga_client.get(reverse("network:router_add")).content.decode()
    assert f'hx-post="{reverse("network:router_add_test")}"' in body
    assert "Test Connection" in body


def test_add_offers_only_the_isps_own_vpn_accounts(ga_client, isp, other_isp):
    accounts = {}
    for owner, address in ((isp, "10.255.0.2"), (other_isp, "10.255.0.3")):
        with in_scope(owner.tenant):
            accounts[owner.tenant.pk] = VPNAccount.objects.create(
                tenant=owner.tenant,
                name=f"vpn-{address}",
                tunnel_address=address,
                private_key="k",
                public_key="p",
            )
    form = ga_client.get(reverse("network:router_add")).context["form"]
    with in_scope(isp.tenant):
        assert list(form.fields["vpn_account"].queryset) == [accounts[isp.tenant.pk]]
    theirs = accounts[other_isp.tenant.pk]
    data = {
        "name": "R",
        "host": "",
        "api_port": "8728",
        "api_username": "a",
        "api_password": "b",
        "radius_secret": "c",
        "coa_port": "3799",
        "vpn_account": str(theirs.pk),
    }
    response = ga_client.post(reverse("network:router_add"), data)
    assert response.status_code == 200
    assert "vpn_account" in response.context["form"].errors


#
# Test Connection on the edit form
#


def test_edit_form_test_connection_uses_the_stored_password_when_blank(ga_client, isp, sim):
    router = make_router(by=isp.ga)
    data = typed(sim, api_password="")
    response = ga_client.post(
        reverse("network:router_edit_test", args=[router.pk]), data, headers=HTMX
    )
    assert 'data-result="ok"' in response.content.decode()
    assert sim.commands("/login")[-1] == {"name": API_USER, "password": API_PASSWORD}
    with in_scope(isp.tenant):
        assert Router.objects.get(pk=router.pk).status == Status.UNKNOWN  # nothing saved


def test_edit_form_test_connection_tries_a_typed_password(ga_client, isp, sim):
    router = make_router(by=isp.ga)
    data = typed(sim, api_password="typed-but-wrong")
    response = ga_client.post(
        reverse("network:router_edit_test", args=[router.pk]), data, headers=HTMX
    )
    assert 'data-result="auth"' in response.content.decode()


#
# Detail page: Test Connection and Configure for RADIUS
#


def test_detail_test_connection_updates_the_status(ga_client, isp, sim):
    router = point_at(make_router(by=isp.ga, name="Mirpur Core"), sim)
    url = reverse("network:router_test_connection", args=[router.pk])
    response = ga_client.post(url, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="router-status"' in body and 'data-status="online"' in body
    assert "Mirpur Core CCR" in body
    sim.stop()
    response = ga_client.post(url)  # without JavaScript: back to the page, with a message
    assert response.status_code == 302
    page = ga_client.get(response["Location"]).content.decode()
    assert "Connection refused: Connection refused by 127.0.0.1:" in page
    assert 'data-status="offline"' in page


def test_detail_configure_radius_lists_the_changes_then_nothing(ga_client, isp, sim):
    router = point_at(make_router(by=isp.ga), sim)
    url = reverse("network:router_configure_radius", args=[router.pk])
    first = ga_client.post(url, headers=HTMX).content.decode()
    assert 'data-result="changed"' in first
    assert "/radius add address=127.0.0.1 secret=******** " in first
    assert "/ppp/aaa set" in first and "/radius/incoming set" in first
    second = ga_client.post(url, headers=HTMX).content.decode()
    assert 'data-result="unchanged"' in second
    assert "Nothing to change" in second


def test_detail_configure_radius_without_javascript(ga_client, isp, sim):
    router = point_at(make_router(by=isp.ga), sim)
    url = reverse("network:router_configure_radius", args=[router.pk])
    response = ga_client.post(url)
    assert response.status_code == 302
    page = ga_client.get(response["Location"]).content.decode()
    assert "configured for RADIUS: 3 change(s)" in page
    assert "/ppp/aaa set" in page


def test_detail_configure_radius_shows_the_failure(ga_client, isp, fast):
    router = make_router(by=isp.ga)
    url = reverse("network:router_configure_radius", args=[router.pk])
    response = ga_client.post(url, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-result="error"' in body and "Connection refused" in body


def test_a_viewer_sees_no_buttons(client, isp):
    from netbill.core.testing.people import set_codes

    router = make_router(by=isp.ga)
    client.force_login(set_codes(isp.noc, revoke=["routers.manage"]))
    body = client.get(reverse("network:router", args=[router.pk])).content.decode()
    assert reverse("network:router_test_connection", args=[router.pk]) not in body
    assert reverse("network:router_edit", args=[router.pk]) not in body


#
# The list
#


def test_list_shows_status_and_last_checked(ga_client, isp, sim):
    up = point_at(make_router(by=isp.ga, name="Up"), sim)
    make_router(by=isp.ga, name="Down")
    ga_client.post(reverse("network:router_test_connection", args=[up.pk]))
    response = ga_client.get(reverse("network:router_list"))
    body = response.content.decode()
    assert 'data-status="online"' in body and 'data-status="unknown"' in body
    assert f"{sim.host}:{sim.port}" in body
    filtered = ga_client.get(reverse("network:router_list"), {"status": "online"})
    with in_scope(isp.tenant):
        assert [row.record.pk for row in filtered.context["table"].rows] == [up.pk]
