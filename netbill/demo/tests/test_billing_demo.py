"""The demo ISP's billing (seed_demo, issue 6): months of bills written by the real runs,
payments at the counter, advance credit, a daily and a prepaid customer, operator
deposits and today's auto-suspension, all agreeing with the ledger."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.accounting.services import local_today
from netbill.accounts.models import Operator
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill, BillingSettings, BillRun
from netbill.billing.periods import days_in_month
from netbill.billing.runs import bill_run_preview
from netbill.billing.services import (
    AUTO_SUSPEND_REASON,
    operator_at_credit_limit,
    suspension_preview,
)
from netbill.customers.models import Customer
from netbill.demo.management.commands import seed_demo
from netbill.payments.models import OperatorDeposit, Payment
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

D = Decimal


def _seed() -> Tenant:
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    return Tenant.objects.get(slug=seed_demo.DEMO_SLUG)


def _months_back(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _open_dues(**filters) -> Decimal:
    bills = Bill.objects.filter(status__in=OPEN_STATUSES, **filters)
    return sum((b.total - b.paid_amount for b in bills), D("0.00"))


def test_the_demo_has_bills_for_this_month_and_the_three_before():
    tenant = _seed()
    with in_scope(tenant):
        today = local_today(tenant)
        settings = BillingSettings.objects.get()
        assert (settings.first_bill, settings.suspension_breaker_percent) == ("prorata", D("10"))
        # Customers of the 1st-of-month profile connected long ago have one bill a month.
        long_standing = Customer.objects.filter(
            billing_profile__name="1st of month",
            connection_date__lte=_months_back(today, seed_demo.DEMO_BILLING_MONTHS),
        ).exclude(status="disabled")
        assert long_standing.count() >= 20
        months = [_months_back(today, n) for n in range(seed_demo.DEMO_BILLING_MONTHS, -1, -1)]
        for customer in long_standing:
            starts = list(
                customer.bills.filter(kind="monthly")
                .order_by("period_start")
                .values_list("period_start", flat=True)
            )
            assert starts == months, customer.username
        # Every billing profile bills its customers: monthly on the 1st, the 15th and the
        # last day of the month, daily, prepaid validity.
        by_profile = {
            name: Bill.objects.filter(customer__billing_profile__name=name).count()
            for name in (
                "1st of month",
                "15th of month",
                "Month end",
                "Daily (from balance)",
                "Prepaid validity",
            )
        }
        assert all(by_profile.values()), by_profile
        # "Month end": the last day of each month, short months included.
        for start in Bill.objects.filter(
            customer__billing_profile__name="Month end", kind="monthly"
        ).values_list("period_start", flat=True):
            assert start.day == days_in_month(start.year, start.month)
        # Never two bills for one customer and period, never overlapping periods.
        for customer in Customer.objects.all():
            periods = list(
                customer.bills.order_by("period_start").values_list("period_start", "period_end")
            )
            for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
                assert s2 > e1, customer.username
        # The runs are recorded on their days, as beat would have run them.
        runs = BillRun.objects.all()
        assert runs.filter(kind="monthly", run_date=months[0]).get().billed > 20
        assert runs.filter(kind="monthly", run_date=months[-1]).get().billed > 20
        assert runs.filter(kind="daily").count() == 10
        assert runs.filter(kind="prepaid").count() == 2
        assert runs.filter(kind="suspension", run_date=today).get().suspended == 2
        # The demo customers' current periods are billed: tonight's run would bill only
        # the customers imported today (their first bills follow the import's commit).
        preview = bill_run_preview(tenant=tenant, kind="monthly", on=today)
        assert {row.username for row in preview.rows} <= {
            c.username for c in Customer.objects.filter(username__startswith="utt-1")
        }
        # VAT (5 % exclusive) on the home packages' bills.
        bill = Bill.objects.filter(kind="monthly", package_name="Home 10 Mbps").first()
        assert (bill.vat_rate, bill.vat_inclusive) == (D("5.0000"), False)
        assert bill.vat_amount == (bill.price * D("0.05")).quantize(D("0.01"))


def test_most_bills_are_paid_at_the_counter_over_the_months():
    tenant = _seed()
    with in_scope(tenant):
        today = local_today(tenant)
        bills = Bill.objects.exclude(status="cancelled")
        paid = bills.filter(status="paid").count()
        assert paid >= 0.8 * bills.count()
        # (Online and card payments, issue 7, have no cashier: test_payments_demo.)
        payments = Payment.objects.filter(method__in=("cash", "bank")).select_related("received_by")
        # Cash at the Group Admin's counter and at a reseller's cash desk (Mirpur Link's
        # manager), and Uttara Net's own login.
        assert {p.received_by.username for p in payments} == {"admin", "manager", "uttara"}
        months = {(p.received_at.year, p.received_at.month) for p in payments}
        assert len(months) == seed_demo.DEMO_BILLING_MONTHS + 1
        assert all(p.received_at.date() <= today for p in payments)
        # Cash a reseller's desk took is owed by the reseller, not in the ISP's till.
        desk = payments.filter(received_by__username="manager").first()
        assert desk.collector.name == "Mirpur Link"
        assert payments.filter(received_by__username="admin", collector__isnull=True).exists()
        # Operator deposits: the resellers hand the cash over at the month's end.
        deposits = OperatorDeposit.objects.select_related("operator")
        assert {d.operator.name for d in deposits} == {"Mirpur Link", "Uttara Net"}
        assert all(d.amount > 0 and d.journal_entry_id for d in deposits)
        # Nobody is at the credit limit: the resellers can still bill and add customers.
        assert not [o.name for o in Operator.objects.all() if operator_at_credit_limit(o)]


def test_advance_partial_daily_and_prepaid_customers():
    tenant = _seed()
    with in_scope(tenant):
        today = local_today(tenant)
        customers = {c.username: c for c in Customer.objects.all()}
        # Paid three months ahead: this month's bill was taken from the advance.
        mizan = customers[seed_demo.DEMO_ADVANCE]
        assert Payment.objects.filter(customer=mizan, kind="advance").exists()
        current = mizan.bills.get(period_start=today.replace(day=1))
        assert current.status == "paid"
        assert mizan.advance_balance == D("2600.00") - current.total > 0
        # Part of this month's bill paid, the rest promised: not auto-suspended.
        karim = customers[seed_demo.DEMO_PARTIAL]
        partial = karim.bills.get(status="partial")
        assert (partial.paid_amount, partial.due) == (D("500.00"), partial.total - D("500.00"))
        assert karim.status == "active"
        assert karim.suspension_extended_until > today
        # Billed a day at a time from a balance: the last ten days, all paid from it.
        daily = customers[seed_demo.DEMO_DAILY]
        days = list(daily.bills.order_by("period_start").values_list("period_start", "status"))
        assert days == [(today - datetime.timedelta(days=n), "paid") for n in range(9, -1, -1)]
        assert D("0") < daily.advance_balance < D("300")
        # Prepaid validity: paid, and valid beyond today.
        prepaid = customers[seed_demo.DEMO_PREPAID]
        assert prepaid.expiry_date >= today
        assert set(prepaid.bills.values_list("kind", "status")) == {("prepaid", "paid")}
        assert customers[seed_demo.DEMO_NEVER_SUSPEND].never_auto_suspend


def test_the_books_agree_with_the_bills():
    tenant = _seed()
    with in_scope(tenant):
        assert queries.trial_balance_difference(tenant) == 0
        rows = queries.trial_balance(tenant)
        assert sum(r["debit"] for r in rows) == sum(r["credit"] for r in rows) > 0
        # Receivables are exactly the open dues, in total and customer by customer.
        open_dues = _open_dues()
        assert open_dues > 0
        assert queries.receivables_total(tenant) == open_dues
        for customer in Customer.objects.all():
            assert queries.customer_receivable(tenant, customer.pk) == _open_dues(
                customer=customer
            ), customer.username
            assert queries.customer_advance(tenant, customer.pk) == customer.advance_balance
        for operator in Operator.objects.all():
            assert queries.operator_balance(tenant, operator.pk) == operator.balance
        # Cash: what the counters and the deposits brought in, less nothing paid out.
        assert Payment.objects.aggregate(s=Sum("amount"))["s"] > 0


def test_overdue_customers_are_auto_suspended_and_nobody_else_is_due_for_it():
    tenant = _seed()
    with in_scope(tenant):
        today = local_today(tenant)
        customers = Customer.objects.all()
        auto = customers.filter(status_reason=AUTO_SUSPEND_REASON)
        assert sorted(auto.values_list("username", flat=True)) == sorted(
            seed_demo.DEMO_AUTO_SUSPENDED
        )
        for customer in auto:
            assert customer.status == "suspended"
            overdue = customer.bills.filter(status__in=OPEN_STATUSES).order_by("due_date").first()
            grace = customer.billing_profile.grace_days
            assert overdue.due_date + datetime.timedelta(days=grace) < today
        # Suspended by hand earlier (an unpaid bill), and still owing.
        by_hand = customers.filter(status="suspended").exclude(status_reason=AUTO_SUSPEND_REASON)
        assert sorted(by_hand.values_list("username", flat=True)) == sorted(
            set(seed_demo.DEMO_SUSPENDED) - set(seed_demo.DEMO_AUTO_SUSPENDED)
        )
        assert all(_open_dues(customer=c) > 0 for c in by_hand)
        # Tonight's run would suspend nobody more.
        assert suspension_preview(tenant=tenant, on=today)["count"] == 0


def test_a_second_seed_adds_no_billing():
    tenant = _seed()
    with in_scope(tenant):
        counts = (
            Bill.objects.count(),
            Payment.objects.count(),
            JournalEntry.objects.count(),
            BillRun.objects.count(),
            OperatorDeposit.objects.count(),
        )
    _seed()
    with in_scope(tenant):
        assert (
            Bill.objects.count(),
            Payment.objects.count(),
            JournalEntry.objects.count(),
            BillRun.objects.count(),
            OperatorDeposit.objects.count(),
        ) == counts


@pytest.mark.django_db(transaction=True)
def test_after_the_commit_the_imported_customers_get_their_first_bills():
    """Committed for real: the services' on-commit work (first bills, restoring customers
    who paid, CoA) runs inside the ISP's scope and fails nowhere; only the customers
    imported today get a first bill, the others' current periods are already billed."""
    tenant = _seed()
    with in_scope(tenant):
        today = local_today(tenant)
        first = Bill.objects.filter(kind="first")
        imported = set(
            Customer.objects.filter(username__startswith="utt-1").values_list("pk", flat=True)
        )
        assert len(imported) == 10
        assert set(first.values_list("customer_id", flat=True)) == imported
        assert all(b.period_start == today and b.status == "unpaid" for b in first)
        assert queries.trial_balance_difference(tenant) == 0
        assert queries.receivables_total(tenant) == _open_dues()
