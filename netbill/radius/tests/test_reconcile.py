"""The first reconciler: one router's /ppp/active against open radacct sessions, and
every customer's expected rate against what RADIUS would send (issue 4, item 6).

The router is the RouterOS simulator (`routeros_sim_factory`); a session comes up with
`state.ppp_connect`. An unreachable router is a closed local port."""

import datetime
import ipaddress
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.services import customer_change_status
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.network.services.pools import ip_pool_ensure_suspended
from netbill.network.tests.router_helpers import API_PASSWORD, API_USER, make_router, point_at
from netbill.radius.groups import expected_replies
from netbill.radius.models import NAS, RadiusAccounting, RadiusCheck, RadiusGroupReply
from netbill.radius.reconcile import REJECT, expected_rate, radius_rates, reconcile_router

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


@pytest.fixture
def sim(routeros_sim_factory):
    return routeros_sim_factory(username=API_USER, password=API_PASSWORD)


@pytest.fixture
def world(isp, sim):
    """Operator X's customers rahim (active), karim (active, FUP package) and salma
    (suspended); a router pointed at the simulator; the suspended pool."""
    router = point_at(make_router(by=isp.ga, name="Mirpur Core"), sim)
    setup = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    with in_scope(isp.tenant):
        garden = ip_pool_ensure_suspended(tenant_id=isp.tenant.pk)
    rahim = make_customer(by=isp.ga, setup=setup, username="rahim", name="Rahim Uddin")
    karim = make_customer(by=isp.ga, setup=setup, username="karim", name="Karim Mia")
    salma = make_customer(by=isp.ga, setup=setup, username="salma", name="Salma Begum")
    with in_scope(isp.tenant):
        salma = customer_change_status(
            customer=salma, status="suspended", by=fresh_user(isp.ga), reason="Unpaid bill"
        )
    return isp, router, setup, garden, {"rahim": rahim, "karim": karim, "salma": salma}


def garden_address(garden) -> str:
    return str(next(ipaddress.ip_network(garden.subnet).hosts()))


def open_session(isp, username, *, nas="127.0.0.1", stopped=False):
    n = next(_seq)
    now = timezone.now()
    with in_scope(isp.tenant):
        return RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id=f"81a{n:05d}",
            unique_id=f"reconcile-{n}",
            username=username,
            nas_ip_address=nas,
            start_time=now - datetime.timedelta(hours=2),
            update_time=now - datetime.timedelta(minutes=3),
            stop_time=now if stopped else None,
            input_octets=120_000_000,
            output_octets=2_400_000_000,
        )


def online(sim, username, address):
    sim.state.ppp_connect(username, address=address, service="pppoe", **{"caller-id": "AA:BB"})


def reconcile(isp, router):
    with in_scope(isp.tenant):
        return reconcile_router(router)


def in_sync(world, sim):
    """rahim and salma (in the walled garden) online, with their open sessions."""
    isp, router, setup, garden, people = world
    online(sim, "rahim", "10.60.0.20")
    online(sim, "salma", garden_address(garden))
    open_session(isp, "rahim")
    open_session(isp, "salma")


#
# The comparison
#


def test_a_clean_state_reports_no_drift(world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    open_session(isp, "karim", stopped=True)  # a past session is no drift
    drift = reconcile(isp, router)
    assert drift.error == ""
    assert drift.clean
    assert (drift.online_count, drift.open_count, drift.customers_checked) == (2, 2, 3)
    assert drift.accounting_lost == []
    assert drift.stale_sessions == []
    assert drift.unexpected == []
    assert drift.rate_mismatches == []
    assert drift.missing_from_radius == []
    assert [c for c, _args in sim.command_log if c != "/login"] == ["/ppp/active/print"]


def test_online_without_an_open_session_is_accounting_lost(world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    online(sim, "karim", "10.60.0.21")
    drift = reconcile(isp, router)
    assert [(s.name, s.address, s.caller_id) for s in drift.accounting_lost] == [
        ("karim", "10.60.0.21", "AA:BB")
    ]
    assert drift.stale_sessions == [] and drift.unexpected == []
    assert drift.drift_count == 1 and not drift.clean


def test_an_open_session_the_router_lacks_is_stale(world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    stale = open_session(isp, "karim")
    open_session(isp, "karim", nas="10.255.0.9")  # another router's session: not ours
    drift = reconcile(isp, router)
    assert [row.pk for row in drift.stale_sessions] == [stale.pk]
    assert drift.accounting_lost == [] and drift.unexpected == []
    assert drift.drift_count == 1


def test_a_router_known_by_name_has_no_radacct_rows_to_match(world, sim):
    isp, router = world[0], world[1]
    online(sim, "rahim", "10.60.0.20")
    open_session(isp, "rahim")
    router.host = "localhost"  # not saved: the NAS lookup falls back to the host
    with in_scope(isp.tenant):
        NAS.objects.filter(router=router).delete()
        drift = reconcile_router(router)
    assert drift.nas_address == "localhost"
    assert drift.open_count == 0
    assert [s.name for s in drift.accounting_lost] == ["rahim"]


def test_strangers_disabled_and_suspended_outside_the_garden_should_not_be_online(world, sim):
    isp, router, setup, garden, people = world
    in_sync(world, sim)
    with in_scope(isp.tenant):
        customer_change_status(
            customer=people["karim"], status="disabled", by=fresh_user(isp.ga), reason="Left"
        )
    online(sim, "karim", "10.60.0.21")
    online(sim, "ghost", "10.60.0.99")
    # salma dials in again with a normal address: suspended, but outside the garden.
    sim.state.remove("/ppp/active", sim.state.find("/ppp/active", "salma")[".id"])
    online(sim, "salma", "10.60.0.30")
    for name in ("karim", "ghost"):
        open_session(isp, name)
    drift = reconcile(isp, router)
    assert {(u.session.name, u.reason, u.status) for u in drift.unexpected} == {
        ("karim", "Online while disabled", "disabled"),
        ("ghost", "Not a customer of this ISP", ""),
        ("salma", "Suspended but outside the walled garden", "suspended"),
    }
    assert drift.accounting_lost == [] and drift.stale_sessions == []


def test_a_suspended_customer_inside_the_garden_is_fine(world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    drift = reconcile(isp, router)
    assert drift.unexpected == []


def test_a_customer_of_another_isp_online_here_is_a_stranger(world, sim, other_isp):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    other_setup = customer_setup(other_isp, pool_subnet="10.61.0.0/22", label="Other")
    make_customer(by=other_isp.ga, setup=other_setup, username="babul")
    online(sim, "babul", "10.60.0.40")
    open_session(other_isp, "babul")  # the other ISP's accounting does not count here
    drift = reconcile(isp, router)
    assert [(u.session.name, u.customer_id) for u in drift.unexpected] == [("babul", None)]
    assert [s.name for s in drift.accounting_lost] == ["babul"]


#
# Rates
#


def test_expected_rate_follows_the_status(world):
    isp, router, setup, garden, people = world
    master = setup.master
    with in_scope(isp.tenant):
        rahim = people["rahim"]
        assert expected_rate(rahim) == master.rate_limit
        rahim.status = "fup"
        assert expected_rate(rahim) == master.fup_rate_limit != master.rate_limit
        rahim.status = "suspended"
        assert expected_rate(rahim, "256k/256k") == "256k/256k"
        rahim.status = "disabled"
        assert expected_rate(rahim) == REJECT


def test_the_rates_radius_would_send_match_expected_replies(world):
    isp, router, setup, garden, people = world
    with in_scope(isp.tenant):
        customer_change_status(
            customer=people["karim"], status="fup", by=fresh_user(isp.ga), reason="Over 100 GB"
        )
        rates = radius_rates(isp.tenant, ["rahim", "karim", "salma", "nobody"])
        assert set(rates) == {"rahim", "karim", "salma"}
        for username, rate in rates.items():
            assert rate == expected_replies(isp.tenant, username)["Mikrotik-Rate-Limit"]
        assert rates["karim"] == setup.master.fup_rate_limit
        # Without usernames: every user of the tenant, the same answers.
        assert radius_rates(isp.tenant) == rates


def test_a_rate_radius_would_not_send_and_a_customer_missing_from_radius(world, sim):
    isp, router, setup, garden, people = world
    in_sync(world, sim)
    wrong = "1M/1M"
    with in_scope(isp.tenant):
        # The package group was edited behind our back, and karim's rows were lost.
        RadiusGroupReply.objects.filter(
            groupname=f"{isp.tenant.slug}/pkg-{setup.master.pk}", attribute="Mikrotik-Rate-Limit"
        ).update(value=wrong)
        RadiusCheck.objects.filter(username="karim").delete()
    drift = reconcile(isp, router)
    assert [(m.username, m.status, m.expected, m.radius) for m in drift.rate_mismatches] == [
        ("rahim", "active", setup.master.rate_limit, wrong)
    ]
    assert drift.missing_from_radius == [(people["karim"].pk, "karim")]
    assert drift.accounting_lost == [] and drift.stale_sessions == []


def test_a_disabled_customer_radius_would_accept_is_a_mismatch(world, sim):
    isp, router, setup, garden, people = world
    with in_scope(isp.tenant):
        customer_change_status(
            customer=people["rahim"], status="disabled", by=fresh_user(isp.ga), reason="Left"
        )
        assert reconcile_router(router).rate_mismatches == []
        RadiusCheck.objects.filter(username="rahim", attribute="Auth-Type").delete()
        drift = reconcile_router(router)
    assert [(m.username, m.expected, m.radius) for m in drift.rate_mismatches] == [
        ("rahim", REJECT, setup.master.rate_limit)
    ]


#
# A router that does not answer
#


def test_a_router_that_is_down_gives_the_error_not_an_exception(world):
    isp, router, setup, garden, people = world
    down = make_router(by=isp.ga, name="Uttara Edge")  # a closed local port
    drift = reconcile(isp, down)
    assert drift.error_kind == "refused"
    assert drift.error.startswith("Connection refused: ")
    assert not drift.ok and not drift.clean
    assert drift.accounting_lost == [] and drift.stale_sessions == [] and drift.unexpected == []
    # The rate check needs no router: it is still made.
    assert drift.customers_checked == 3 and drift.rate_mismatches == []


def test_a_router_that_traps_gives_the_routers_words(world, sim):
    isp, router = world[0], world[1]
    sim.faults.trap("/ppp/active", message="not enough permissions (9)")
    drift = reconcile(isp, router)
    assert drift.error_kind == "trap"
    assert "not enough permissions (9)" in drift.error


#
# The page
#


def url(router):
    return reverse("radius:router_reconcile", args=[router.pk])


def test_the_page_shows_the_four_lists_with_counts(client, world, sim):
    isp, router, setup, garden, people = world
    in_sync(world, sim)
    online(sim, "ghost", "10.60.0.99")
    open_session(isp, "karim")
    client.force_login(fresh_user(isp.ga))
    with nothing_changes(isp.tenant, what="reconcile is a read"):
        response = client.get(url(router))
    assert response.status_code == 200
    body = response.content.decode()
    drift = response.context["drift"]
    assert f'<time datetime="{drift.checked_at.isoformat()}">Ran at ' in body
    assert [s.name for s in drift.accounting_lost] == ["ghost"]
    assert [r.username for r in drift.stale_sessions] == ["karim"]
    assert [u.session.name for u in drift.unexpected] == ["ghost"]
    for section, count in (
        ("drift-accounting-lost", 1),
        ("drift-stale", 1),
        ("drift-unexpected", 1),
        ("drift-rates", 0),
    ):
        start = body.index(f'id="{section}"')
        assert f'data-count="{count}"' in body[start : start + 600], section
    assert "Not a customer of this ISP" in body
    assert reverse("network:router", args=[router.pk]) in body


def test_the_page_says_so_when_nothing_drifts(client, world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    client.force_login(fresh_user(isp.ga))
    body = client.get(url(router)).content.decode()
    assert 'data-drift="clean"' in body


def test_the_page_shows_a_router_error(client, world):
    isp = world[0]
    down = make_router(by=isp.ga, name="Uttara Edge")
    client.force_login(fresh_user(isp.ga))
    response = client.get(url(down))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-drift-error="refused"' in body
    assert "Connection refused" in body


def test_a_noc_user_can_open_it(client, world, sim):
    isp, router = world[0], world[1]
    in_sync(world, sim)
    client.force_login(fresh_user(isp.noc))
    response = client.get(url(router))
    assert response.status_code == 200
    assert response.context["drift"].clean


def test_another_isps_router_is_404(client, world, other_isp):
    isp, router = world[0], world[1]
    client.force_login(fresh_user(other_isp.ga))
    with nothing_changes(isp.tenant, other_isp.tenant, what="other tenant"):
        assert client.get(url(router)).status_code == 404


def test_operators_cannot_open_it(client, world):
    isp, router = world[0], world[1]
    client.force_login(fresh_user(isp.user_x))
    assert client.get(url(router)).status_code == 403


def test_the_router_page_links_to_it(client, world):
    isp, router = world[0], world[1]
    client.force_login(fresh_user(isp.ga))
    body = client.get(reverse("network:router", args=[router.pk])).content.decode()
    assert url(router) in body
