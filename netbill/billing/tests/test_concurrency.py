"""Concurrent money-moving calls on PostgreSQL, with real threads and one connection
each: two bill runs for the same ISP and date, repeated payments and Bulk Bill Paid
with one idempotency key, runs and payments interleaved. The per-ISP advisory lock
(billing.sql.lock_billing) must serialise them: bills written once, one payment per
key, and the books balanced with the cached balances equal to the ledger."""

import threading
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection

from conftest import in_scope, require
from netbill.accounting import queries
from netbill.billing.models import Bill, BillRun
from netbill.billing.runs import bill_run_execute
from netbill.billing.tests.test_ledger_properties import check_books
from netbill.catalog.tests.helpers import make_billing_profile
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.payments.models import Payment
from netbill.payments.services import bills_bulk_pay, payment_receive

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@pytest.fixture(autouse=True)
def _postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


def together(tenant, *calls):
    """Run each call in its own thread (its own connection, in the ISP's scope), all
    released at once; returns their results in order, re-raising the first error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def work(i, call):
        try:
            with in_scope(tenant):
                barrier.wait(timeout=10)
                results[i] = call()
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def world(isp):
    """Five monthly customers of operator X (first bills off: the runs bill them) and
    three daily customers."""
    from netbill.billing.services import billing_settings_for

    with in_scope(isp.tenant):
        row = billing_settings_for(isp.tenant)
        row.first_bill = "none"
        row.save()
    setup = customer_setup(isp)
    daily = make_billing_profile(
        by=isp.ga, name="Daily", billing_type="daily", operators=[isp.op_x]
    )
    monthly = [
        make_customer(by=isp.ga, setup=setup, connection_date=date(2026, 1, 1)) for _ in range(5)
    ]
    dailies = [
        make_customer(
            by=isp.ga,
            setup=SimpleNamespace(package=setup.package, billing=daily),
            connection_date=date(2026, 1, 1),
        )
        for _ in range(3)
    ]
    return SimpleNamespace(isp=isp, tenant=isp.tenant, monthly=monthly, daily=dailies)


def ids(world):
    return [c.pk for c in world.monthly + world.daily]


def operator_ids(world):
    return [world.isp.root.pk, world.isp.op_x.pk, world.isp.sub_x1.pk]


def test_two_runs_at_once_bill_once(world):
    on = date(2026, 12, 1)
    runs = together(
        world.tenant,
        lambda: bill_run_execute(tenant=world.tenant, kind="monthly", on=on),
        lambda: bill_run_execute(tenant=world.tenant, kind="monthly", on=on),
    )
    assert sorted(r.billed for r in runs) == [0, 5]
    with in_scope(world.tenant):
        assert Bill.objects.filter(period_start=on).count() == 5
        assert BillRun.objects.filter(kind="monthly", run_date=on).count() == 2
        idle = next(r for r in runs if r.billed == 0)
        assert idle.journal_entry_id is None and idle.amount == 0
        assert queries.trial_balance_difference(world.tenant) == 0
        assert queries.receivables_total(world.tenant) == D("3000.00")
        check_books(world.tenant, ids(world), operator_ids(world))


def test_many_runs_of_every_kind_at_once(world):
    on = date(2026, 12, 1)
    runs = together(
        world.tenant,
        *[
            (lambda kind=kind: bill_run_execute(tenant=world.tenant, kind=kind, on=on))
            for kind in ("monthly", "daily", "monthly", "daily", "prepaid", "monthly")
        ],
    )
    billed = {
        kind: sorted(r.billed for r in runs if r.kind == kind) for kind in ("monthly", "daily")
    }
    assert billed == {"monthly": [0, 0, 5], "daily": [0, 3]}
    with in_scope(world.tenant):
        assert Bill.objects.count() == 8
        check_books(world.tenant, ids(world), operator_ids(world))


def test_one_idempotency_key_makes_one_payment(world):
    customer = world.monthly[0]
    ga = fresh_user(world.isp.ga)
    with in_scope(world.tenant):
        bill_run_execute(tenant=world.tenant, kind="monthly", on=date(2026, 12, 1))
    payments = together(
        world.tenant,
        *[
            (
                lambda: payment_receive(
                    customer=customer, by=ga, amount="250.00", idempotency_key="dbl"
                )
            )
            for _ in range(4)
        ],
    )
    assert len({p.pk for p in payments}) == 1
    with in_scope(world.tenant):
        assert Payment.objects.count() == 1
        bill = Bill.objects.get(customer=customer)
        assert (bill.paid_amount, bill.status) == (D("250.00"), "partial")
        check_books(world.tenant, ids(world), operator_ids(world))


def test_bulk_bill_paid_twice_at_once_pays_once(world):
    ga = fresh_user(world.isp.ga)
    with in_scope(world.tenant):
        bill_run_execute(tenant=world.tenant, kind="monthly", on=date(2026, 12, 1))
        bill_ids = list(Bill.objects.order_by("pk").values_list("pk", flat=True))
    results = together(
        world.tenant,
        lambda: bills_bulk_pay(by=ga, bill_ids=bill_ids, idempotency_key="form-token-1"),
        lambda: bills_bulk_pay(by=ga, bill_ids=bill_ids, idempotency_key="form-token-1"),
    )
    assert sorted(r.repeated for r in results) == [False, True]
    assert results[0].payments == results[1].payments
    assert results[0].paid == results[1].paid == 5
    with in_scope(world.tenant):
        assert Payment.objects.count() == 5
        assert set(Bill.objects.values_list("status", flat=True)) == {"paid"}
        check_books(world.tenant, ids(world), operator_ids(world))


def test_runs_and_payments_interleaved_keep_advances_equal_to_the_ledger(world):
    ga = fresh_user(world.isp.ga)
    on = date(2026, 12, 1)
    for day in range(3):
        when = on + timedelta(days=day)
        calls = [
            lambda when=when: bill_run_execute(tenant=world.tenant, kind="daily", on=when),
            lambda when=when: bill_run_execute(tenant=world.tenant, kind="monthly", on=when),
        ]
        for n, customer in enumerate(world.daily + world.monthly[:2]):
            calls.append(
                lambda customer=customer, n=n, day=day: payment_receive(
                    customer=customer,
                    by=ga,
                    amount=D("7.35") + n,
                    kind="advance",
                    idempotency_key=f"adv-{day}-{n}",
                )
            )
        together(world.tenant, *calls)
        with in_scope(world.tenant):
            check_books(world.tenant, ids(world), operator_ids(world))
            for customer in Customer.objects.filter(pk__in=ids(world)):
                assert customer.advance_balance == queries.customer_advance(
                    world.tenant, customer.pk
                )
    with in_scope(world.tenant):
        # Each daily customer: one bill per day, never two.
        for customer in world.daily:
            assert Bill.objects.filter(customer=customer).count() == 3
        assert Payment.objects.count() == 15
