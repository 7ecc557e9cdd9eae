"""Shared by the gateway tests: recorded responses, a configured gateway, a started
payment, a callback, and what "paid once" and "nothing credited" mean in the ledger."""

import json
from decimal import Decimal
from pathlib import Path

from django.test import TestCase

from conftest import in_scope
from netbill.accounting import chart
from netbill.accounting.models import JournalEntry, JournalLine
from netbill.billing.choices import BillStatusChoices
from netbill.billing.models import Bill
from netbill.core.models import AuditLog
from netbill.payments.gateway_services import callback_receive, payment_start
from netbill.payments.gateways import CallbackRequest, Urls
from netbill.payments.models import Allocation, GatewayCallback, Payment, PaymentGateway

FIXTURES = Path(__file__).parent / "fixtures"
CLIENT_IP = "203.0.113.9"


def recorded(name: str, **changes) -> dict:
    """A recorded response (fixtures/<provider>/<name>.json) with some fields changed."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data.update(changes)
    return data


def make_gateway(isp, provider: str, credentials: dict, *, sandbox: bool = True):
    with in_scope(isp.tenant):
        gateway = PaymentGateway(
            tenant=isp.tenant, provider=provider, is_sandbox=sandbox, is_active=True
        )
        gateway.set_credentials(credentials)
        gateway.save()
    return gateway


def urls_for(txn) -> Urls:
    base = f"https://billing.example.net/pay/{txn.tenant.slug}"
    return Urls(return_url=f"{base}/return/{txn.provider}/", ipn_url=f"{base}/ipn/{txn.provider}/")


def start(customer, gateway):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return payment_start(
            customer=customer, gateway=gateway, urls_for=urls_for, client_ip=CLIENT_IP
        )


def receive(gateway, *, method="GET", query=None, form=None, body=b"", headers=None):
    request = CallbackRequest(
        method=method,
        query=query or {},
        form=form or {},
        body=body,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        remote_ip="198.51.100.7",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return callback_receive(gateway=gateway, request=request)


def due(customer) -> Decimal:
    bills = Bill.objects.filter(customer=customer).exclude(status=BillStatusChoices.CANCELLED)
    return sum((b.total - b.paid_amount for b in bills), Decimal("0"))


def assert_paid_once(txn, provider: str) -> Payment:
    """Exactly one payment of the attempt's amount, allocated to the customer's bills
    (all paid), and one journal entry debiting gateway:<provider>."""
    txn.refresh_from_db()
    assert txn.status == "succeeded", txn.detail
    payments = list(Payment.objects.filter(customer=txn.customer))
    assert len(payments) == 1
    payment = payments[0]
    assert txn.payment_id == payment.pk
    assert payment.method == "gateway"
    assert payment.amount == txn.amount
    assert payment.idempotency_key == f"gw:{txn.reference}"
    allocated = sum(a.amount for a in Allocation.objects.filter(payment=payment))
    assert allocated == txn.amount
    bills = Bill.objects.filter(customer=txn.customer)
    assert bills.count() == 2
    assert set(bills.values_list("status", flat=True)) == {BillStatusChoices.PAID}
    entries = JournalEntry.objects.filter(tenant=txn.tenant, source="payment")
    assert entries.count() == 1
    assert payment.journal_entry_id == entries.get().pk
    money_in = JournalLine.objects.get(
        entry=entries.get(), account__key=chart.gateway_key(provider)
    )
    assert (money_in.debit, money_in.credit) == (txn.amount, 0)
    return payment


def assert_nothing_credited(customer, owed: Decimal) -> None:
    assert Payment.objects.filter(customer=customer).count() == 0
    assert JournalEntry.objects.filter(tenant=customer.tenant, source="payment").count() == 0
    assert due(customer) == owed


def assert_rejected(gateway, reason_part: str) -> GatewayCallback:
    row = GatewayCallback.objects.filter(gateway=gateway).latest("pk")
    assert row.accepted is False
    assert reason_part in row.reason
    audit = AuditLog.objects.filter(tenant=gateway.tenant, action="gateway.callback_rejected")
    assert audit.count() == 1
    assert reason_part in audit.get().after["reason"]
    return row
