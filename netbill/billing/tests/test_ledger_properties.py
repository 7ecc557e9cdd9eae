"""Hypothesis sequences over the money core of one ISP: bill runs on advancing dates,
payments, advances, cancellations, bulk payments and repeated requests. After every
step the books must agree with themselves and with the bills:

- the trial balance is zero;
- receivables are the sum of what is due on open bills, in total and per customer;
- each customer's advance sub-ledger is its `advance_balance`, each operator's deposit
  sub-ledger its `balance`;
- no customer has two bills whose periods overlap;
- every payment is its allocations plus its advance; every bill's status follows from
  its paid amount; bills' amounts follow `billing.amounts`;
- per customer, what bills were paid = allocations + advance spent, where the advance
  spent is what was paid in as advance (or freed by a cancellation) less what is left.

Each example runs in a transaction that is rolled back, over one world (an ISP with
customers of the root, X and X1 on monthly, daily and prepaid profiles, VAT inclusive
and exclusive) built once per test. It runs on SQLite and on PostgreSQL.
"""

import itertools
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.accounting.services import local_today
from netbill.accounts.models import Operator
from netbill.billing.amounts import bill_amounts
from netbill.billing.choices import OPEN_STATUSES, BillStatusChoices
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute
from netbill.billing.services import bill_cancel
from netbill.catalog.tests.helpers import (
    make_billing_profile,
    make_master_package,
    make_operator_package,
    make_vat_profile,
)
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.payments.models import Allocation, Payment
from netbill.payments.services import bills_bulk_pay, operator_add_balance, payment_receive

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")

amounts = st.decimals(min_value=D("0.01"), max_value=D("1500.00"), places=2)
keys = st.sampled_from([None, None, "k1", "k2", "k3"])


def build_world(isp):
    """Customers of the root, X and X1, on monthly (last day), daily and prepaid
    (monthly and 7-day validity) profiles, with packages priced to make VAT round."""
    setup = customer_setup(isp, operator=isp.op_x, label="Prop")
    ga = isp.ga
    vat_ex = make_vat_profile(by=ga, name="VAT 5 excl", rate="5", mode="exclusive")
    vat_in = make_vat_profile(by=ga, name="VAT 7.5 incl", rate="7.5", mode="inclusive")
    operators = [isp.root, isp.op_x, isp.sub_x1]
    monthly = make_billing_profile(by=ga, name="Last day", due_day=0, operators=operators)
    daily = make_billing_profile(by=ga, name="Daily", billing_type="daily", operators=operators)
    prepaid = make_billing_profile(
        by=ga, name="Prepaid", billing_type="prepaid", operators=operators
    )

    def package(name, operator, price, op_price, **fields):
        master = make_master_package(
            by=ga, name=name, pppoe_profile=setup.profile, price=D(price), **fields
        )
        return make_operator_package(
            by=ga,
            operator=operator,
            master_package=master,
            operator_price=op_price,
            customer_price=price,
        )

    packages = {
        "root_ex": package("Root ex", isp.root, "523.37", "523.37", vat_profile=vat_ex),
        "x_in": package("X in", isp.op_x, "600.00", "410.10", vat_profile=vat_in),
        "x1_ex": package("X1 ex", isp.sub_x1, "999.99", "700.01", vat_profile=vat_ex),
        "x1_week": package(
            "X1 week", isp.sub_x1, "150.55", "100.00", validity="days", validity_days=7
        ),
    }
    plan = [
        ("root_ex", monthly, {}),
        ("x_in", daily, {}),
        ("x1_ex", prepaid, {}),
        ("x1_week", prepaid, {}),
        ("x_in", monthly, {"custom_price": D("777.77")}),
        ("x1_ex", daily, {}),
    ]
    customers = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        for n, (key, profile, extra) in enumerate(plan):
            pkg = packages[key]
            customers.append(
                make_customer(
                    by=ga,
                    setup=SimpleNamespace(package=pkg, billing=profile),
                    operator=pkg.operator,
                    username=f"prop-{n}",
                    **extra,
                )
            )
    # Resellers may go into debt up to a limit (cash their users took).
    Operator.objects.filter(pk__in=[isp.op_x.pk, isp.sub_x1.pk]).update(credit_limit=D("3000"))
    return SimpleNamespace(
        isp=isp,
        tenant=isp.tenant,
        customer_ids=[c.pk for c in customers],
        operator_ids=[isp.root.pk, isp.op_x.pk, isp.sub_x1.pk, isp.op_y.pk],
        today=local_today(isp.tenant),
    )


#
# The invariants
#


def check_books(tenant, customer_ids, operator_ids):
    assert queries.trial_balance_difference(tenant) == 0
    open_bills = Bill.objects.filter(tenant=tenant, status__in=OPEN_STATUSES)
    dues = sum((b.total - b.paid_amount for b in open_bills), ZERO)
    assert queries.receivables_total(tenant) == dues

    bills = list(Bill.objects.filter(tenant=tenant).order_by("customer_id", "period_start"))
    allocated = {
        row["bill_id"]: row["s"]
        for row in Allocation.objects.filter(tenant=tenant)
        .values("bill_id")
        .annotate(s=Sum("amount"))
    }
    for bill in bills:
        assert ZERO <= bill.paid_amount <= bill.total
        assert allocated.get(bill.pk, ZERO) <= bill.paid_amount
        expected = {
            True: BillStatusChoices.PAID,
            False: BillStatusChoices.PARTIAL if bill.paid_amount else BillStatusChoices.UNPAID,
        }[bill.paid_amount == bill.total]
        if bill.status != BillStatusChoices.CANCELLED:
            assert bill.status == expected, (bill.status, bill.paid_amount, bill.total)
            assert (bill.paid_at is not None) == (bill.status == BillStatusChoices.PAID)
        assert bill.total > 0
        # Amounts as billing.amounts computes them (VAT rounded once, half up).
        again = bill_amounts(bill.price, bill.vat_rate, bill.vat_inclusive, bill.discount)
        assert (again.vat, again.total) == (bill.vat_amount, bill.total), bill
        assert bill.journal_entry_id is not None
    # No two bills of one customer overlap (cancelled ones included: a cancelled
    # period is waived, never billed again).
    for _customer, group in itertools.groupby(bills, key=lambda b: b.customer_id):
        group = list(group)
        for a, b in itertools.pairwise(group):
            assert a.period_end < b.period_start, (a.period_start, a.period_end, b.period_start)

    for payment in Payment.objects.filter(tenant=tenant):
        parts = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
        assert payment.amount == parts + payment.advance_amount
        assert payment.journal_entry_id is not None

    for customer in Customer.objects.filter(pk__in=customer_ids):
        mine = [b for b in bills if b.customer_id == customer.pk]
        due = sum((b.total - b.paid_amount for b in mine if b.is_open), ZERO)
        assert queries.customer_receivable(tenant, customer.pk) == due
        assert queries.customer_advance(tenant, customer.pk) == customer.advance_balance
        assert customer.advance_balance >= 0
        # Money that reached bills = allocations + the advance spent on bills.
        paid_in_advance = (
            Payment.objects.filter(customer=customer).aggregate(s=Sum("advance_amount"))["s"]
            or ZERO
        )
        freed = sum((b.paid_amount for b in mine if b.status == "cancelled"), ZERO)
        spent = paid_in_advance + freed - customer.advance_balance
        on_bills = sum((b.paid_amount for b in mine), ZERO)
        allocations = sum((allocated.get(b.pk, ZERO) for b in mine), ZERO)
        assert on_bills == allocations + spent, (on_bills, allocations, spent)

    for operator in Operator.objects.filter(pk__in=operator_ids):
        assert queries.operator_balance(tenant, operator.pk) == operator.balance
        # Its share of its paid bills, plus deposits, less the cash its users took.
        share = sum(
            (
                b.operator_share
                for b in bills
                if b.operator_id == operator.pk and b.status == "paid"
            ),
            ZERO,
        )
        took = Payment.objects.filter(collector=operator).aggregate(s=Sum("amount"))["s"] or ZERO
        deposits = operator.deposits.aggregate(s=Sum("amount"))["s"] or ZERO
        assert operator.balance == share + deposits - took
        if operator.parent_id is None:
            assert operator.balance == 0


class _Rollback(Exception):
    pass


def machine_for(world):
    isp, tenant = world.isp, world.tenant
    ga, user_x = fresh_user(isp.ga), fresh_user(isp.user_x)
    x_subtree = {isp.op_x.pk, isp.sub_x1.pk}

    class Books(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._scope = in_scope(tenant)
            self._scope.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.on = world.today
            self.tokens_used = set()

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self._scope.__exit__(None, None, None)

        # Helpers

        def customer(self, index):
            return Customer.objects.get(pk=world.customer_ids[index % len(world.customer_ids)])

        def open_bills(self):
            return list(Bill.objects.filter(tenant=tenant, status__in=OPEN_STATUSES).order_by("pk"))

        def entries(self):
            return JournalEntry.objects.filter(tenant=tenant).count()

        # Rules

        @rule(
            kind=st.sampled_from(["monthly", "daily", "prepaid"]),
            days=st.sampled_from([0, 1, 1, 2, 5, 13, 27, 31]),
        )
        def bill_run(self, kind, days):
            self.on += timedelta(days=days)
            run = bill_run_execute(tenant=tenant, kind=kind, on=self.on)
            assert run.billed == Bill.objects.filter(bill_run=run).count()
            assert (run.journal_entry_id is not None) == (run.billed > 0)
            again = bill_run_execute(tenant=tenant, kind=kind, on=self.on)
            assert again.billed == 0 and again.journal_entry_id is None

        @rule(
            index=st.integers(0, 5),
            amount=amounts,
            kind=st.sampled_from(["payment", "payment", "advance"]),
            key=keys,
            reseller=st.booleans(),
        )
        def pay(self, index, amount, kind, key, reseller):
            customer = self.customer(index)
            by = user_x if reseller and customer.operator_id in x_subtree else ga
            before = Payment.objects.count(), self.entries()
            earlier = Payment.objects.filter(idempotency_key=key).first() if key else None
            payment = payment_receive(
                customer=customer, by=by, amount=amount, kind=kind, idempotency_key=key
            )
            if earlier is not None:
                # The same request again: the earlier payment, nothing new.
                assert payment.pk == earlier.pk
                assert (Payment.objects.count(), self.entries()) == before
            else:
                assert payment.amount == amount
                assert Payment.objects.count() == before[0] + 1

        @rule(index=st.integers(0, 5), bad=st.sampled_from(["0", "-5", "1.005", 10.5, "abc"]))
        def pay_bad_amount(self, index, bad):
            before = Payment.objects.count(), self.entries()
            with pytest.raises(BusinessRuleError):
                payment_receive(customer=self.customer(index), by=ga, amount=bad)
            assert (Payment.objects.count(), self.entries()) == before

        @rule(pick=st.integers(0, 50))
        def cancel(self, pick):
            bills = self.open_bills()
            if not bills:
                return
            bill = bills[pick % len(bills)]
            cancelled = bill_cancel(bill=bill, by=ga, reason="Property test")
            assert cancelled.status == BillStatusChoices.CANCELLED
            with pytest.raises(BusinessRuleError):
                bill_cancel(bill=cancelled, by=ga, reason="Again")

        @rule(pick=st.integers(0, 50))
        def cancel_paid_is_refused(self, pick):
            paid = list(Bill.objects.filter(tenant=tenant, status="paid").order_by("pk"))
            if not paid:
                return
            before = self.entries()
            with pytest.raises(BusinessRuleError):
                bill_cancel(bill=paid[pick % len(paid)], by=ga, reason="Nope")
            assert self.entries() == before

        @rule(picks=st.lists(st.integers(0, 50), min_size=1, max_size=3), token=keys)
        def bulk_pay(self, picks, token):
            bills = self.open_bills()
            if not bills or token is None:
                return
            chosen = sorted({bills[p % len(bills)].pk for p in picks})
            before = Payment.objects.count(), self.entries()
            result = bills_bulk_pay(by=ga, bill_ids=chosen, idempotency_key=f"bulk-{token}")
            if token in self.tokens_used:
                assert result.repeated
                assert (Payment.objects.count(), self.entries()) == before
            else:
                self.tokens_used.add(token)
                assert result.paid == len(chosen)
                assert not Bill.objects.filter(pk__in=chosen).exclude(status="paid").exists()

        @rule(pick=st.integers(0, 50))
        def bulk_pay_closed_bill_posts_nothing(self, pick):
            closed = list(
                Bill.objects.filter(tenant=tenant).exclude(status__in=OPEN_STATUSES).order_by("pk")
            )
            if not closed:
                return
            ids = [closed[pick % len(closed)].pk, *[b.pk for b in self.open_bills()[:1]]]
            before = Payment.objects.count(), self.entries()
            with pytest.raises(BusinessRuleError):
                bills_bulk_pay(by=ga, bill_ids=ids, idempotency_key=f"closed-{pick}")
            assert (Payment.objects.count(), self.entries()) == before

        @rule(which=st.sampled_from(["x", "x1"]), amount=amounts)
        def add_balance(self, which, amount):
            operator = isp.op_x if which == "x" else isp.sub_x1
            operator_add_balance(operator=operator, by=ga, amount=amount, reference="Deposit")

        @invariant()
        def books_agree(self):
            check_books(tenant, world.customer_ids, world.operator_ids)

    return Books


@pytest.mark.parametrize("first_bill", ["prorata", "full"])
def test_books_stay_consistent(isp, first_bill):
    from netbill.billing.services import billing_settings_for

    with in_scope(isp.tenant):
        settings_row = billing_settings_for(isp.tenant)
        settings_row.first_bill = first_bill
        settings_row.save()
        world = build_world(isp)
        check_books(world.tenant, world.customer_ids, world.operator_ids)
        # The first bills exist: one per customer.
        assert Bill.objects.filter(kind__in=["first", "daily", "prepaid"]).count() == 6
    run_state_machine_as_test(
        machine_for(world),
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
