"""Auto-suspension and restore end to end: a real FreeRADIUS with our configuration
(radclient Access-Requests), and a fake NAS receiving the Disconnect-Requests.

A customer is billed; its bill goes overdue past the grace days; the suspension run
moves it to the suspended group (walled-garden pool, 256k) and disconnects its session;
paying the full due restores it: the package's rate and pool again. The circuit
breaker holds a run that would suspend too many until a Group Admin confirms it;
"never auto-suspend" and a promise-to-pay date exempt a customer."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from conftest import in_scope
from netbill.billing.choices import BillRunStatusChoices
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute
from netbill.billing.services import (
    AUTO_SUSPEND_REASON,
    billing_settings_for,
    customer_set_billing_exemptions,
    suspension_run_confirm,
    suspension_run_execute,
)
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.network.choices import IPPoolKindChoices
from netbill.network.models import IPPool
from netbill.network.tests.router_helpers import RADIUS_SECRET
from netbill.payments.services import payment_receive
from netbill.radius.models import RadiusAccounting
from netbill.radius.tests.test_coa import open_session, router_at

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
# The first of next month (a promise to pay must lie in the future, so the dates follow
# the clock): the monthly bill's due date; grace is 3 days.
_today = date.today()
BILLED_ON = date(_today.year + _today.month // 12, _today.month % 12 + 1, 1)
IN_GRACE_ON = BILLED_ON + timedelta(days=3)
OVERDUE_ON = BILLED_ON + timedelta(days=4)  # due date + grace has passed


def login(server, username, password):
    return server.auth(
        {"User-Name": username, "User-Password": password, "NAS-IP-Address": "127.0.0.1"},
        secret=RADIUS_SECRET,
    )


def set_breaker(tenant, percent):
    with in_scope(tenant):
        row = billing_settings_for(tenant)
        row.suspension_breaker_percent = D(percent)
        row.save()


@pytest.fixture
def world(isp, fake_nas, freeradius):
    """Operator X's customers "rahim" (to be suspended) and "karim" (paid up), billed
    on 1 December by the monthly run; a router whose CoA port is the fake NAS, and an
    open session of each customer on it. FreeRADIUS is started last (it reads the NAS
    rows at startup)."""
    with in_scope(isp.tenant):
        row = billing_settings_for(isp.tenant)
        row.first_bill = "none"  # the monthly run bills them
        row.save()
    setup = customer_setup(isp)
    router_at(isp, fake_nas)
    customers = {
        name: make_customer(
            by=isp.ga,
            setup=setup,
            username=name,
            password=f"{name}-pw",
            connection_date=date(2026, 1, 1),
        )
        for name in ("rahim", "karim")
    }
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=BILLED_ON)
        assert run.billed == 2
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        payment_receive(customer=customers["karim"], by=ga, amount="600.00")
        suspended_pool = IPPool.objects.get(kind=IPPoolKindChoices.SUSPENDED).name
    server = freeradius()
    return SimpleNamespace(
        isp=isp,
        tenant=isp.tenant,
        ga=ga,
        setup=setup,
        nas=fake_nas,
        server=server,
        suspended_pool=suspended_pool,
        **customers,
    )


def online(world, name):
    """The customer dials in: an open radacct session on the fake NAS's router."""
    return open_session(world.tenant, name, nas_ip=world.nas.host)


def offline(world, name):
    """The router dropped the session (its Accounting-Stop): FreeRADIUS refuses a
    second login while one is open (Simultaneous-Use)."""
    with in_scope(world.tenant):
        RadiusAccounting.objects.filter(username=name, stop_time__isnull=True).update(
            stop_time=timezone.now()
        )


def assert_package_reply(world, name):
    reply = login(world.server, name, f"{name}-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Mikrotik-Rate-Limit"] == world.setup.master.rate_limit == "10M/10M"
    assert reply.attributes["Framed-Pool"] == world.setup.pool.name
    assert "Mikrotik-Address-List" not in reply.attributes


def assert_suspended_reply(world, name):
    reply = login(world.server, name, f"{name}-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Framed-Pool"] == world.suspended_pool
    assert reply.attributes["Mikrotik-Address-List"] == "suspended"
    assert reply.attributes["Mikrotik-Rate-Limit"] == "256k/256k"


def status(world, customer):
    with in_scope(world.tenant):
        return Customer.objects.get(pk=customer.pk).status


def test_overdue_customer_is_suspended_then_restored_by_paying(world):
    set_breaker(world.tenant, "100")
    assert_package_reply(world, "rahim")
    sessions = {name: online(world, name) for name in ("rahim", "karim")}

    # Within the grace days nobody is suspended.
    with in_scope(world.tenant):
        early = suspension_run_execute(tenant=world.tenant, on=IN_GRACE_ON)
    assert (early.status, early.suspended) == (BillRunStatusChoices.DONE, 0)
    assert world.nas.received == []

    with in_scope(world.tenant):
        run = suspension_run_execute(tenant=world.tenant, on=OVERDUE_ON)
    assert (run.status, run.considered, run.suspended) == (BillRunStatusChoices.DONE, 1, 1)
    assert status(world, world.rahim) == "suspended"
    assert status(world, world.karim) == "active"  # paid: untouched
    with in_scope(world.tenant):
        assert Customer.objects.get(pk=world.rahim.pk).status_reason == AUTO_SUSPEND_REASON
    # The router was told to drop rahim's session (and nobody else's) …
    assert [(p.code, p.attributes["User-Name"]) for p in world.nas.received] == [
        ("Disconnect-Request", "rahim")
    ]
    assert world.nas.received[0].attributes["Acct-Session-Id"] == sessions["rahim"].session_id
    # … and when rahim dials in again, FreeRADIUS puts it in the walled garden.
    offline(world, "rahim")
    assert_suspended_reply(world, "rahim")
    offline(world, "karim")
    assert_package_reply(world, "karim")

    # A second run the same day suspends nobody new and sends nothing.
    with in_scope(world.tenant):
        again = suspension_run_execute(tenant=world.tenant, on=OVERDUE_ON)
    assert (again.considered, again.suspended) == (0, 0)
    assert len(world.nas.received) == 1

    # Paying part of the due does not restore.
    with in_scope(world.tenant):
        payment_receive(customer=world.rahim, by=world.ga, amount="100.00")
    assert status(world, world.rahim) == "suspended"
    assert_suspended_reply(world, "rahim")
    assert len(world.nas.received) == 1

    # Paying the rest does: package group, then the router is told.
    walled = online(world, "rahim")
    with in_scope(world.tenant):
        bill = Bill.objects.get(customer=world.rahim)
        assert bill.due == D("500.00")
        payment_receive(customer=world.rahim, by=world.ga, amount=str(bill.due))
        bill.refresh_from_db()
        assert bill.status == "paid"
    assert status(world, world.rahim) == "active"
    restore = world.nas.received[1:]
    assert [(p.code, p.attributes["User-Name"]) for p in restore] == [
        ("Disconnect-Request", "rahim")
    ]
    assert restore[0].attributes["Acct-Session-Id"] == walled.session_id
    offline(world, "rahim")
    assert_package_reply(world, "rahim")


def test_a_customer_suspended_by_hand_is_not_restored_by_paying(world):
    from netbill.customers.services import customer_change_status

    with in_scope(world.tenant):
        customer_change_status(
            customer=world.rahim, status="suspended", by=world.ga, reason="Abuse report"
        )
        payment_receive(customer=world.rahim, by=world.ga, amount="600.00")
    assert status(world, world.rahim) == "suspended"
    assert_suspended_reply(world, "rahim")


def test_the_circuit_breaker_holds_the_run_until_a_group_admin_confirms(world):
    # Default breaker: 10 %. One of two customers overdue is 50 %.
    online(world, "rahim")
    with in_scope(world.tenant):
        held = suspension_run_execute(tenant=world.tenant, on=OVERDUE_ON)
    assert (held.status, held.considered, held.suspended) == ("awaiting", 1, 0)
    assert "Group Admin" in held.message
    assert status(world, world.rahim) == "active"
    assert world.nas.received == []

    # An operator may not confirm it.
    with in_scope(world.tenant), pytest.raises(BusinessRuleError):
        suspension_run_confirm(run=held, by=fresh_user(world.isp.user_x))
    assert status(world, world.rahim) == "active"

    with in_scope(world.tenant):
        confirmed = suspension_run_confirm(run=held, by=world.ga)
    assert confirmed.pk == held.pk
    assert (confirmed.status, confirmed.suspended) == ("confirmed", 1)
    assert confirmed.confirmed_by_id == world.ga.pk
    assert status(world, world.rahim) == "suspended"
    assert [p.code for p in world.nas.received] == ["Disconnect-Request"]
    offline(world, "rahim")
    assert_suspended_reply(world, "rahim")

    # Confirming twice is refused.
    with in_scope(world.tenant), pytest.raises(BusinessRuleError):
        suspension_run_confirm(run=confirmed, by=world.ga)


def test_never_auto_suspend_and_a_promise_to_pay_exempt_a_customer(world):
    set_breaker(world.tenant, "100")
    with in_scope(world.tenant):
        customer_set_billing_exemptions(
            customer=world.rahim, by=world.ga, never_auto_suspend=True, extended_until=None
        )
        run = suspension_run_execute(tenant=world.tenant, on=OVERDUE_ON)
    assert (run.considered, run.suspended) == (0, 0)
    assert status(world, world.rahim) == "active"
    assert_package_reply(world, "rahim")

    # A promise to pay until the 10th: exempt up to and including that day.
    with in_scope(world.tenant):
        customer_set_billing_exemptions(
            customer=world.rahim,
            by=world.ga,
            never_auto_suspend=False,
            extended_until=BILLED_ON + timedelta(days=9),
        )
        for day in (5, 9, 10):
            run = suspension_run_execute(tenant=world.tenant, on=BILLED_ON.replace(day=day))
            assert run.suspended == 0
    assert status(world, world.rahim) == "active"
    assert world.nas.received == []

    online(world, "rahim")
    with in_scope(world.tenant):
        run = suspension_run_execute(tenant=world.tenant, on=BILLED_ON.replace(day=11))
    assert run.suspended == 1
    assert [p.code for p in world.nas.received] == ["Disconnect-Request"]
    offline(world, "rahim")
    assert_suspended_reply(world, "rahim")
