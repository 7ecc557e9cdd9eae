"""/api/v1/routers/: write-only secrets, the test-connection and configure-radius actions
against the RouterOS simulator, and every failure as data (never a 500)."""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.network.choices import RouterStatusChoices as Status
from netbill.network.models import Router, VPNAccount

from .router_helpers import API_PASSWORD, RADIUS_SECRET, make_router, point_at, running_simulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim():
    with running_simulator(identity="Uttara Edge", board_name="hAP ac2") as s:
        yield s


@pytest.fixture
def fast(settings):
    settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT = 1.0
    settings.NETBILL_ROUTEROS_READ_TIMEOUT = 1.0


@pytest.fixture
def noc_client(client, isp):
    client.force_login(isp.noc)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_test_connection_reports_the_router(noc_client, isp, sim):
    router = point_at(make_router(by=isp.ga), sim)
    response = post(noc_client, reverse("api:router-test-connection", args=[router.pk]))
    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in ("ok", "kind", "label", "identity", "board")} == {
        "ok": True,
        "kind": "ok",
        "label": "Connected",
        "identity": "Uttara Edge",
        "board": "hAP ac2",
    }
    assert data["version"] == "7.16.2 (stable)" and data["uptime"]
    assert data["router"]["status"] == "online"
    assert data["router"]["identity"] == "Uttara Edge"


@pytest.mark.parametrize("kind", ["timeout", "auth", "api_disabled", "refused"])
def test_test_connection_reports_each_failure_as_data(noc_client, isp, sim, fast, kind):
    router = point_at(make_router(by=isp.ga), sim)
    if kind == "timeout":
        sim.faults.delay("/login", seconds=3)
    elif kind == "auth":
        sim.faults.reject_login = True
    elif kind == "api_disabled":
        sim.faults.api_disabled = True
    else:
        sim.stop()
    response = post(noc_client, reverse("api:router-test-connection", args=[router.pk]))
    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["kind"]) == (False, kind)
    assert data["message"]
    assert data["router"]["status"] == "offline"
    assert data["router"]["last_error"].startswith(data["label"] + ": ")


def test_configure_radius_then_nothing_to_change(noc_client, isp, sim):
    router = point_at(make_router(by=isp.ga), sim)
    url = reverse("api:router-configure-radius", args=[router.pk])
    first = post(noc_client, url).json()
    assert (first["ok"], first["changed"], len(first["changes"])) == (True, True, 3)
    sim.command_log.clear()
    second = post(noc_client, url).json()
    assert second == {
        "ok": True,
        "changed": False,
        "message": "Nothing to change: the router is already configured for RADIUS.",
        "changes": [],
    }
    assert not [c for c, _ in sim.command_log if c.endswith(("/add", "/set"))]


def test_configure_radius_on_a_failing_router_is_a_502(noc_client, isp, fast):
    router = make_router(by=isp.ga)
    response = post(noc_client, reverse("api:router-configure-radius", args=[router.pk]))
    assert response.status_code == 502
    data = response.json()
    assert (data["ok"], data["kind"]) == (False, "refused")
    assert data["message"].startswith("Connection refused: ")


def test_secrets_are_write_only_and_kept_when_blank(noc_client, isp):
    router = make_router(by=isp.ga)
    url = reverse("api:router-detail", args=[router.pk])
    body = noc_client.get(url).content.decode()
    assert API_PASSWORD not in body and RADIUS_SECRET not in body
    assert "api_password" not in body and "radius_secret" not in body
    response = noc_client.patch(
        url, {"radius_secret": "", "api_password": "Fresh-1"}, content_type="application/json"
    )
    assert response.status_code == 200
    with in_scope(isp.tenant):
        saved = Router.objects.get(pk=router.pk)
    assert (saved.api_password, saved.radius_secret) == ("Fresh-1", RADIUS_SECRET)


def test_create_needs_a_host_or_a_vpn_account(noc_client, isp):
    data = {"name": "R", "api_username": "a", "api_password": "b", "radius_secret": "c"}
    response = post(noc_client, reverse("api:router-list"), data)
    assert response.status_code == 400
    assert "host" in response.json()
    with in_scope(isp.tenant):
        account = VPNAccount.objects.create(
            tenant=isp.tenant, name="t", tunnel_address="10.255.1.1", private_key="k"
        )
    response = post(noc_client, reverse("api:router-list"), {**data, "vpn_account": account.pk})
    assert response.status_code == 201
    assert response.json()["host"] == "10.255.1.1"


def test_create_refuses_another_isps_vpn_account(noc_client, isp, other_isp):
    with in_scope(other_isp.tenant):
        theirs = VPNAccount.objects.create(
            tenant=other_isp.tenant, name="t", tunnel_address="10.255.1.2", private_key="k"
        )
    data = {
        "name": "R",
        "host": "10.0.0.1",
        "api_username": "a",
        "api_password": "b",
        "radius_secret": "c",
        "vpn_account": theirs.pk,
    }
    response = post(noc_client, reverse("api:router-list"), data)
    assert response.status_code == 400
    assert "vpn_account" in response.json()


def test_create_reports_a_duplicate_name_on_the_field(noc_client, isp):
    make_router(by=isp.ga, name="Core")
    data = {
        "name": "core",
        "host": "10.0.0.1",
        "api_username": "a",
        "api_password": "b",
        "radius_secret": "c",
    }
    response = post(noc_client, reverse("api:router-list"), data)
    assert response.status_code == 400
    assert response.json() == {"name": ["A router with this name already exists."]}


def test_list_filters_by_status(noc_client, isp):
    up = make_router(by=isp.ga, name="Up")
    make_router(by=isp.ga, name="Down")
    with in_scope(isp.tenant):
        Router.objects.filter(pk=up.pk).update(status=Status.ONLINE)
    response = noc_client.get(reverse("api:router-list"), {"status": "online"})
    assert [r["name"] for r in response.json()["results"]] == ["Up"]
    response = noc_client.get(reverse("api:router-list"), {"q": "dow"})
    assert [r["name"] for r in response.json()["results"]] == ["Down"]


def test_the_schema_documents_the_actions(client):
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/routers/{id}/test-connection/" in schema
    assert "/api/v1/routers/{id}/configure-radius/" in schema
