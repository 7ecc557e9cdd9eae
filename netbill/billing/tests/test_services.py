"""Billing services with exact amounts: first bills (pro-rata, full, none), VAT
inclusive and exclusive (the SQL run and the Python first bill agree to the paisa),
daily and prepaid runs, the advance the runs consume, operators at their credit limit,
and cancelling bills (bad input refused, nothing posted)."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import TestCase

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.accounts.models import Operator
from netbill.billing.amounts import bill_amounts
from netbill.billing.models import Bill
from netbill.billing.periods import period_containing
from netbill.billing.runs import bill_run_execute, bill_run_preview
from netbill.billing.services import (
    bill_apply,
    bill_cancel,
    billing_settings_for,
    bills_issue_first,
    operator_at_credit_limit,
)
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
from netbill.payments.services import operator_add_balance, payment_receive

pytestmark = pytest.mark.django_db

D = Decimal


def set_first_bill(tenant, mode):
    with in_scope(tenant):
        row = billing_settings_for(tenant)
        row.first_bill = mode
        row.save()


def new_customer(isp, setup, **overrides):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return make_customer(by=isp.ga, setup=setup, **overrides)


def vat_package(isp, setup, *, price, rate, mode, operator=None, name=None):
    """A master package with a VAT profile, sold by `operator` (X) at `price`."""
    vat = make_vat_profile(by=isp.ga, rate=rate, mode=mode)
    master = make_master_package(
        by=isp.ga,
        name=name or f"{mode} {rate} {price}",
        pppoe_profile=setup.profile,
        vat_profile=vat,
        price=D(price),
    )
    return make_operator_package(
        by=isp.ga,
        operator=operator or isp.op_x,
        master_package=master,
        operator_price="0.01",
        customer_price=price,
    )


def books_agree(tenant):
    assert queries.trial_balance_difference(tenant) == 0
    dues = sum((b.due for b in Bill.objects.filter(status__in=["unpaid", "partial"])), D("0"))
    assert queries.receivables_total(tenant) == dues


#
# First bills
#


@pytest.fixture
def quiet(isp):
    """Operator X's monthly package (600, due day 1, grace 3) with first bills off, so
    that each test issues them itself for a date it chooses."""
    set_first_bill(isp.tenant, "none")
    return customer_setup(isp)


@pytest.mark.parametrize(
    ("mode", "connected", "on", "period", "price"),
    [
        # 20–30 November: 11 of 30 days.
        ("prorata", date(2026, 11, 20), date(2026, 11, 20), (20, 30), "220.00"),
        # Connected on the 10th, registered on the 20th: billed from the 10th.
        ("prorata", date(2026, 11, 10), date(2026, 11, 20), (10, 30), "420.00"),
        # Connected last month: billed from the day of registration.
        ("prorata", date(2026, 10, 10), date(2026, 11, 20), (20, 30), "220.00"),
        # The due day itself: a whole month.
        ("prorata", date(2026, 11, 1), date(2026, 11, 1), (1, 30), "600.00"),
        ("full", date(2026, 11, 20), date(2026, 11, 20), (1, 30), "600.00"),
        # 30 November: one day of 30.
        ("prorata", date(2026, 11, 30), date(2026, 11, 30), (30, 30), "20.00"),
    ],
)
def test_first_bill_amounts(isp, quiet, mode, connected, on, period, price):
    customer = new_customer(isp, quiet, connection_date=connected)
    set_first_bill(isp.tenant, mode)
    with in_scope(isp.tenant):
        [bill] = bills_issue_first(tenant=isp.tenant, customer_ids=[customer.pk], on=on)
        assert (bill.kind, bill.period_start, bill.period_end) == (
            "first",
            date(2026, 11, period[0]),
            date(2026, 11, period[1]),
        )
        assert (bill.price, bill.vat_amount, bill.total) == (D(price), D("0.00"), D(price))
        assert bill.due_date == on
        assert bill.journal_entry_id is not None
        # X sells at 600 and buys at 400: its share is pro-rata too.
        assert bill.operator_share == (D(price) * D("200") / D("600")).quantize(D("0.01"))
        assert queries.customer_receivable(isp.tenant, customer.pk) == D(price)
        books_agree(isp.tenant)
        # Issuing again gives nothing: the period is billed.
        assert bills_issue_first(tenant=isp.tenant, customer_ids=[customer.pk], on=on) == []


def test_no_first_bill_leaves_it_to_the_next_run(isp, quiet):
    customer = new_customer(isp, quiet, connection_date=date(2026, 11, 20))
    with in_scope(isp.tenant):
        assert Bill.objects.count() == 0
        assert bills_issue_first(tenant=isp.tenant, customer_ids=[customer.pk]) == []
        # Connected after 1 November: the November run leaves it alone …
        assert (
            bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 11, 25)).billed == 0
        )
        # … and December's bills it in full.
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert run.billed == 1
        assert Bill.objects.get().total == D("600.00")


def test_the_first_bill_on_customer_created_follows_the_setting(isp):
    setup = customer_setup(isp)  # pro-rata (the default), due day 1
    customer = new_customer(isp, setup)
    with in_scope(isp.tenant):
        bill = Bill.objects.get(customer=customer)
        today = bill.issue_date
        assert (bill.kind, bill.due_date, bill.period_start) == ("first", today, today)
        assert bill.period_end == period_containing(today, 1)[1]
        assert bill.journal_entry_id is not None
        books_agree(isp.tenant)


def test_free_and_disabled_customers_get_no_first_bill(isp, quiet):
    free = make_billing_profile(by=isp.ga, name="Free", billing_type="free", operators=[isp.op_x])
    paused = make_billing_profile(
        by=isp.ga, name="Manual", auto_billing=False, operators=[isp.op_x]
    )
    a = new_customer(isp, SimpleNamespace(package=quiet.package, billing=free))
    b = new_customer(isp, SimpleNamespace(package=quiet.package, billing=paused))
    c = new_customer(isp, quiet, custom_price=D("0"))
    set_first_bill(isp.tenant, "full")
    with in_scope(isp.tenant):
        assert bills_issue_first(tenant=isp.tenant, customer_ids=[a.pk, b.pk, c.pk]) == []
        for kind in ("monthly", "daily", "prepaid"):
            assert bill_run_execute(tenant=isp.tenant, kind=kind, on=date(2026, 12, 1)).billed == 0
        assert not Bill.objects.exists()


def test_first_bill_consumes_the_advance(isp, quiet):
    customer = new_customer(isp, quiet, connection_date=date(2026, 11, 20))
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=customer, by=fresh_user(isp.ga), amount="500.00", kind="advance")
    set_first_bill(isp.tenant, "full")
    with in_scope(isp.tenant):
        [bill] = bills_issue_first(
            tenant=isp.tenant, customer_ids=[customer.pk], on=date(2026, 11, 20)
        )
        bill.refresh_from_db()
        assert (bill.status, bill.paid_amount, bill.due) == ("partial", D("500.00"), D("100.00"))
        customer.refresh_from_db()
        assert customer.advance_balance == 0
        assert queries.customer_advance(isp.tenant, customer.pk) == 0
        assert queries.customer_receivable(isp.tenant, customer.pk) == D("100.00")
        # Not paid: no commission yet.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == 0
        books_agree(isp.tenant)


#
# VAT: the SQL run and the Python first bill agree to the paisa
#

PRICES = ["523.37", "999.99", "0.33", "1.01", "600.00", "12345.67", "99.95"]


@pytest.mark.parametrize("mode", ["exclusive", "inclusive"])
@pytest.mark.parametrize("rate", ["5", "7.5", "15", "0.25"])
def test_vat_of_the_run_matches_the_first_bill(isp, quiet, mode, rate):
    on = date(2026, 12, 1)
    for n, price in enumerate(PRICES):
        package = vat_package(isp, quiet, price=price, rate=rate, mode=mode, name=f"P{n}")
        setup = SimpleNamespace(package=package, billing=quiet.billing)
        new_customer(isp, setup, connection_date=date(2026, 1, 1), username=f"run{n}")
        new_customer(isp, setup, connection_date=date(2026, 1, 1), username=f"fb{n}")
    # Full first bills for 1 December of the "fb" twins; the run bills the others.
    set_first_bill(isp.tenant, "full")
    with in_scope(isp.tenant):
        ids = list(Customer.objects.filter(username__startswith="fb").values_list("pk", flat=True))
        first_bills = {
            b.customer.username[2:]: b
            for b in bills_issue_first(tenant=isp.tenant, customer_ids=ids, on=on)
        }
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=on)
        assert run.billed == len(PRICES)
        books_agree(isp.tenant)
        for bill in Bill.objects.filter(bill_run=run).select_related("customer"):
            n = bill.customer.username[3:]
            twin = first_bills[n]
            expected = bill_amounts(D(PRICES[int(n)]), D(rate), mode == "inclusive")
            assert (bill.price, bill.vat_amount, bill.total) == (
                expected.price,
                expected.vat,
                expected.total,
            )
            assert (twin.price, twin.vat_amount, twin.total) == (
                bill.price,
                bill.vat_amount,
                bill.total,
            )
            assert bill.vat_rate == D(rate) and bill.vat_inclusive == (mode == "inclusive")


@pytest.mark.parametrize(
    ("price", "rate", "mode", "vat", "total"),
    [
        ("523.37", "5", "exclusive", "26.17", "549.54"),  # 26.1685 rounds up
        ("523.37", "7.5", "inclusive", "36.51", "523.37"),  # 36.5137…
        ("100.10", "5", "exclusive", "5.01", "105.11"),  # 5.005: half up
        ("105.00", "5", "inclusive", "5.00", "105.00"),
        ("0.10", "5", "exclusive", "0.01", "0.11"),  # 0.005: half up
        ("0.09", "5", "exclusive", "0.00", "0.09"),
        ("1000.00", "0", "exclusive", "0.00", "1000.00"),
    ],
)
def test_vat_rounding_examples(isp, quiet, price, rate, mode, vat, total):
    package = vat_package(isp, quiet, price=price, rate=rate, mode=mode)
    new_customer(
        isp,
        SimpleNamespace(package=package, billing=quiet.billing),
        connection_date=date(2026, 1, 1),
    )
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        bill = Bill.objects.get(bill_run=run)
        assert (bill.vat_amount, bill.total) == (D(vat), D(total))
        assert bill.net_revenue == D(total) - D(vat)
        accounts = queries.trial_balance(isp.tenant)
        by_key = {r["account"].key: r["balance"] for r in accounts}
        assert by_key["vat_payable"] == D(vat)
        assert by_key["revenue"] == D(total) - D(vat)
        books_agree(isp.tenant)


def test_an_inactive_vat_profile_charges_no_vat(isp, quiet):
    from netbill.catalog.models import VATProfile

    package = vat_package(isp, quiet, price="500.00", rate="5", mode="exclusive")
    with in_scope(isp.tenant):
        VATProfile.objects.filter(pk=package.master_package.vat_profile_id).update(is_active=False)
    new_customer(
        isp,
        SimpleNamespace(package=package, billing=quiet.billing),
        connection_date=date(2026, 1, 1),
    )
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert Bill.objects.get(bill_run=run).total == D("500.00")


#
# Daily runs
#


@pytest.fixture
def daily(isp, quiet):
    profile = make_billing_profile(
        by=isp.ga, name="Daily", billing_type="daily", operators=[isp.op_x]
    )
    return SimpleNamespace(package=quiet.package, billing=profile)


@pytest.mark.parametrize(
    ("on", "amount"),
    [
        (date(2026, 12, 15), "19.35"),  # 600 / 31 = 19.354…
        (date(2026, 11, 15), "20.00"),  # 600 / 30
        (date(2027, 2, 15), "21.43"),  # 600 / 28 = 21.428…
        (date(2028, 2, 29), "20.69"),  # 600 / 29 = 20.689…
    ],
)
def test_daily_run_bills_price_over_days_in_month(isp, daily, on, amount):
    customer = new_customer(isp, daily)
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="daily", on=on)
        bill = Bill.objects.get(bill_run=run)
        assert (bill.kind, bill.period_start, bill.period_end) == ("daily", on, on)
        assert bill.total == D(amount)
        # X's share (600 - 400) per day, rounded the same way.
        days = (date(on.year + on.month // 12, on.month % 12 + 1, 1) - timedelta(days=1)).day
        assert bill.operator_share == (D("200") / days).quantize(D("0.01"))
        assert bill.customer_id == customer.pk
        # The next day is another bill; the same day again is none.
        assert bill_run_execute(tenant=isp.tenant, kind="daily", on=on).billed == 0
        assert (
            bill_run_execute(tenant=isp.tenant, kind="daily", on=on + timedelta(days=1)).billed == 1
        )


def test_daily_run_takes_the_day_from_the_advance(isp, daily):
    customer = new_customer(isp, daily)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=customer, by=ga, amount="50.00", kind="advance")
    with in_scope(isp.tenant):
        for day in (1, 2, 3):
            run = bill_run_execute(tenant=isp.tenant, kind="daily", on=date(2026, 12, day))
            assert (run.billed, run.paid_from_credit) == (1, 1)
        statuses = list(Bill.objects.order_by("period_start").values_list("status", "paid_amount"))
        # 19.35 + 19.35 from the advance, then 11.30 of the third day.
        assert statuses == [
            ("paid", D("19.35")),
            ("paid", D("19.35")),
            ("partial", D("11.30")),
        ]
        customer.refresh_from_db()
        assert customer.advance_balance == 0
        # Two days paid: X earned its daily share twice.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("12.90")
        books_agree(isp.tenant)


def test_a_price_that_rounds_to_nothing_is_not_billed(isp, daily):
    # 0.10 a month is 0.3 paisa a day: no 0.00 bill that could never be paid off.
    customer = new_customer(isp, daily, custom_price=D("0.10"))
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="daily", on=date(2026, 12, 1))
        assert (run.billed, run.considered, run.skipped_existing) == (0, 0, 0)
        assert not Bill.objects.filter(customer=customer).exists()
        assert bill_run_preview(tenant=isp.tenant, kind="daily", on=date(2026, 12, 1)).due == 0


#
# Prepaid validity
#


@pytest.fixture
def prepaid(isp, quiet):
    profile = make_billing_profile(
        by=isp.ga, name="Prepaid", billing_type="prepaid", operators=[isp.op_x]
    )
    master = make_master_package(
        by=isp.ga,
        name="Week pack",
        pppoe_profile=quiet.profile,
        price=D("150.00"),
        validity="days",
        validity_days=7,
    )
    package = make_operator_package(
        by=isp.ga,
        operator=isp.op_x,
        master_package=master,
        operator_price="100",
        customer_price="150",
    )
    return SimpleNamespace(package=package, billing=profile)


def test_prepaid_run_bills_expired_customers_and_payment_extends_expiry(isp, prepaid):
    customer = new_customer(isp, prepaid)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        Customer.objects.filter(pk=customer.pk).update(expiry_date=date(2026, 12, 1))
        # Not expired yet on the 1st.
        assert bill_run_execute(tenant=isp.tenant, kind="prepaid", on=date(2026, 12, 1)).billed == 0
        run = bill_run_execute(tenant=isp.tenant, kind="prepaid", on=date(2026, 12, 2))
        bill = Bill.objects.get(bill_run=run)
        assert (bill.kind, bill.period_start, bill.period_end, bill.total) == (
            "prepaid",
            date(2026, 12, 2),
            date(2026, 12, 8),
            D("150.00"),
        )
        # The bill covers the week: no second bill within it.
        assert bill_run_execute(tenant=isp.tenant, kind="prepaid", on=date(2026, 12, 5)).billed == 0
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=customer, by=ga, amount="150.00")
        customer.refresh_from_db()
        assert customer.expiry_date == date(2026, 12, 8)
        assert bill_run_execute(tenant=isp.tenant, kind="prepaid", on=date(2026, 12, 8)).billed == 0
        # Expired on the 9th: the next week, paid from the advance at once.
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=customer, by=ga, amount="200.00", kind="advance")
        run = bill_run_execute(tenant=isp.tenant, kind="prepaid", on=date(2026, 12, 9))
        assert (run.billed, run.paid_from_credit) == (1, 1)
        bill = Bill.objects.get(bill_run=run)
        assert (bill.status, bill.period_end) == ("paid", date(2026, 12, 15))
        customer.refresh_from_db()
        assert customer.expiry_date == date(2026, 12, 15)
        assert customer.advance_balance == D("50.00")
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("100.00")  # 2 × 50
        books_agree(isp.tenant)


def test_prepaid_monthly_validity_and_one_group_per_validity(isp, quiet, prepaid):
    from netbill.catalog.models import MasterPackage

    profile = prepaid.billing
    monthly = make_master_package(
        by=isp.ga, name="Month pack", pppoe_profile=quiet.profile, price=D("500.00")
    )
    other = make_master_package(
        by=isp.ga, name="Month pack 2", pppoe_profile=quiet.profile, price=D("500.00")
    )
    with in_scope(isp.tenant):
        # Old data: a monthly package that still carries a number of days.
        MasterPackage.objects.filter(pk=other.pk).update(validity_days=30)
    for n, master in enumerate((monthly, other)):
        package = make_operator_package(by=isp.ga, operator=isp.op_x, master_package=master)
        new_customer(isp, SimpleNamespace(package=package, billing=profile), username=f"month{n}")
    with in_scope(isp.tenant):
        on = date(2027, 1, 31)
        preview = bill_run_preview(tenant=isp.tenant, kind="prepaid", on=on)
        assert preview.due == 2
        assert sorted(r.customer_id for r in preview.rows) == sorted(
            Customer.objects.filter(username__startswith="month").values_list("pk", flat=True)
        )
        run = bill_run_execute(tenant=isp.tenant, kind="prepaid", on=on)
        assert (run.billed, run.considered, run.skipped_existing) == (2, 2, 0)
        assert {(b.period_start, b.period_end) for b in Bill.objects.filter(bill_run=run)} == {
            (date(2027, 1, 31), date(2027, 2, 28))
        }


#
# Operators at their credit limit
#


def test_an_operator_at_its_credit_limit_is_skipped_and_cannot_create_customers(isp, quiet):
    customers = [new_customer(isp, quiet, connection_date=date(2026, 1, 1)) for _ in range(2)]
    with in_scope(isp.tenant):
        Operator.objects.filter(pk=isp.op_x.pk).update(
            balance=D("-1000.00"), credit_limit=D("1000")
        )
        op_x = Operator.objects.get(pk=isp.op_x.pk)
        assert operator_at_credit_limit(op_x)
        preview = bill_run_preview(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert (preview.due, preview.blocked_count) == (0, 2)
        assert {r.reason for r in preview.blocked} == {"credit_limit"}
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert (run.billed, run.skipped_credit_limit, run.considered) == (0, 2, 2)
        assert not Bill.objects.filter(period_start=date(2026, 12, 1)).exists()
    with pytest.raises(BusinessRuleError) as refused:
        make_customer(by=isp.ga, setup=quiet)
    assert "credit limit" in str(refused.value)
    # One taka short of the limit is not at it.
    with in_scope(isp.tenant):
        operator_add_balance(
            operator=op_x, by=fresh_user(isp.ga), amount="1.00", reference="Top-up"
        )
        assert not operator_at_credit_limit(Operator.objects.get(pk=isp.op_x.pk))
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert (run.billed, run.skipped_credit_limit) == (2, 0)
        assert {b.customer_id for b in Bill.objects.filter(bill_run=run)} == {
            c.pk for c in customers
        }


def test_the_group_admins_own_customers_are_never_blocked(isp):
    setup = customer_setup(isp, operator=isp.root)
    new_customer(isp, setup, connection_date=date(2026, 1, 1))
    with in_scope(isp.tenant):
        Operator.objects.filter(pk=isp.root.pk).update(balance=D("-99999"))
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert (run.billed, run.skipped_credit_limit) == (1, 0)
        assert Bill.objects.get(bill_run=run).operator_share == 0


#
# Cancelling
#


@pytest.fixture
def billed(isp, quiet):
    customer = new_customer(isp, quiet, connection_date=date(2026, 1, 1))
    with in_scope(isp.tenant):
        bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        bill = Bill.objects.get(customer=customer)
    return SimpleNamespace(customer=customer, bill=bill, ga=fresh_user(isp.ga))


def test_cancelling_reverses_the_bill_and_keeps_what_was_paid_as_credit(isp, billed):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=billed.customer, by=billed.ga, amount="250.00")
        bill = bill_cancel(bill=billed.bill, by=billed.ga, reason="  Wrong   package ")
    with in_scope(isp.tenant):
        assert (bill.status, bill.cancel_reason) == ("cancelled", "Wrong package")
        assert bill.cancelled_at is not None
        customer = Customer.objects.get(pk=billed.customer.pk)
        assert customer.advance_balance == D("250.00")
        assert queries.customer_advance(isp.tenant, customer.pk) == D("250.00")
        assert queries.customer_receivable(isp.tenant, customer.pk) == 0
        by_key = {r["account"].key: r["balance"] for r in queries.trial_balance(isp.tenant)}
        assert by_key["revenue"] == 0 and by_key["receivable"] == 0
        assert by_key["cash"] == D("250.00")
        books_agree(isp.tenant)
        # A cancelled period is never billed again.
        assert bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 2)).billed == 0


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_cancellation_needs_a_reason(isp, billed, reason):
    with in_scope(isp.tenant):
        before = JournalEntry.objects.count()
        with pytest.raises(BusinessRuleError) as refused:
            bill_cancel(bill=billed.bill, by=billed.ga, reason=reason)
        assert "reason" in refused.value.message_dict
        assert JournalEntry.objects.count() == before
        assert Bill.objects.get(pk=billed.bill.pk).status == "unpaid"


def test_paid_and_cancelled_bills_cannot_be_cancelled_or_paid(isp, billed):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=billed.customer, by=billed.ga, amount="600.00")
    with in_scope(isp.tenant):
        before = JournalEntry.objects.count()
        with pytest.raises(BusinessRuleError):
            bill_cancel(bill=billed.bill, by=billed.ga, reason="Too late")
        assert Bill.objects.get(pk=billed.bill.pk).status == "paid"
        # A cancelled bill takes no money.
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2027, 1, 1))
        january = Bill.objects.get(bill_run=run)
        bill_cancel(bill=january, by=billed.ga, reason="Waived")
        with pytest.raises(BusinessRuleError):
            bill_cancel(bill=january, by=billed.ga, reason="Again")
        january.refresh_from_db()
        with pytest.raises(BusinessRuleError):
            bill_apply(january, D("10.00"))
        assert Bill.objects.get(pk=january.pk).paid_amount == 0
        # Paying the customer now makes advance credit, not a payment of the cancelled bill.
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = payment_receive(customer=billed.customer, by=billed.ga, amount="10.00")
        assert payment.advance_amount == D("10.00")
        assert not payment.allocations.exists()
        assert JournalEntry.objects.count() == before + 3  # Jan run, cancel, payment
        books_agree(isp.tenant)


def test_bill_apply_refuses_more_than_the_due_and_nothing(isp, billed):
    with in_scope(isp.tenant):
        for amount in ("0", "-1", "600.01"):
            with pytest.raises(BusinessRuleError):
                bill_apply(billed.bill, D(amount))
        assert Bill.objects.get(pk=billed.bill.pk).paid_amount == 0


def test_cancelling_needs_the_permission_and_the_reach(isp, billed):
    with in_scope(isp.tenant):
        for user in (isp.noc, isp.user_y):
            with pytest.raises(BusinessRuleError):
                bill_cancel(bill=billed.bill, by=fresh_user(user), reason="Not mine")
        assert Bill.objects.get(pk=billed.bill.pk).status == "unpaid"
