"""CoA-Request and Disconnect-Request to a pyrad fake NAS: what is sent, what is stored,
the fallback to Disconnect, and that another ISP's router is never contacted."""

import datetime
import itertools
import logging
from types import SimpleNamespace

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from conftest import in_scope
from netbill.catalog.services import master_package_update
from netbill.catalog.tests.helpers import make_master_package, make_operator_package
from netbill.core.testing.people import fresh_user
from netbill.customers.services import customer_change_package, customer_change_status
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.network.tests.router_helpers import RADIUS_SECRET, make_router
from netbill.radius import coa, tasks
from netbill.radius.coa import push
from netbill.radius.models import CoAAttempt, RadiusAccounting
from netbill.radius.services import nas_upsert_for_router

ACK, NAK, TIMEOUT = CoAAttempt.Outcome.ACK, CoAAttempt.Outcome.NAK, CoAAttempt.Outcome.TIMEOUT
ERROR, NO_SESSION = CoAAttempt.Outcome.ERROR, CoAAttempt.Outcome.NO_SESSION
COA, DISCONNECT = CoAAttempt.Kind.COA, CoAAttempt.Kind.DISCONNECT

_session_seq = itertools.count(1)


def open_session(tenant, username, *, nas_ip, framed_ip="10.60.0.20", stopped=False):
    """A radacct row as FreeRADIUS writes it on Accounting-Start (open unless `stopped`)."""
    n = next(_session_seq)
    now = timezone.now()
    with in_scope(tenant):
        return RadiusAccounting.objects.create(
            tenant=tenant,
            session_id=f"81a{n:05d}",
            unique_id=f"coa-test-{tenant.slug}-{n}",
            username=username,
            nas_ip_address=nas_ip,
            start_time=now - datetime.timedelta(hours=1),
            update_time=now,
            stop_time=now if stopped else None,
            framed_ip_address=framed_ip,
        )


def router_at(isp, nas, **fields):
    """A router of `isp` whose CoA listener is the fake NAS `nas`, with its nas row."""
    router = make_router(by=isp.ga, host=nas.host, coa_port=nas.port, **fields)
    with in_scope(isp.tenant):
        assert nas_upsert_for_router(router) is not None
    return router


def attempts(tenant, username=None):
    with in_scope(tenant):
        rows = CoAAttempt.objects.order_by("id")
        if username is not None:
            rows = rows.filter(username=username)
        return list(rows)


def outcomes(rows):
    return [(a.kind, a.outcome, a.error_cause) for a in rows]


@pytest.fixture
def online(isp, fake_nas):
    """An active customer of operator X with one open session on a router whose CoA
    port is the fake NAS."""
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup)
    router = router_at(isp, fake_nas)
    session = open_session(isp.tenant, customer.username, nas_ip=fake_nas.host)
    return SimpleNamespace(
        setup=setup, customer=customer, router=router, session=session, nas=fake_nas
    )


def identity(online):
    return {
        "User-Name": online.customer.username,
        "Acct-Session-Id": online.session.session_id,
        "Framed-IP-Address": "10.60.0.20",
    }


def do_push(isp, username, action, reason="test"):
    with in_scope(isp.tenant):
        return push(tenant=isp.tenant, username=username, action=action, reason=reason)


#
# push(): outcomes
#


def test_a_coa_ack_is_stored_with_the_attributes_sent(isp, online):
    rate = online.setup.master.rate_limit
    result = do_push(isp, online.customer.username, "coa", reason="package changed")

    sent = identity(online) | {"Mikrotik-Rate-Limit": rate}
    assert [(p.code, p.attributes) for p in online.nas.received] == [("CoA-Request", sent)]
    assert outcomes(result) == [(COA, ACK, None)]
    stored = attempts(isp.tenant)
    assert stored == result
    row = stored[0]
    assert (row.username, row.router, row.nas_address, row.session_id, row.reason) == (
        online.customer.username,
        online.router,
        "127.0.0.1",
        online.session.session_id,
        "package changed",
    )
    assert row.attributes == sent


def test_a_coa_nak_falls_back_to_a_disconnect(isp, online):
    online.nas.answer(coa="nak", error_cause=503)
    result = do_push(isp, online.customer.username, "coa")

    assert outcomes(result) == [(COA, NAK, 503), (DISCONNECT, ACK, None)]
    assert outcomes(attempts(isp.tenant)) == outcomes(result)
    assert online.nas.codes() == ["CoA-Request", "Disconnect-Request"]
    # The Disconnect names the session only.
    assert online.nas.received[1].attributes == identity(online)
    assert result[1].attributes == identity(online)


def test_a_coa_timeout_falls_back_to_a_disconnect(isp, online):
    online.nas.answer(coa="silence")
    result = do_push(isp, online.customer.username, "coa")

    assert outcomes(result) == [(COA, TIMEOUT, None), (DISCONNECT, ACK, None)]
    assert online.nas.codes() == ["CoA-Request", "Disconnect-Request"]
    assert result[0].detail == "No answer from the router."


def test_a_silent_router_records_two_timeouts(isp, online):
    online.nas.answer(coa="silence", disconnect="silence")
    result = do_push(isp, online.customer.username, "coa")
    assert outcomes(result) == [(COA, TIMEOUT, None), (DISCONNECT, TIMEOUT, None)]


def test_a_disconnect_nak_keeps_its_error_cause_and_is_not_retried_as_anything(isp, online):
    online.nas.answer(disconnect="nak", error_cause=504)
    result = do_push(isp, online.customer.username, "disconnect")
    assert outcomes(result) == [(DISCONNECT, NAK, 504)]
    assert online.nas.codes() == ["Disconnect-Request"]
    assert online.nas.received[0].attributes == identity(online)


def test_retries_resend_the_packet(isp, online, settings):
    settings.NETBILL_COA_TIMEOUT = 0.2
    settings.NETBILL_COA_RETRIES = 1
    online.nas.answer(disconnect="silence")
    result = do_push(isp, online.customer.username, "disconnect")
    assert outcomes(result) == [(DISCONNECT, TIMEOUT, None)]
    assert online.nas.codes() == ["Disconnect-Request", "Disconnect-Request"]


def test_a_packet_signed_with_another_secret_gets_no_answer(isp, online):
    online.nas.secret = "Not-the-router-secret"
    result = do_push(isp, online.customer.username, "disconnect")
    assert outcomes(result) == [(DISCONNECT, TIMEOUT, None)]
    assert online.nas.received == []


def test_without_an_open_session_one_no_session_row_is_stored(isp, fake_nas):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup)
    router_at(isp, fake_nas)
    open_session(isp.tenant, customer.username, nas_ip=fake_nas.host, stopped=True)

    result = do_push(isp, customer.username, "disconnect", reason="status active → suspended")

    assert outcomes(result) == [(DISCONNECT, NO_SESSION, None)]
    row = attempts(isp.tenant)[0]
    assert (row.username, row.router, row.session_id, row.reason) == (
        customer.username,
        None,
        "",
        "status active → suspended",
    )
    assert fake_nas.received == []


def test_every_open_session_gets_its_packet(isp, online):
    second = open_session(
        isp.tenant, online.customer.username, nas_ip=online.nas.host, framed_ip=None
    )
    result = do_push(isp, online.customer.username, "disconnect")
    assert outcomes(result) == [(DISCONNECT, ACK, None)] * 2
    assert [p.attributes for p in online.nas.received] == [
        identity(online),
        {"User-Name": online.customer.username, "Acct-Session-Id": second.session_id},
    ]


def test_an_unknown_action_is_refused(isp, online):
    with pytest.raises(ValueError):
        do_push(isp, online.customer.username, "reboot")
    assert attempts(isp.tenant) == []
    assert online.nas.received == []


#
# Events: package and status changes reach the live session
#


def test_a_package_change_sends_a_coa_with_the_new_rate(
    isp, online, django_capture_on_commit_callbacks
):
    fast_master = make_master_package(
        by=isp.ga,
        name="Fast 50M",
        pppoe_profile=online.setup.profile,
        download_kbps=50_000,
        upload_kbps=20_000,
        connection_types=["pppoe"],
    )
    fast = make_operator_package(by=isp.ga, operator=isp.op_x, master_package=fast_master)
    assert fast_master.rate_limit != online.setup.master.rate_limit

    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        customer_change_package(customer=online.customer, package=fast, by=fresh_user(isp.ga))

    assert [(p.code, p.attributes) for p in online.nas.received] == [
        ("CoA-Request", identity(online) | {"Mikrotik-Rate-Limit": fast_master.rate_limit})
    ]
    stored = attempts(isp.tenant)
    assert outcomes(stored) == [(COA, ACK, None)]
    assert stored[0].reason == "package changed"


def test_a_suspension_sends_a_disconnect(isp, online, django_capture_on_commit_callbacks):
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        customer_change_status(
            customer=online.customer, status="suspended", by=fresh_user(isp.ga), reason="Unpaid"
        )

    assert online.nas.codes() == ["Disconnect-Request"]
    packet = online.nas.received[0].attributes
    assert packet["User-Name"] == online.customer.username
    assert packet["Acct-Session-Id"] == online.session.session_id
    assert "Mikrotik-Rate-Limit" not in packet
    stored = attempts(isp.tenant)
    assert outcomes(stored) == [(DISCONNECT, ACK, None)]
    assert stored[0].reason == "status active → suspended"


def test_reactivation_disconnects_and_fup_is_a_coa(isp, online, django_capture_on_commit_callbacks):
    by = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        with django_capture_on_commit_callbacks(execute=True):
            customer_change_status(
                customer=online.customer, status="fup", by=by, reason="", system=True
            )
        with django_capture_on_commit_callbacks(execute=True):
            customer_change_status(customer=online.customer, status="active", by=by, reason="Ok")
        with django_capture_on_commit_callbacks(execute=True):
            customer_change_status(customer=online.customer, status="disabled", by=by, reason="x")
        with django_capture_on_commit_callbacks(execute=True):
            customer_change_status(customer=online.customer, status="active", by=by, reason="y")

    master = online.setup.master
    assert [(p.code, p.attributes.get("Mikrotik-Rate-Limit")) for p in online.nas.received] == [
        ("CoA-Request", master.fup_rate_limit),
        ("CoA-Request", master.rate_limit),
        ("Disconnect-Request", None),
        ("Disconnect-Request", None),
    ]


def test_a_master_package_edit_sends_a_coa_to_its_online_customers_only(
    isp, online, django_capture_on_commit_callbacks
):
    offline = make_customer(by=isp.ga, setup=online.setup)
    other_setup = customer_setup(isp, label="Other", pool_subnet="10.61.0.0/24")
    elsewhere = make_customer(by=isp.ga, setup=other_setup)
    open_session(isp.tenant, elsewhere.username, nas_ip=online.nas.host)

    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        master = master_package_update(
            package=online.setup.master, by=fresh_user(isp.ga), data={"download_kbps": 30_000}
        )

    assert [(p.code, p.attributes) for p in online.nas.received] == [
        ("CoA-Request", identity(online) | {"Mikrotik-Rate-Limit": master.rate_limit})
    ]
    assert master.rate_limit != online.setup.master.rate_limit
    assert [(a.username, a.kind, a.outcome) for a in attempts(isp.tenant)] == [
        (online.customer.username, COA, ACK)
    ]
    assert attempts(isp.tenant, offline.username) == []


def test_with_the_broker_down_the_push_runs_inline(
    isp, online, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(**kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.coa_push_task, "delay", unreachable)
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        customer_change_status(
            customer=online.customer, status="suspended", by=fresh_user(isp.ga), reason="Unpaid"
        )
    assert online.nas.codes() == ["Disconnect-Request"]
    assert outcomes(attempts(isp.tenant)) == [(DISCONNECT, ACK, None)]


#
# Isolation and secrecy
#


def test_another_isps_router_is_never_contacted(isp, other_isp, fake_nas, fake_nas_factory):
    theirs = fake_nas_factory(host="127.0.0.2")
    router_at(other_isp, theirs)
    our_router = router_at(isp, fake_nas)
    setup = customer_setup(isp)
    ours = make_customer(by=isp.ga, setup=setup, username="same-name")
    their_setup = customer_setup(other_isp)
    make_customer(by=other_isp.ga, setup=their_setup, username="same-name")
    # Their customer of the same name is online on their router; ours has one session on
    # our router and one row claiming their router's address.
    open_session(other_isp.tenant, "same-name", nas_ip=theirs.host)
    mine = open_session(isp.tenant, ours.username, nas_ip=fake_nas.host)
    stray = open_session(isp.tenant, ours.username, nas_ip=theirs.host)

    result = do_push(isp, "same-name", "disconnect")

    assert theirs.received == []
    assert [p.attributes["Acct-Session-Id"] for p in fake_nas.received] == [mine.session_id]
    assert [(a.session_id, a.outcome, a.router_id) for a in result] == [
        (mine.session_id, ACK, our_router.pk),
        (stray.session_id, ERROR, None),
    ]
    assert result[1].detail == "No router of this ISP has the NAS address 127.0.0.2."
    assert attempts(other_isp.tenant) == []


def test_the_secret_is_in_no_attempt_row_and_no_log_record(isp, online, caplog):
    caplog.set_level(logging.DEBUG)
    online.nas.answer(coa="nak", error_cause=503, disconnect="silence")
    open_session(isp.tenant, online.customer.username, nas_ip="127.0.0.9")

    result = do_push(isp, online.customer.username, "coa")

    assert sorted(outcomes(result), key=str) == sorted(
        [(COA, NAK, 503), (DISCONNECT, TIMEOUT, None), (COA, ERROR, None)], key=str
    )
    with in_scope(isp.tenant):
        rows = list(CoAAttempt.objects.values())
    assert len(rows) == 3
    assert RADIUS_SECRET not in repr(rows)
    assert caplog.records, "the attempts are logged"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert RADIUS_SECRET not in text


def test_the_source_address_is_used_only_when_it_can_reach_the_router(settings):
    settings.NETBILL_RADIUS_ADDRESS = "127.0.0.1"
    assert coa._source_address("127.0.0.1") == "127.0.0.1"
    assert coa._source_address("10.9.0.1") is None  # loopback cannot reach it
    settings.NETBILL_RADIUS_ADDRESS = "192.0.2.77"  # TEST-NET: not on this machine
    assert coa._source_address("10.9.0.1") is None
    settings.NETBILL_RADIUS_ADDRESS = "radius.example"
    assert coa._source_address("127.0.0.1") is None
