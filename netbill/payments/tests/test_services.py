"""Payment services: amounts (never float, never zero or negative, at most paisa),
allocation oldest first with the rest as advance, reseller cash, idempotency keys,
Bulk Bill Paid (all or nothing, within reach, within the ISP) and Add Balance."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.accounts.models import Operator
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute
from netbill.billing.services import bill_cancel, billing_settings_for
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.payments.models import Allocation, OperatorDeposit, Payment
from netbill.payments.services import (
    bills_bulk_pay,
    clean_amount,
    operator_add_balance,
    payment_receive,
)

pytestmark = pytest.mark.django_db

D = Decimal


#
# clean_amount
#


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("525", D("525.00")),
        ("525.5", D("525.50")),
        (" 1,000.25 ", D("1000.25")),
        (D("0.01"), D("0.01")),
        (7, D("7.00")),
        ("10000000", D("10000000.00")),
        ("0.010", D("0.01")),
    ],
)
def test_clean_amount_accepts(value, expected):
    assert clean_amount(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "0.00",
        "-5",
        "-0.01",
        "1.005",
        "0.001",
        10.5,  # a float, even an exact one
        0.1,
        "abc",
        "",
        None,
        "NaN",
        "Infinity",
        "1e400",  # once a server error (quantize raised InvalidOperation)
        "1e-400",
        "10000000.01",
    ],
)
def test_clean_amount_refuses(value):
    with pytest.raises(BusinessRuleError) as refused:
        clean_amount(value)
    assert "amount" in refused.value.message_dict


#
# Receive Payment
#


@pytest.fixture
def world(isp):
    """Operator X's customer with two unpaid bills (December and January, 600 each;
    first bills off) and a customer of operator Y."""
    with in_scope(isp.tenant):
        row = billing_settings_for(isp.tenant)
        row.first_bill = "none"
        row.save()
    setup = customer_setup(isp)
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.62.0.0/22", label="Why")
    customer = make_customer(by=isp.ga, setup=setup, connection_date=date(2026, 1, 1))
    customer_y = make_customer(by=isp.ga, setup=setup_y, connection_date=date(2026, 1, 1))
    with in_scope(isp.tenant):
        bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2027, 1, 1))
        dec, jan = Bill.objects.filter(customer=customer).order_by("period_start")
        bill_y = Bill.objects.filter(customer=customer_y).order_by("period_start").first()
    return type(
        "World",
        (),
        {
            "customer": customer,
            "customer_y": customer_y,
            "dec": dec,
            "jan": jan,
            "bill_y": bill_y,
            "ga": fresh_user(isp.ga),
        },
    )


def bulk(isp, **kwargs):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return bills_bulk_pay(**kwargs)


def receive(isp, **kwargs):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_receive(**kwargs)


def counts(isp):
    with in_scope(isp.tenant):
        return (
            Payment.objects.count(),
            JournalEntry.objects.count(),
            Allocation.objects.count(),
            list(Bill.objects.order_by("pk").values_list("paid_amount", flat=True)),
        )


def test_payment_pays_the_oldest_bill_first_then_the_next_then_advance(isp, world):
    first = receive(isp, customer=world.customer, by=world.ga, amount="700.00")
    with in_scope(isp.tenant):
        world.dec.refresh_from_db()
        world.jan.refresh_from_db()
        assert (world.dec.status, world.jan.status) == ("paid", "partial")
        assert world.jan.paid_amount == D("100.00")
        assert list(first.allocations.order_by("bill_id").values_list("bill_id", "amount")) == [
            (world.dec.pk, D("600.00")),
            (world.jan.pk, D("100.00")),
        ]
        assert first.advance_amount == 0
        assert first.receipt_number == f"RCPT-{first.pk:06d}"
    second = receive(isp, customer=world.customer, by=world.ga, amount="600.00")
    assert second.advance_amount == D("100.00")
    with in_scope(isp.tenant):
        customer = Customer.objects.get(pk=world.customer.pk)
        assert customer.advance_balance == D("100.00")
        assert queries.customer_advance(isp.tenant, customer.pk) == D("100.00")
        assert queries.customer_receivable(isp.tenant, customer.pk) == 0
        # X's share of both bills (600 - 400 each), once each.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("400.00")
        assert queries.operator_balance(isp.tenant, isp.op_x.pk) == D("400.00")
        cash = {r["account"].key: r["balance"] for r in queries.trial_balance(isp.tenant)}["cash"]
        assert cash == D("1300.00")
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_an_advance_without_bills_is_all_credit(isp, world):
    payment = receive(isp, customer=world.customer_y, by=world.ga, amount="50.25", kind="advance")
    with in_scope(isp.tenant):
        # Y's customer owes December and January: an advance still settles dues first.
        assert payment.kind == "advance"
        assert payment.advance_amount == 0
        assert Bill.objects.get(pk=world.bill_y.pk).paid_amount == D("50.25")
        entry = JournalEntry.objects.get(pk=payment.journal_entry_id)
        assert entry.source == "advance"


def test_cash_a_resellers_user_takes_is_held_against_its_deposit(isp, world):
    payment = receive(isp, customer=world.customer, by=fresh_user(isp.user_x), amount="600.00")
    with in_scope(isp.tenant):
        assert payment.collector_id == isp.op_x.pk
        # X took 600 of the ISP's cash and earned its 200 share: it owes 400.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("-400.00")
        assert queries.operator_balance(isp.tenant, isp.op_x.pk) == D("-400.00")
        by_key = {r["account"].key: r["balance"] for r in queries.trial_balance(isp.tenant)}
        assert by_key["cash"] == 0
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_bank_payments_go_to_the_bank(isp, world):
    receive(isp, customer=world.customer, by=world.ga, amount="10.00", method="bank")
    with in_scope(isp.tenant):
        by_key = {r["account"].key: r["balance"] for r in queries.trial_balance(isp.tenant)}
        assert (by_key["bank"], by_key["cash"]) == (D("10.00"), 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount": "0"},
        {"amount": "-600"},
        {"amount": 600.0},
        {"amount": "600.001"},
        {"amount": "600", "method": "gold"},
        {"amount": "600", "kind": "gift"},
        {"amount": "600", "idempotency_key": "k" * 97},
    ],
)
def test_bad_payments_post_nothing(isp, world, kwargs):
    before = counts(isp)
    with pytest.raises(BusinessRuleError):
        receive(isp, customer=world.customer, by=world.ga, **kwargs)
    assert counts(isp) == before


def test_payments_need_the_permission_and_the_reach(isp, world):
    before = counts(isp)
    for user in (isp.noc, isp.user_y, isp.user_x1):
        with pytest.raises(BusinessRuleError):
            receive(isp, customer=world.customer, by=fresh_user(user), amount="10")
    assert counts(isp) == before


def test_another_isps_user_cannot_pay_here(isp, other_isp, world):
    before = counts(isp)
    with pytest.raises(BusinessRuleError):
        receive(isp, customer=world.customer, by=fresh_user(other_isp.ga), amount="10")
    assert counts(isp) == before


def test_the_same_idempotency_key_records_one_payment(isp, world):
    first = receive(isp, customer=world.customer, by=world.ga, amount="100", idempotency_key="t1")
    before = counts(isp)
    again = receive(isp, customer=world.customer, by=world.ga, amount="100", idempotency_key="t1")
    assert again.pk == first.pk
    assert counts(isp) == before
    other = receive(isp, customer=world.customer, by=world.ga, amount="100", idempotency_key="t2")
    assert other.pk != first.pk


#
# Bulk Bill Paid
#


def test_bulk_pay_pays_each_bill_in_full_once(isp, world):
    ids = [world.dec.pk, world.bill_y.pk]
    result = bulk(isp, by=world.ga, bill_ids=ids, idempotency_key="bulk-1")
    assert (result.paid, result.amount, result.repeated) == (2, D("1200.00"), False)
    with in_scope(isp.tenant):
        assert set(Bill.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"paid"}
        assert Bill.objects.get(pk=world.jan.pk).status == "unpaid"
        assert Payment.objects.filter(reference="Bulk Bill Paid").count() == 2
    before = counts(isp)
    again = bulk(isp, by=world.ga, bill_ids=ids, idempotency_key="bulk-1")
    assert again.repeated and again.payments == result.payments
    assert counts(isp) == before
    with in_scope(isp.tenant):
        assert queries.trial_balance_difference(isp.tenant) == 0
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("200.00")
        assert Operator.objects.get(pk=isp.op_y.pk).balance == D("200.00")


def test_bulk_pay_of_a_partly_paid_bill_pays_the_rest(isp, world):
    receive(isp, customer=world.customer, by=world.ga, amount="250.00")
    result = bulk(isp, by=world.ga, bill_ids=[world.dec.pk], idempotency_key="b2")
    assert result.amount == D("350.00")


def test_bulk_pay_refuses_the_whole_selection(isp, other_isp, world):
    # A bill of another ISP.
    other_setup = customer_setup(other_isp, pool_subnet="10.70.0.0/22", label="Beta")
    other_customer = make_customer(by=other_isp.ga, setup=other_setup)
    with in_scope(other_isp.tenant):
        bill_run_execute(tenant=other_isp.tenant, kind="monthly", on=date(2026, 12, 1))
        theirs = Bill.objects.filter(customer=other_customer).first().pk
    # A cancelled bill and a paid bill.
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        bill_cancel(bill=world.jan, by=world.ga, reason="Waived")
    receive(isp, customer=world.customer_y, by=world.ga, amount="600.00")
    before = counts(isp)
    cases = [
        (world.ga, [world.dec.pk, theirs], OutOfReach),
        (world.ga, [world.dec.pk, 987654], OutOfReach),
        (fresh_user(isp.user_y), [world.dec.pk, world.bill_y.pk], OutOfReach),
        (fresh_user(isp.user_x), [world.bill_y.pk], OutOfReach),
        (world.ga, [world.dec.pk, world.jan.pk], BusinessRuleError),  # cancelled
        (world.ga, [world.dec.pk, world.bill_y.pk], BusinessRuleError),  # paid
        (fresh_user(isp.noc), [world.dec.pk], BusinessRuleError),
        (world.ga, [], BusinessRuleError),
        (world.ga, [world.dec.pk, "abc"], BusinessRuleError),  # once a ValueError
        (world.ga, [None], BusinessRuleError),
    ]
    for n, (user, ids, error) in enumerate(cases):
        with pytest.raises(error):
            bulk(isp, by=user, bill_ids=ids, idempotency_key=f"bad-{n}")
    with pytest.raises(BusinessRuleError):
        bulk(isp, by=world.ga, bill_ids=[world.dec.pk], idempotency_key="")
    with pytest.raises(BusinessRuleError):
        bulk(isp, by=world.ga, bill_ids=[world.dec.pk], idempotency_key="x" * 81)
    assert counts(isp) == before
    # The other ISP's bill is untouched.
    with in_scope(other_isp.tenant):
        assert Bill.objects.get(pk=theirs).paid_amount == 0
        assert not Payment.objects.exists()


#
# Add Balance
#


def test_add_balance_credits_the_operators_deposit_once(isp):
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        deposit = operator_add_balance(
            operator=isp.sub_x1,
            by=ga,
            amount="1500.50",
            reference=" Slip  42 ",
            idempotency_key="d1",
        )
        again = operator_add_balance(
            operator=isp.sub_x1, by=ga, amount="1500.50", reference="Slip 42", idempotency_key="d1"
        )
        assert again.pk == deposit.pk and deposit.reference == "Slip 42"
        assert OperatorDeposit.objects.count() == 1
        assert Operator.objects.get(pk=isp.sub_x1.pk).balance == D("1500.50")
        assert queries.operator_balance(isp.tenant, isp.sub_x1.pk) == D("1500.50")
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_add_balance_bad_input_posts_nothing(isp):
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        cases = [
            (isp.op_x, ga, "0", "Slip"),
            (isp.op_x, ga, "-10", "Slip"),
            (isp.op_x, ga, 10.0, "Slip"),
            (isp.op_x, ga, "10", "   "),
            (isp.root, ga, "10", "Slip"),  # the Group Admin's own book
            (isp.op_x, fresh_user(isp.user_x), "10", "Slip"),  # no permission / own
            (isp.op_y, fresh_user(isp.user_x), "10", "Slip"),  # out of reach
        ]
        for operator, by, amount, reference in cases:
            with pytest.raises(BusinessRuleError):
                operator_add_balance(operator=operator, by=by, amount=amount, reference=reference)
        assert not OperatorDeposit.objects.exists()
        assert not JournalEntry.objects.exists()
        assert set(Operator.objects.values_list("balance", flat=True)) == {D("0.00")}
