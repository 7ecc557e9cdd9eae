"""The nas table follows the routers: events, and manage.py radius_sync_nas."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import TestCase

from conftest import in_scope
from netbill.network.services.routers import router_update
from netbill.network.tests.router_helpers import RADIUS_SECRET, make_router
from netbill.radius.models import NAS


def nas_rows(tenant):
    with in_scope(tenant):
        return list(NAS.objects.values_list("name", "short_name", "type", "ports", "secret"))


def test_a_new_router_becomes_a_nas(isp):
    with TestCase.captureOnCommitCallbacks(execute=True):
        router = make_router(by=isp.ga, host="10.9.0.1", coa_port=1700)
    assert nas_rows(isp.tenant) == [
        ("10.9.0.1", f"alpha-r{router.pk}", "other", 1700, RADIUS_SECRET)
    ]
    with in_scope(isp.tenant):
        assert NAS.objects.get().router == router


def test_editing_a_router_updates_its_nas_and_deactivating_removes_it(isp):
    with TestCase.captureOnCommitCallbacks(execute=True):
        router = make_router(by=isp.ga, host="10.9.0.1")
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        router_update(
            router=router,
            by=isp.ga,
            data={"host": "10.9.0.2", "radius_secret": "New-secret-1", "coa_port": 3799},
        )
    assert nas_rows(isp.tenant) == [
        ("10.9.0.2", f"alpha-r{router.pk}", "other", 3799, "New-secret-1")
    ]
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        router_update(router=router, by=isp.ga, data={"is_active": False})
    assert nas_rows(isp.tenant) == []


def test_an_address_taken_by_another_isps_router_is_not_added(isp, other_isp):
    with TestCase.captureOnCommitCallbacks(execute=True):
        make_router(by=isp.ga, host="10.9.0.1")
        make_router(by=other_isp.ga, host="10.9.0.1")
    assert [row[0] for row in nas_rows(isp.tenant)] == ["10.9.0.1"]
    assert nas_rows(other_isp.tenant) == []


def test_a_router_moved_onto_a_taken_address_loses_its_nas(isp):
    with TestCase.captureOnCommitCallbacks(execute=True):
        make_router(by=isp.ga, host="10.9.0.1")
        second = make_router(by=isp.ga, host="10.9.0.2")
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        router_update(router=second, by=isp.ga, data={"host": "10.9.0.1"})
    assert [row[0] for row in nas_rows(isp.tenant)] == ["10.9.0.1"]
    with in_scope(isp.tenant):
        assert NAS.objects.get().router != second


def test_radius_sync_nas_rebuilds_the_rows(isp, other_isp):
    # Routers made without running the events: no NAS rows yet.
    a = make_router(by=isp.ga, host="10.9.0.1")
    make_router(by=other_isp.ga, host="10.9.1.1")
    assert nas_rows(isp.tenant) == nas_rows(other_isp.tenant) == []
    out = StringIO()
    call_command("radius_sync_nas", "--tenant", "alpha", stdout=out)
    assert nas_rows(isp.tenant) == [("10.9.0.1", f"alpha-r{a.pk}", "other", 3799, RADIUS_SECRET)]
    assert nas_rows(other_isp.tenant) == []
    call_command("radius_sync_nas", stdout=out)
    assert [row[0] for row in nas_rows(other_isp.tenant)] == ["10.9.1.1"]
    assert "1 synced" in out.getvalue()


def test_radius_sync_nas_refuses_an_unknown_tenant(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("radius_sync_nas", "--tenant", "nope")
