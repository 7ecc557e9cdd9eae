"""Helpers of the gateway tests (Razorpay, ShurjoPay, aamarPay, EasyPayWay, WalletMix):
JSON fixtures in each provider's documented shape, a configured gateway, and the real
services (`payment_start`, `callback_receive`, `txn_verify`) run inside the ISP's scope.

Fixtures hold placeholders ("{{reference}}", "{{amount}}", "{{paise}}") that `fixture()`
replaces with the attempt's own values, keeping the value's type (Razorpay's paise are
integers)."""

import json
from decimal import Decimal
from pathlib import Path

from django.test import TestCase

from conftest import in_scope
from netbill.accounting.chart import gateway_key
from netbill.accounting.models import JournalEntry, JournalLine
from netbill.billing.models import Bill
from netbill.core.models import AuditLog
from netbill.payments.choices import CheckTriggerChoices
from netbill.payments.gateway_services import callback_receive, payment_start, txn_verify
from netbill.payments.gateways import CallbackRequest, Urls
from netbill.payments.models import GatewayCallback, GatewayTransaction, Payment, PaymentGateway

FIXTURES = Path(__file__).parent / "fixtures"
RETURN_URL = "https://netbill.test/pay/alpha/return/{provider}/"
IPN_URL = "https://netbill.test/pay/alpha/ipn/{provider}/"
CLIENT_IP = "203.0.113.7"
GATEWAY_IP = "198.51.100.9"


def fixture(name: str, **values):
    """A fixture file with its "{{name}}" placeholders replaced by `values`."""
    data = json.loads((FIXTURES / name).read_text())

    def fill(node):
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str) and node.startswith("{{") and node.endswith("}}"):
            return values[node[2:-2]]
        return node

    return fill(data)


def urls_for(txn) -> Urls:
    return Urls(
        return_url=RETURN_URL.format(provider=txn.provider),
        ipn_url=IPN_URL.format(provider=txn.provider),
    )


def make_gateway(isp, provider: str, credentials: dict, *, sandbox: bool = True):
    with in_scope(isp.tenant):
        gateway = PaymentGateway(
            tenant=isp.tenant, provider=provider, is_active=True, is_sandbox=sandbox
        )
        gateway.set_credentials(credentials)
        gateway.save()
    return gateway


def start(customer, gateway, **kwargs) -> GatewayTransaction:
    with in_scope(customer.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_start(
            customer=customer, gateway=gateway, urls_for=urls_for, client_ip=CLIENT_IP, **kwargs
        )


def receive(gateway, *, method="GET", query=None, form=None, body=b"", headers=None):
    request = CallbackRequest(
        method=method,
        query=query or {},
        form=form or {},
        body=body,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        remote_ip=GATEWAY_IP,
    )
    with in_scope(gateway.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return callback_receive(gateway=gateway, request=request)


def verify(txn) -> GatewayTransaction:
    with in_scope(txn.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return txn_verify(txn, trigger=CheckTriggerChoices.BEAT)


def reload(txn) -> GatewayTransaction:
    with in_scope(txn.tenant):
        return GatewayTransaction.objects.get(pk=txn.pk)


def paise(amount: Decimal) -> int:
    return int(amount * 100)


def assert_paid_once(customer, txn, provider: str) -> Payment:
    """One payment for the attempt, one journal entry debiting gateway:<provider> with
    the amount, every bill paid."""
    with in_scope(customer.tenant):
        txn = GatewayTransaction.objects.get(pk=txn.pk)
        assert txn.status == "succeeded", txn.detail
        payments = list(Payment.objects.filter(customer=customer))
        assert len(payments) == 1
        payment = payments[0]
        assert txn.payment_id == payment.pk
        assert (payment.amount, payment.method) == (txn.amount, "gateway")
        assert payment.idempotency_key == f"gw:{txn.reference}"
        lines = JournalLine.objects.filter(account__key=gateway_key(provider))
        assert [(line.debit, line.credit) for line in lines] == [(txn.amount, Decimal("0.00"))]
        assert lines[0].entry_id == payment.journal_entry_id
        assert JournalEntry.objects.filter(lines__account__key=gateway_key(provider)).count() == 1
        assert set(Bill.objects.filter(customer=customer).values_list("status", flat=True)) == {
            "paid"
        }
        return payment


def assert_nothing_credited(customer, provider: str) -> None:
    with in_scope(customer.tenant):
        assert not Payment.objects.filter(customer=customer).exists()
        assert not JournalLine.objects.filter(account__key=gateway_key(provider)).exists()
        assert "paid" not in set(
            Bill.objects.filter(customer=customer).values_list("status", flat=True)
        )


def assert_refused_and_logged(gateway, reason_part: str) -> None:
    """The callback was refused: kept as not accepted, with an audit entry."""
    with in_scope(gateway.tenant):
        rows = list(GatewayCallback.objects.filter(gateway=gateway))
        assert [(row.accepted, row.txn_id) for row in rows] == [(False, None)]
        assert reason_part in rows[0].reason
        audits = AuditLog.objects.filter(action="gateway.callback_rejected")
        assert audits.count() == 1
