"""/api/v1/payments/ and /api/v1/gateway-transactions/: filters, Reverse and Verify.
Money is a string; a refusal is a 400 with the reason and changes nothing; operator Y
gets 404 for operator X's rows; the other ISP gets 404."""

from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.payments.models import GatewayTransaction, Payment
from netbill.payments.services import payment_receive

from .gateway_page_helpers import gateway_rows, mark_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(isp):
    rows = gateway_rows(isp)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        rows.cash = payment_receive(
            customer=rows.customer_x, by=fresh_user(isp.ga), amount="100.00", reference="Slip 9"
        )
        rows.bank = payment_receive(
            customer=rows.customer_y, by=fresh_user(isp.ga), amount="20.00", method="bank"
        )
    return rows


def ids(response):
    assert response.status_code == 200, response.content[:500]
    return [item["id"] for item in response.json()["results"]]


def test_payment_list_filters_and_shape(client, isp, rows):
    client.force_login(isp.ga)
    url = reverse("api:payment-list")
    assert ids(client.get(url)) == [rows.bank.pk, rows.cash.pk]
    assert ids(client.get(url, {"method": "bank"})) == [rows.bank.pk]
    assert ids(client.get(url, {"search": "slip 9"})) == [rows.cash.pk]
    assert ids(client.get(url, {"search": rows.cash.receipt_number})) == [rows.cash.pk]
    assert ids(client.get(url, {"operator": isp.op_y.pk})) == [rows.bank.pk]
    assert ids(client.get(url, {"received_at_before": "2001-01-01"})) == []
    item = client.get(reverse("api:payment-detail", args=[rows.cash.pk])).json()
    assert item["amount"] == "100.00"
    assert item["receipt_number"] == rows.cash.receipt_number
    assert item["status"] == "completed"
    assert item["gateway_transaction"] is None and item["card"] is None
    assert item["allocations"] and all(isinstance(a["amount"], str) for a in item["allocations"])


def test_reverse_action(client, isp, rows):
    client.force_login(isp.ga)
    url = reverse("api:payment-reverse", args=[rows.cash.pk])
    with nothing_changes(isp.tenant, what="reverse without a reason"):
        response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"reason": "Typo"}, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["reversal_reason"], data["reversed_by"]) == (
        "reversed",
        "Typo",
        isp.ga.pk,
    )
    with nothing_changes(isp.tenant, what="second reversal"):
        again = client.post(url, {"reason": "Typo"}, content_type="application/json")
    assert again.status_code == 400
    assert "already been reversed" in str(again.json())


def test_reverse_needs_the_isp_root(client, isp, other_isp, rows):
    url = reverse("api:payment-reverse", args=[rows.cash.pk])
    client.force_login(isp.user_x)
    with nothing_changes(isp.tenant, what="operator reverses"):
        assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    client.force_login(other_isp.ga)
    with nothing_changes(isp.tenant, other_isp.tenant, what="other ISP reverses"):
        assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 404


def test_operator_y_sees_only_its_payments_and_transactions(client, isp, rows):
    client.force_login(isp.user_y)
    assert ids(client.get(reverse("api:payment-list"))) == [rows.bank.pk]
    assert client.get(reverse("api:payment-detail", args=[rows.cash.pk])).status_code == 404
    assert ids(client.get(reverse("api:gateway-transaction-list"))) == [rows.txn_y.pk]
    url = reverse("api:gateway-transaction-verify", args=[rows.txn_x.pk])
    with nothing_changes(isp.tenant, what="operator Y verifies X's"):
        assert client.post(url, {}, content_type="application/json").status_code == 404


def test_transactions_list_filters_and_checks(client, isp, rows):
    client.force_login(isp.ga)
    url = reverse("api:gateway-transaction-list")
    assert ids(client.get(url)) == [rows.txn_y.pk, rows.txn_x.pk]
    GatewayTransaction._base_manager.filter(pk=rows.txn_y.pk).update(status="failed")
    assert ids(client.get(url, {"waiting": "true"})) == [rows.txn_x.pk]
    assert ids(client.get(url, {"status": "failed"})) == [rows.txn_y.pk]
    assert ids(client.get(url, {"search": rows.txn_x.reference})) == [rows.txn_x.pk]
    item = client.get(reverse("api:gateway-transaction-detail", args=[rows.txn_x.pk])).json()
    assert item["amount"] == "100.00" and item["status"] == "initiated"
    assert [c["trigger"] for c in item["checks"]] == ["start"]


def test_verify_action_credits_once(client, isp, rows):
    mark_paid(rows.txn_x)
    client.force_login(isp.ga)
    url = reverse("api:gateway-transaction-verify", args=[rows.txn_x.pk])
    for _ in range(2):
        with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, {}, content_type="application/json")
        assert response.status_code == 200
    data = response.json()
    assert data["status"] == "succeeded" and data["gateway_txn_id"] == "SBX1"
    assert [c["trigger"] for c in data["checks"]] == ["manual", "start"]
    with in_scope(isp.tenant):
        assert Payment.objects.filter(customer=rows.customer_x, method="gateway").count() == 1
        payment = Payment.objects.get(pk=data["payment"])
        assert payment.amount == Decimal("100.00")
    item = client.get(reverse("api:payment-detail", args=[payment.pk])).json()
    assert item["gateway_transaction"] == rows.txn_x.pk
