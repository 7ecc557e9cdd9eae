"""Concurrent card redemptions on PostgreSQL, with real threads and one connection
each: many attempts at one PIN, for one customer or for several, end in exactly one
redemption and one payment; the books stay balanced. And a refused PIN counts toward
lockout even when the caller's own transaction rolls back."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from conftest import in_scope, require
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.accounting.services import local_today
from netbill.billing.tests.helpers import billed_customer
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.cards import InvalidCard, card_batch_create, card_redeem, new_pin
from netbill.payments.models import Payment, RechargeCard, RedeemThrottle

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


@pytest.fixture(autouse=True)
def _postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


def together(tenant, *calls):
    """Run each call in its own thread (its own connection, in the ISP's scope), all
    released at once; returns (results, errors) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = [None] * len(calls)

    def work(i, call):
        try:
            with in_scope(tenant):
                barrier.wait(timeout=10)
                results[i] = call()
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results, errors


@pytest.fixture
def world(isp):
    customers = [billed_customer(isp)[0]]
    setup = customer_setup(isp, pool_subnet="10.91.0.0/24", label="Race")
    customers += [billed_customer(isp, setup)[0] for _ in range(2)]
    with in_scope(isp.tenant):
        _batch, pins = card_batch_create(
            by=fresh_user(isp.ga),
            name="Race",
            prefix="RACE",
            value="100.00",
            count=3,
            valid_until=local_today(isp.tenant) + timedelta(days=30),
        )
    return isp, customers, pins


def check_one_redemption(isp, results, errors):
    payments = [r for r in results if r is not None]
    assert len(payments) == 1, (results, errors)
    refused = [e for e in errors if e is not None]
    assert len(refused) == THREADS - 1
    assert all(isinstance(e, BusinessRuleError) for e in refused), refused
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1
        card = RechargeCard.objects.get(status="redeemed")
        assert card.payment_id == payments[0].pk
        assert RechargeCard.objects.filter(status="active").count() == 2
        assert JournalEntry.objects.filter(source_id=payments[0].pk, source="payment").count() == 1
        assert queries.trial_balance_difference(isp.tenant) == 0
    return payments[0]


def test_many_attempts_at_one_pin_for_one_customer(world):
    isp, customers, pins = world
    ga = fresh_user(isp.ga)
    results, errors = together(
        isp.tenant,
        *[
            (
                lambda i=i: card_redeem(
                    tenant=isp.tenant,
                    pin=pins[0],
                    customer=customers[0],
                    by=ga,
                    subject=f"user:{ga.pk}:{i}",
                )
            )
            for i in range(THREADS)
        ],
    )
    payment = check_one_redemption(isp, results, errors)
    assert payment.customer_id == customers[0].pk
    assert all(isinstance(e, InvalidCard) for e in errors if e is not None)


def test_many_attempts_at_one_pin_for_different_customers_and_one_subject(world):
    isp, customers, pins = world
    results, errors = together(
        isp.tenant,
        *[
            (
                lambda i=i: card_redeem(
                    tenant=isp.tenant,
                    pin=pins[1],
                    customer=customers[i % len(customers)],
                    subject="ip:203.0.113.7",
                )
            )
            for i in range(THREADS)
        ],
    )
    check_one_redemption(isp, results, errors)
    with in_scope(isp.tenant):
        # Every refused attempt counted (exactly; the throttle row is locked while it is
        # written), whatever happened to the successful one's reset.
        row = RedeemThrottle.objects.filter(subject="ip:203.0.113.7").first()
        assert row is None or row.failures <= THREADS - 1


def test_one_idempotency_key_from_many_threads_pays_once(world):
    isp, customers, pins = world
    ga = fresh_user(isp.ga)
    results, errors = together(
        isp.tenant,
        *[
            (
                lambda: card_redeem(
                    tenant=isp.tenant,
                    pin=pins[2],
                    customer=customers[1],
                    by=ga,
                    subject="user:key",
                    idempotency_key="api:1:same",
                )
            )
            for _ in range(THREADS)
        ],
    )
    assert errors == [None] * THREADS
    assert len({p.pk for p in results}) == 1
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1
        assert not RedeemThrottle.objects.exists()


def test_a_failure_stays_although_the_callers_transaction_rolls_back(world):
    isp, customers, _pins = world

    class Rollback(Exception):
        pass

    with in_scope(isp.tenant):
        for n in (1, 2):
            with pytest.raises(Rollback), transaction.atomic():
                try:
                    card_redeem(
                        tenant=isp.tenant,
                        pin=new_pin(),
                        customer=customers[0],
                        subject="customer:outer",
                    )
                except InvalidCard as exc:
                    raise Rollback from exc
            assert RedeemThrottle.objects.get(subject="customer:outer").failures == n
        assert Decimal(customers[0].advance_balance) == Decimal("0.00")
