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
