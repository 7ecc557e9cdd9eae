"""Customers made through the services, authenticated by a real FreeRADIUS with our
configuration and driven by radclient (issue 4, item 7).

Everything goes through the real code path: the customer services write radcheck /
radusergroup, the catalog writes the package groups, routers become `nas` rows through
`nas_upsert_for_router`. Rows are committed (transactional_db) before FreeRADIUS starts:
it reads its clients at startup and runs its own queries on its own connections.
"""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django_scopes import scopes_disabled

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.customers.queries import usage_totals
from netbill.customers.services import customer_change_status
from netbill.network.choices import IPPoolKindChoices
from netbill.network.models import IPPool
from netbill.network.tests.router_helpers import make_router
from netbill.radius.models import NAS, RadiusAccounting
from netbill.radius.services import nas_upsert_for_router
from netbill.radius.tests.mschapv2 import mschapv2_attributes

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db(transaction=True)

ALPHA_NAS, ALPHA_SECRET = "127.0.0.1", "alpha-radius-secret"
BETA_NAS, BETA_SECRET = "127.0.0.2", "beta-radius-secret"


def _router(isp, host, secret):
    router = make_router(by=isp.ga, host=host, radius_secret=secret)
    with in_scope(isp.tenant):
        nas = nas_upsert_for_router(router)
    assert nas is not None and nas.name == host
    return router


@pytest.fixture
def world(transactional_db, isp, other_isp):
    """Alpha and Beta, each with a package (10M/10M, FUP 100 GB then 2M/2M), a router
    whose `nas` row FreeRADIUS loads, and a customer "rahim" with its own password."""
    alpha = customer_setup(isp, label="Alpha")
    beta = customer_setup(other_isp, pool_subnet="10.70.0.0/22", label="Beta")
    _router(isp, ALPHA_NAS, ALPHA_SECRET)
    _router(other_isp, BETA_NAS, BETA_SECRET)
    rahim = make_customer(by=isp.ga, setup=alpha, username="rahim", password="alpha-pw")
    beta_rahim = make_customer(by=other_isp.ga, setup=beta, username="rahim", password="beta-pw")
    with scopes_disabled():  # both ISPs' routers are in the one `nas` table
        assert set(NAS.objects.values_list("name", flat=True)) == {ALPHA_NAS, BETA_NAS}
    return SimpleNamespace(
        isp=isp, other_isp=other_isp, alpha=alpha, beta=beta, rahim=rahim, beta_rahim=beta_rahim
    )


def login(server, username, password, *, nas=ALPHA_NAS, secret=ALPHA_SECRET):
    return server.auth(
        {"User-Name": username, "User-Password": password, "NAS-IP-Address": nas},
        secret=secret,
        source=nas,
    )


def change_status(isp, customer, status):
    with in_scope(isp.tenant):
        return customer_change_status(
            customer=customer, status=status, by=fresh_user(isp.ga), reason=f"Test: {status}"
        )


def test_an_active_customer_is_accepted_with_its_packages_rate_and_pool(freeradius, world):
    server = freeradius()
    pap = login(server, "rahim", "alpha-pw")
    assert pap.code == "Access-Accept", pap.output
    assert pap.attributes["Mikrotik-Rate-Limit"] == "10M/10M"
    assert pap.attributes["Framed-Pool"] == world.alpha.pool.name == "alpha-pool"
    assert pap.attributes["Acct-Interim-Interval"] == "300"

    mschap = server.auth(mschapv2_attributes("rahim", "alpha-pw"), secret=ALPHA_SECRET)
    assert mschap.code == "Access-Accept", mschap.output
    assert "MS-CHAP2-Success" in mschap.attributes
    assert mschap.attributes["Mikrotik-Rate-Limit"] == "10M/10M"
    assert mschap.attributes["Framed-Pool"] == "alpha-pool"


def test_a_wrong_password_is_rejected(freeradius, world):
    server = freeradius()
    assert login(server, "rahim", "wrong-pw").code == "Access-Reject"
    mschap = server.auth(mschapv2_attributes("rahim", "beta-pw"), secret=ALPHA_SECRET)
    assert mschap.code == "Access-Reject", mschap.output
    assert login(server, "nobody", "alpha-pw").code == "Access-Reject"


def test_a_suspended_customer_is_accepted_into_the_walled_garden(freeradius, world):
    change_status(world.isp, world.rahim, "suspended")
    with in_scope(world.isp.tenant):
        pool = IPPool.objects.get(tenant=world.isp.tenant, kind=IPPoolKindChoices.SUSPENDED)
    server = freeradius()
    reply = login(server, "rahim", "alpha-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Framed-Pool"] == pool.name
    assert reply.attributes["Mikrotik-Address-List"] == "suspended"
    assert reply.attributes["Mikrotik-Rate-Limit"] == "256k/256k"
    # Back to active: the package again.
    change_status(world.isp, world.rahim, "active")
    again = login(server, "rahim", "alpha-pw")
    assert (again.code, again.attributes["Framed-Pool"]) == ("Access-Accept", "alpha-pool")


def test_a_disabled_customer_is_rejected(freeradius, world):
    change_status(world.isp, world.rahim, "disabled")
    server = freeradius()
    assert login(server, "rahim", "alpha-pw").code == "Access-Reject"
    mschap = server.auth(mschapv2_attributes("rahim", "alpha-pw"), secret=ALPHA_SECRET)
    assert mschap.code == "Access-Reject", mschap.output


def test_a_username_from_the_other_isps_nas_is_rejected(freeradius, world):
    server = freeradius()
    # Alpha's rahim through Beta's router: Beta's rahim has another password.
    stray = login(server, "rahim", "alpha-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert stray.code == "Access-Reject", stray.output
    # Beta's rahim is accepted there, into Beta's package.
    own = login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert own.code == "Access-Accept", own.output
    assert own.attributes["Framed-Pool"] == "beta-pool"
    # …and refused through Alpha's.
    assert login(server, "rahim", "beta-pw").code == "Access-Reject"


def test_accounting_makes_one_row_with_64_bit_octets_and_the_usage_shows(freeradius, world):
    server = freeradius()
    session = {
        "User-Name": "rahim",
        "Acct-Session-Id": "81a00001",
        "NAS-IP-Address": ALPHA_NAS,
        "NAS-Port-Id": "pppoe-rahim",
        "Framed-IP-Address": "10.60.0.10",
    }

    def acct(**attributes):
        reply = server.acct({**session, **attributes}, secret=ALPHA_SECRET, source=ALPHA_NAS)
        assert reply.code == "Accounting-Response", reply.output

    acct(**{"Acct-Status-Type": "Start", "Event-Timestamp": 1764115200})
    acct(
        **{
            "Acct-Status-Type": "Interim-Update",
            "Event-Timestamp": 1764115500,
            "Acct-Session-Time": 300,
            "Acct-Input-Octets": 5_000_000,
            "Acct-Input-Gigawords": 1,
            "Acct-Output-Octets": 7,
            "Acct-Output-Gigawords": 2,
        }
    )
    with in_scope(world.isp.tenant):
        row = RadiusAccounting.objects.get()
        assert (row.stop_time, row.input_octets) == (None, 2**32 + 5_000_000)
        assert row.output_octets == 2 * 2**32 + 7
        assert usage_totals(world.rahim) == {
            "upload": 2**32 + 5_000_000,
            "download": 2 * 2**32 + 7,
        }
    acct(
        **{
            "Acct-Status-Type": "Stop",
            "Event-Timestamp": 1764115800,
            "Acct-Session-Time": 600,
            "Acct-Input-Octets": 6_000_000,
            "Acct-Input-Gigawords": 3,
            "Acct-Output-Octets": 9_000_000,
            "Acct-Output-Gigawords": 4,
            "Acct-Terminate-Cause": "User-Request",
        }
    )
    with scopes_disabled():  # the row must be Alpha's, and the only one anywhere
        rows = list(RadiusAccounting.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert (row.tenant_id, row.username, row.session_id) == (
        world.isp.tenant.pk,
        "rahim",
        "81a00001",
    )
    assert (row.start_time.timestamp(), row.stop_time.timestamp()) == (1764115200, 1764115800)
    assert (row.session_time, row.terminate_cause) == (600, "User-Request")
    assert row.input_octets == 3 * 2**32 + 6_000_000
    assert row.output_octets == 4 * 2**32 + 9_000_000
    with in_scope(world.isp.tenant):
        assert usage_totals(world.rahim) == {
            "upload": 3 * 2**32 + 6_000_000,
            "download": 4 * 2**32 + 9_000_000,
        }
    with in_scope(world.other_isp.tenant):  # Beta's rahim used nothing
        assert usage_totals(world.beta_rahim) == {"upload": 0, "download": 0}


def test_simultaneous_use_rejects_a_second_login_while_a_session_is_open(freeradius, world):
    server = freeradius()
    session = {"User-Name": "rahim", "Acct-Session-Id": "s-1", "NAS-IP-Address": ALPHA_NAS}
    start = server.acct({**session, "Acct-Status-Type": "Start"}, secret=ALPHA_SECRET)
    assert start.code == "Accounting-Response", start.output
    second = login(server, "rahim", "alpha-pw")
    assert second.code == "Access-Reject", second.output
    # Beta's rahim is another customer: Alpha's open session does not count for it.
    beta = login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert beta.code == "Access-Accept", beta.output
    stop = server.acct({**session, "Acct-Status-Type": "Stop"}, secret=ALPHA_SECRET)
    assert stop.code == "Accounting-Response", stop.output
    assert login(server, "rahim", "alpha-pw").code == "Access-Accept"


def test_a_fup_customer_gets_the_fup_rate(freeradius, world):
    change_status(world.isp, world.rahim, "fup")
    server = freeradius()
    reply = login(server, "rahim", "alpha-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Mikrotik-Rate-Limit"] == "2M/2M"
    assert reply.attributes["Framed-Pool"] == "alpha-pool"
    # Beta's rahim still gets its package's rate.
    beta = login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert beta.attributes["Mikrotik-Rate-Limit"] == "10M/10M"


def test_usage_past_the_limit_moves_the_customer_to_the_fup_rate(freeradius, world):
    """The whole FUP path: FreeRADIUS records 103 GB, the FUP job moves the customer to
    the FUP group, and the next login gets the FUP rate."""
    from django.utils import timezone

    from netbill.customers.fup import cycle_start, enforce_fup

    server = freeradius()
    now = int(timezone.now().timestamp())
    zone = zoneinfo.ZoneInfo(world.isp.tenant.time_zone)
    with in_scope(world.isp.tenant):
        since = cycle_start(world.rahim, timezone.localdate(timezone=zone))
    # Ten minutes ago, but never before the cycle began (a run just after midnight).
    started = max(now - 600, int(dt.datetime.combine(since, dt.time.min, zone).timestamp()))
    session = {"User-Name": "rahim", "Acct-Session-Id": "big-1", "NAS-IP-Address": ALPHA_NAS}
    for attributes in (
        {"Acct-Status-Type": "Start", "Event-Timestamp": started},
        {
            "Acct-Status-Type": "Stop",
            "Event-Timestamp": now,
            "Acct-Session-Time": now - started,
            "Acct-Input-Octets": 1_000_000,
            "Acct-Output-Gigawords": 24,  # 24 × 2^32 ≈ 103.08 GB downloaded
            "Acct-Output-Octets": 0,
        },
    ):
        reply = server.acct({**session, **attributes}, secret=ALPHA_SECRET)
        assert reply.code == "Accounting-Response", reply.output
    assert login(server, "rahim", "alpha-pw").attributes["Mikrotik-Rate-Limit"] == "10M/10M"

    with in_scope(world.isp.tenant):
        result = enforce_fup(tenant=world.isp.tenant)
    assert result == {"fup": ["rahim"], "reset": [], "skipped": []}
    reply = login(server, "rahim", "alpha-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Mikrotik-Rate-Limit"] == "2M/2M"
    with in_scope(world.other_isp.tenant):  # Beta's rahim: untouched
        assert enforce_fup(tenant=world.other_isp.tenant)["fup"] == []
    beta = login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert beta.attributes["Mikrotik-Rate-Limit"] == "10M/10M"
