"""One gateway callback replayed 100 times at once, on PostgreSQL with real threads and one
connection each: exactly one payment, one journal entry, the bills paid once, the
advance credited once and the books balanced. The same with the callbacks racing the
Verify button and the 30-minute recheck (`txn_verify`)."""

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Sum

from conftest import in_scope, require
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.billing.tests.test_ledger_properties import check_books
from netbill.customers.models import Customer
from netbill.payments.choices import CheckTriggerChoices
from netbill.payments.gateway_services import callback_receive, payment_start, txn_verify
from netbill.payments.gateways import CallbackRequest, Urls
from netbill.payments.gateways.sandbox import sandbox_signature
from netbill.payments.models import (
    Allocation,
    GatewayCallback,
    GatewayCheck,
    GatewayTransaction,
    Payment,
)
from netbill.payments.tests.helpers import sandbox_gateway

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
CALLS = 100
# Threads released together: each holds a PostgreSQL connection, and the server allows
# 100 in all (shared with the test's own connection and anything else on the machine).
BATCH = 25
EXTRA = D("100.00")  # paid beyond the dues: the customer's advance credit


@pytest.fixture(autouse=True)
def _postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


def urls_for(txn) -> Urls:
    return Urls(return_url="http://testserver/r", ipn_url="http://testserver/i")


def in_batches(tenant, calls, size=BATCH):
    """Run the calls in threads (each its own connection, in the ISP's scope), `size`
    at a time released together by a barrier; returns their results in order and
    re-raises the first error (a deadlock or an IntegrityError would surface here)."""
    results: list = [None] * len(calls)
    errors: list = []

    def work(i, call, barrier):
        try:
            with in_scope(tenant):
                barrier.wait(timeout=30)
                results[i] = call()
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            errors.append(exc)
        finally:
            connection.close()

    for start in range(0, len(calls), size):
        chunk = list(enumerate(calls))[start : start + size]
        barrier = threading.Barrier(len(chunk))
        threads = [threading.Thread(target=work, args=(i, c, barrier)) for i, c in chunk]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def world(isp):
    """A customer owing two bills, an active Sandbox gateway, and an attempt to pay the
    dues and 100 more that the customer paid on the Sandbox's page."""
    customer, _run = billed_customer(isp)
    gateway = sandbox_gateway(isp)
    with in_scope(isp.tenant):
        bills = list(Bill.objects.filter(customer=customer).order_by("pk"))
        due = sum((b.total - b.paid_amount for b in bills), D("0.00"))
        assert len(bills) == 2 and due > 0
        txn = payment_start(
            customer=customer, gateway=gateway, urls_for=urls_for, amount=due + EXTRA
        )
        txn.meta = {
            **txn.meta,
            "sandbox": {"state": "paid", "amount": str(txn.amount), "trx_id": "SBX123"},
        }
        txn.save(update_fields=["meta"])
    return SimpleNamespace(
        isp=isp, tenant=isp.tenant, customer=customer, gateway=gateway, txn=txn, due=due
    )


def callback(world):
    ref = world.txn.reference
    return lambda: callback_receive(
        gateway=world.gateway,
        request=CallbackRequest(
            method="GET",
            query={"reference": ref, "result": "success", "sig": sandbox_signature(ref, "success")},
            form={},
            body=b"",
            headers={},
            remote_ip="127.0.0.1",
        ),
    )


def verify(world):
    # The Verify button and the beat each load the attempt themselves.
    return lambda: txn_verify(
        GatewayTransaction.objects.get(pk=world.txn.pk), trigger=CheckTriggerChoices.BEAT
    )


def assert_paid_once(world):
    with in_scope(world.tenant):
        txn = GatewayTransaction.objects.get(pk=world.txn.pk)
        assert (txn.status, txn.gateway_txn_id) == ("succeeded", "SBX123")
        payments = list(Payment.objects.filter(customer=world.customer))
        assert len(payments) == 1
        payment = payments[0]
        assert txn.payment_id == payment.pk
        assert (payment.amount, payment.method, payment.idempotency_key) == (
            world.due + EXTRA,
            "gateway",
            f"gw:{txn.reference}",
        )
        entries = JournalEntry.objects.filter(source="payment")
        assert list(entries.values_list("source_id", flat=True)) == [payment.pk]
        assert payment.journal_entry_id == entries.get().pk
        # The bills are paid once: allocations add up to exactly what was due.
        bills = Bill.objects.filter(customer=world.customer)
        assert set(bills.values_list("status", flat=True)) == {"paid"}
        assert sum(b.paid_amount for b in bills) == sum(b.total for b in bills) == world.due
        allocated = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"]
        assert allocated == world.due
        # The rest is advance credit, once.
        customer = Customer.objects.get(pk=world.customer.pk)
        assert customer.advance_balance == EXTRA
        assert queries.customer_advance(world.tenant, customer.pk) == EXTRA
        assert queries.trial_balance_difference(world.tenant) == 0
        check_books(world.tenant, [customer.pk], [world.isp.root.pk, world.isp.op_x.pk])
        # Exactly one check recorded the credit.
        credited = GatewayCheck.objects.filter(txn=txn, outcome__startswith="Paid")
        assert credited.count() == 1


def test_a_hundred_replays_of_one_callback_credit_once(world):
    results = in_batches(world.tenant, [callback(world) for _ in range(CALLS)])

    assert all(r.accepted for r in results)
    assert {r.txn.pk for r in results} == {world.txn.pk}
    # Whoever lost the race saw the attempt already settled, never half-done.
    assert {r.txn.status for r in results} == {"succeeded"}
    assert_paid_once(world)
    with in_scope(world.tenant):
        # Every replay was logged (and taken: it is signed), none credited twice.
        logged = GatewayCallback.objects.filter(gateway=world.gateway, txn=world.txn)
        assert logged.count() == CALLS
        assert set(logged.values_list("accepted", flat=True)) == {True}


def test_replays_racing_verify_credit_once(world):
    calls = [callback(world) if n % 2 else verify(world) for n in range(CALLS)]
    results = in_batches(world.tenant, calls)

    txns = [r.txn if hasattr(r, "accepted") else r for r in results]
    assert {t.pk for t in txns} == {world.txn.pk}
    assert {t.status for t in txns} == {"succeeded"}
    assert_paid_once(world)
    with in_scope(world.tenant):
        assert GatewayCallback.objects.filter(txn=world.txn).count() == CALLS // 2
