"""The demo ISP's routers (seed_demo): "Mirpur Core CCR" answers Test Connection when the
simulator `make run` starts is up; "Uttara Edge" is offline from the start."""

import io

import pytest
from django.core.management import call_command
from django_scopes import scope

from netbill.accounts.models import User
from netbill.demo.management.commands import seed_demo
from netbill.network.choices import RouterStatusChoices as Status
from netbill.network.models import Router
from netbill.network.services.routers import router_test_connection
from netbill.tenancy.models import Tenant
from tools import devrun

from .router_helpers import running_simulator

pytestmark = pytest.mark.django_db


def test_demo_routers(monkeypatch):
    # The simulator as devrun starts it: same login, same identity.
    with running_simulator(
        username=devrun.ROUTER_USER, password=devrun.DEMO_PASSWORD, identity="Mirpur Core CCR"
    ) as sim:
        monkeypatch.setenv(seed_demo.DEMO_ROUTER_PORT_ENV, str(sim.port))
        call_command("seed_demo", "--quiet", stdout=io.StringIO())
        tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
        with scope(tenant=tenant.pk):
            routers = {r.name: r for r in Router.objects.all()}
            assert set(routers) == {"Mirpur Core CCR", "Uttara Edge"}
            assert routers["Uttara Edge"].status == Status.OFFLINE
            assert routers["Uttara Edge"].last_error.startswith("Connection refused: ")
            mirpur = routers["Mirpur Core CCR"]
            assert (mirpur.api_port, mirpur.status) == (sim.port, Status.UNKNOWN)
            admin = User.objects.get(username="admin")
            result = router_test_connection(router=mirpur, by=admin)
    assert result.ok and result.info.identity == "Mirpur Core CCR"
    assert seed_demo.DEMO_PASSWORD == devrun.DEMO_PASSWORD
    assert seed_demo.DEMO_ROUTER_USER == devrun.ROUTER_USER
    assert seed_demo.DEMO_ROUTER_PORT == devrun.ROUTER_PORT
    assert seed_demo.DEMO_ROUTER_PORT_ENV == devrun.ROUTER_PORT_ENV
