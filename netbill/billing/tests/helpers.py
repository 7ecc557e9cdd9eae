"""Billing test helpers: a customer with bills, payments and an operator deposit."""

from datetime import date
from decimal import Decimal

from django.test import TestCase

from conftest import in_scope
from netbill.billing.runs import bill_run_execute
from netbill.core.testing.people import fresh_user
from netbill.customers.tests.helpers import customer_setup, make_customer


def billed_customer(isp, setup=None, *, operator=None, on=date(2026, 12, 1), **overrides):
    """A customer (operator X's by default) with its first bill and the monthly bill of
    `on` (run for the whole ISP). Returns (customer, bill_run)."""
    setup = setup or customer_setup(isp, operator=operator)
    with in_scope(isp.tenant):
        with TestCase.captureOnCommitCallbacks(execute=True):
            customer = make_customer(
                by=isp.ga, setup=setup, connection_date=date(2026, 1, 1), **overrides
            )
        run = bill_run_execute(tenant=isp.tenant, kind="monthly", on=on)
    return customer, run


def add_billing_rows(isp, label="Alpha secret", *, pool_subnet="10.61.0.0/22"):
    """One row of every billing, payments and accounting model in `isp`, so that every
    pk URL has something to try: bills (one paid by a payment), a bill run, a payment
    with its allocation, an operator deposit. Names carry `label`."""
    from netbill.payments.services import operator_add_balance, payment_receive
    from netbill.tenancy.models import Zone

    setup = customer_setup(isp, pool_subnet=pool_subnet, label=f"{label} billing")
    with in_scope(isp.tenant):
        zone = Zone.objects.filter(tenant=isp.tenant).first()
    customer, run = billed_customer(
        isp, setup, name=f"{label} billed customer", address=f"{label} address", zone=zone
    )
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = payment_receive(
                customer=customer, by=ga, amount=Decimal("100.00"), reference=f"{label} receipt"
            )
        deposit = operator_add_balance(
            operator=isp.op_x, by=ga, amount=Decimal("5000.00"), reference=f"{label} deposit"
        )
    return {"customer": customer, "bill_run": run, "payment": payment, "deposit": deposit}
