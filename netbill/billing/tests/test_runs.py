"""Bill runs end to end on the service level: amounts, ledger, idempotency, advance."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase

from conftest import in_scope
from netbill.accounting import queries
from netbill.billing.choices import BillStatusChoices
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute, bill_run_preview
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db

D = Decimal


def _customer(isp, setup, **overrides):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return make_customer(by=isp.ga, setup=setup, **overrides)


def test_monthly_run_bills_once_and_balances(isp):
    setup = customer_setup(isp)
    with in_scope(isp.tenant):
        customers = [_customer(isp, setup, connection_date=date(2026, 1, 1)) for _ in range(3)]
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert run.billed == 3
        bills = Bill.objects.filter(bill_run=run)
        assert {b.customer_id for b in bills} == {c.pk for c in customers}
        bill = bills.first()
        assert bill.period_start == date(2026, 12, 1)
        assert bill.period_end == date(2026, 12, 31)
        assert bill.total == D("600.00")
        assert queries.trial_balance_difference(isp.tenant) == 0
        # Receivables are the unpaid totals: three first bills (26–30 Nov) and December.
        unpaid = sum(b.total - b.paid_amount for b in Bill.objects.all())
        assert queries.receivables_total(isp.tenant) == unpaid == D("2100.00")
        again = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert again.billed == 0
        assert again.skipped_existing == 0
        assert Bill.objects.count() == 6


def test_run_consumes_advance_and_pays_commission(isp):
    setup = customer_setup(isp)
    with in_scope(isp.tenant):
        customer = _customer(isp, setup, connection_date=date(2026, 1, 1))
        Customer.objects.filter(pk=customer.pk).update(advance_balance=D("1000.00"))
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        bill = Bill.objects.get(bill_run=run)
        assert bill.status == BillStatusChoices.PAID
        customer.refresh_from_db()
        assert customer.advance_balance == D("400.00")
        isp.op_x.refresh_from_db()
        assert isp.op_x.balance == D("200.00")  # 600 customer price - 400 operator price
        preview = bill_run_preview(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert preview.due == 0


def test_payment_allocates_oldest_first_then_advance(isp):
    from netbill.payments.services import payment_receive

    setup = customer_setup(isp)
    with in_scope(isp.tenant):
        customer = _customer(isp, setup, connection_date=date(2026, 1, 1))
        bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = payment_receive(
                customer=customer, by=isp.ga, amount="1000", idempotency_key="k1"
            )
        again = payment_receive(customer=customer, by=isp.ga, amount="1000", idempotency_key="k1")
        assert again.pk == payment.pk
        assert payment.advance_amount == D("300.00")
        assert not Bill.objects.exclude(status=BillStatusChoices.PAID).exists()
        customer.refresh_from_db()
        assert customer.advance_balance == D("300.00")
        assert queries.customer_advance(isp.tenant, customer.pk) == D("300.00")
        assert queries.customer_receivable(isp.tenant, customer.pk) == 0
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_a_run_bills_only_its_own_isp_and_records_what_it_did(isp, other_isp):
    from netbill.accounting.models import JournalEntry, JournalLine

    mine = customer_setup(isp)
    theirs = customer_setup(other_isp, pool_subnet="10.70.0.0/22", label="Beta")
    with in_scope(isp.tenant):
        _customer(isp, mine, connection_date=date(2026, 1, 1))
    with in_scope(other_isp.tenant):
        _customer(other_isp, theirs, connection_date=date(2026, 1, 1))
    with in_scope(isp.tenant):
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2026, 12, 1))
        assert (run.status, run.kind, run.run_date) == ("done", "monthly", date(2026, 12, 1))
        assert (run.considered, run.billed, run.skipped_existing, run.skipped_credit_limit) == (
            1,
            1,
            0,
            0,
        )
        assert run.amount == D("600.00")
        assert run.duration_ms is not None and run.finished_at is not None
        assert run.details["groups"][0]["start"] == "2026-12-01"
        entry = JournalEntry.objects.get(pk=run.journal_entry_id)
        assert (entry.source, entry.source_id, entry.date) == ("bill_run", run.pk, run.run_date)
        assert JournalLine.objects.filter(entry=entry).count() == 2  # receivable, revenue
    with in_scope(other_isp.tenant):
        # Beta has only its first bill: Alpha's run did not touch it.
        assert not Bill.objects.filter(period_start=date(2026, 12, 1)).exists()
        assert queries.trial_balance_difference(other_isp.tenant) == 0


@pytest.mark.parametrize("kind", ["monthly", "daily", "prepaid"])
def test_a_run_with_nothing_to_bill_posts_nothing(isp, kind):
    from netbill.accounting.models import JournalEntry

    with in_scope(isp.tenant):
        before = JournalEntry.objects.count()
        run = bill_run_execute(tenant=isp.tenant, kind=kind, on=date(2026, 12, 1))
        assert (run.billed, run.journal_entry_id, run.amount) == (0, None, 0)
        assert JournalEntry.objects.count() == before


def test_suspension_is_not_a_billing_run(isp):
    with in_scope(isp.tenant), pytest.raises(ValueError):
        bill_run_execute(tenant=isp.tenant, kind="suspension", on=date(2026, 12, 1))


def test_daily_run_catches_up_missed_days_and_spends_advance_oldest_first(isp):
    """The server was down for two days: the next daily run charges each missed day
    once, at its own month's rate, and the advance pays the oldest day first."""
    from netbill.catalog.tests.helpers import make_billing_profile
    from netbill.payments.services import payment_receive

    setup = customer_setup(isp)
    daily = make_billing_profile(
        by=isp.ga, name="Daily", operators=[isp.op_x], billing_type="daily"
    )
    with in_scope(isp.tenant):
        customer = _customer(isp, setup, connection_date=date(2026, 1, 1), billing_profile=daily)
        first = bill_run_execute(tenant=isp.tenant, kind="daily", on=date(2026, 11, 28))
        assert first.billed == 1
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=customer, by=isp.ga, amount="1000.00", kind="advance")
        run = bill_run_execute(tenant=isp.tenant, kind="daily", on=date(2026, 12, 1))
        bills = list(Bill.objects.filter(bill_run=run).order_by("period_start"))
        # 29 and 30 November at 600/30, 1 December at 600/31.
        assert [(b.period_start.day, b.total) for b in bills] == [
            (29, D("20.00")),
            (30, D("20.00")),
            (1, D("19.35")),
        ]
        assert all(b.status == BillStatusChoices.PAID for b in bills)
        assert bill_run_execute(tenant=isp.tenant, kind="daily", on=date(2026, 12, 1)).billed == 0
        customer.refresh_from_db()
        assert customer.advance_balance == queries.customer_advance(isp.tenant, customer.pk)
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_a_failing_scheduled_run_is_recorded_and_the_others_still_run(isp, monkeypatch):
    from datetime import datetime

    from django.utils import timezone

    from netbill.billing import runs, tasks
    from netbill.billing.models import BillRun

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "bill_run_execute", broken)
    late = timezone.make_aware(datetime(2026, 12, 1, 3, 0), isp.tenant.zone)
    monkeypatch.setattr(timezone, "now", lambda: late)
    tasks.runs_due_task.apply(kwargs={"tenant_id": isp.tenant.pk})
    with in_scope(isp.tenant):
        rows = {r.kind: (r.status, r.message) for r in BillRun.objects.filter(tenant=isp.tenant)}
    assert rows["monthly"] == ("failed", "RuntimeError: disk full")
    assert rows["suspension"][0] == "done"  # the suspension run went on
