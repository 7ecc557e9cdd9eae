"""Helpers of the gateway pages' tests: the Sandbox gateway set up and active, online
payment attempts started through it, and the Sandbox's record of a customer who paid
(what its checkout page writes), so that Verify finds the money."""

from types import SimpleNamespace

from django.test import TestCase

from conftest import in_scope
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.gateway_admin import gateway_configure
from netbill.payments.gateway_services import payment_start
from netbill.payments.gateways import Urls
from netbill.payments.models import GatewayTransaction


def sandbox_gateway(isp, **overrides):
    values = {
        "by": fresh_user(isp.ga),
        "tenant": isp.tenant,
        "provider": "sandbox",
        "values": {"merchant_name": "Test shop"},
        "display_name": "Test pay",
        "is_active": True,
        **overrides,
    }
    with in_scope(isp.tenant):
        return gateway_configure(**values)


def urls_for(txn):
    return Urls(return_url="https://example.test/return", ipn_url="https://example.test/ipn")


def start(isp, customer, gateway, amount=None):
    with in_scope(isp.tenant):
        return payment_start(customer=customer, gateway=gateway, urls_for=urls_for, amount=amount)


def mark_paid(txn, *, amount=None, trx_id="SBX1"):
    """The Sandbox's own record that the customer paid (as its checkout page writes)."""
    record = {"state": "paid", "amount": str(amount or txn.amount), "trx_id": trx_id}
    GatewayTransaction._base_manager.filter(pk=txn.pk).update(
        meta={**(txn.meta or {}), "sandbox": record}
    )
    txn.meta = {**(txn.meta or {}), "sandbox": record}
    return txn


def gateway_rows(isp, *, label="Gw"):
    """Per ISP: the active Sandbox gateway; a billed customer of operator X and one of
    operator Y; an open attempt of each (X's for 100.00, Y's for 50.00)."""
    slug = label.lower()
    setup_x = customer_setup(isp, pool_subnet="10.80.0.0/22", label=f"{label} X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.81.0.0/22", label=f"{label} Y")
    with in_scope(isp.tenant):
        cx, _run = billed_customer(isp, setup_x, name=f"{slug} payer x")
        cy, _run = billed_customer(isp, setup_y, name=f"{slug} payer y")
    gateway = sandbox_gateway(isp)
    with TestCase.captureOnCommitCallbacks(execute=True):
        txn_x = start(isp, cx, gateway, amount="100.00")
        txn_y = start(isp, cy, gateway, amount="50.00")
    return SimpleNamespace(gateway=gateway, customer_x=cx, customer_y=cy, txn_x=txn_x, txn_y=txn_y)
