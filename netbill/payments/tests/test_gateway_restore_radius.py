"""A customer auto-suspended for an unpaid bill pays online and is restored, end to end:
a real FreeRADIUS with our configuration (radclient Access-Requests) and a fake NAS
receiving the Disconnect-Requests, on PostgreSQL with real commits.

The customer is billed, goes overdue past the grace days and the suspension run puts
it in the walled garden; a forged return and a return claiming success before anything
was paid change nothing; paying through the Sandbox gateway (its checkout page's
record, then the signed return) credits the bill, and the restore that runs once the
payment commits gives the package's group back, then tells the router."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from conftest import in_scope
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute
from netbill.billing.services import AUTO_SUSPEND_REASON, billing_settings_for
from netbill.billing.services import suspension_run_execute as suspension_run
from netbill.billing.tests.test_freeradius_suspension import (
    BILLED_ON,
    OVERDUE_ON,
    assert_package_reply,
    assert_suspended_reply,
    offline,
    online,
    set_breaker,
    status,
)
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.network.choices import IPPoolKindChoices
from netbill.network.models import IPPool
from netbill.payments.gateway_services import callback_receive, payment_start
from netbill.payments.gateways import CallbackRequest, Urls
from netbill.payments.gateways.sandbox import sandbox_signature
from netbill.payments.models import GatewayCallback, GatewayTransaction, Payment
from netbill.payments.tests.helpers import sandbox_gateway
from netbill.radius.tests.test_coa import router_at

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


def urls_for(txn) -> Urls:
    return Urls(return_url="http://testserver/r", ipn_url="http://testserver/i")


def sandbox_return(gateway, reference, result, *, sig=None):
    """The customer's browser back from the Sandbox's checkout page."""
    return callback_receive(
        gateway=gateway,
        request=CallbackRequest(
            method="GET",
            query={
                "reference": reference,
                "result": result,
                "sig": sig or sandbox_signature(reference, result),
            },
            form={},
            body=b"",
            headers={},
            remote_ip="127.0.0.1",
        ),
    )


@pytest.fixture
def world(isp, fake_nas, freeradius):
    return suspended_world(isp, fake_nas, freeradius)


def suspended_world(isp, fake_nas, freeradius):
    """Operator X's customer "rahim", billed on the first of next month by the monthly
    run and never paying; an active Sandbox gateway; a router whose CoA port is the fake
    NAS. FreeRADIUS is started last (it reads the NAS rows at startup)."""
    with in_scope(isp.tenant):
        row = billing_settings_for(isp.tenant)
        row.first_bill = "none"
        row.save()
    setup = customer_setup(isp)
    router_at(isp, fake_nas)
    rahim = make_customer(
        by=isp.ga,
        setup=setup,
        username="rahim",
        password="rahim-pw",
        connection_date=date(2026, 1, 1),
    )
    with in_scope(isp.tenant):
        assert bill_run_execute(tenant=isp.tenant, kind="monthly", on=BILLED_ON).billed == 1
        suspended_pool = IPPool.objects.get(kind=IPPoolKindChoices.SUSPENDED).name
    gateway = sandbox_gateway(isp)
    server = freeradius()
    return SimpleNamespace(
        isp=isp,
        tenant=isp.tenant,
        setup=setup,
        nas=fake_nas,
        server=server,
        suspended_pool=suspended_pool,
        gateway=gateway,
        rahim=rahim,
    )


def suspend(world) -> None:
    """Today's suspension run, past the grace days: rahim is in the walled garden."""
    set_breaker(world.tenant, "100")
    assert_package_reply(world, "rahim")
    online(world, "rahim")
    with in_scope(world.tenant):
        run = suspension_run(tenant=world.tenant, on=OVERDUE_ON)
        assert run.suspended == 1
        assert Customer.objects.get(pk=world.rahim.pk).status_reason == AUTO_SUSPEND_REASON
    assert [p.code for p in world.nas.received] == ["Disconnect-Request"]
    offline(world, "rahim")
    assert_suspended_reply(world, "rahim")


def test_a_suspended_customer_who_pays_online_is_restored(world):
    suspend(world)

    # The customer starts paying the whole due at the Sandbox.
    with in_scope(world.tenant):
        bill = Bill.objects.get(customer=world.rahim)
        assert bill.status == "unpaid" and bill.due > 0
        txn = payment_start(customer=world.rahim, gateway=world.gateway, urls_for=urls_for)
        assert txn.amount == bill.due

        # A forged return (bad signature) is refused and logged; nothing is credited.
        forged = sandbox_return(world.gateway, txn.reference, "success", sig="0" * 64)
        assert not forged.accepted
        # A signed return claiming success before the customer paid on the checkout
        # page: the gateway's record says not paid, so the attempt stays pending.
        early = sandbox_return(world.gateway, txn.reference, "success")
        assert early.txn.status == "pending"
        assert not Payment.objects.filter(customer=world.rahim).exists()
        assert [c.accepted for c in GatewayCallback.objects.order_by("pk")] == [False, True]
    assert status(world, world.rahim) == "suspended"
    assert len(world.nas.received) == 1
    assert_suspended_reply(world, "rahim")

    # The customer presses Pay on the checkout page (the gateway's record) …
    with in_scope(world.tenant):
        GatewayTransaction.objects.filter(pk=txn.pk).update(
            meta={
                **txn.meta,
                "sandbox": {"state": "paid", "amount": str(txn.amount), "trx_id": "SBX7Q2"},
            }
        )
    walled = online(world, "rahim")
    # … and comes back: verified, credited, and restored once the payment commits.
    with in_scope(world.tenant):
        result = sandbox_return(world.gateway, txn.reference, "success")
        assert result.accepted and result.txn.status == "succeeded"
        payment = Payment.objects.get(customer=world.rahim)
        assert (payment.method, payment.amount) == ("gateway", bill.due)
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

    # The same return again changes nothing: no second payment, no second disconnect.
    with in_scope(world.tenant):
        again = sandbox_return(world.gateway, txn.reference, "success")
        assert again.accepted and again.txn.status == "succeeded"
        assert Payment.objects.filter(customer=world.rahim).count() == 1
    assert len(world.nas.received) == 2
    assert_package_reply(world, "rahim")
