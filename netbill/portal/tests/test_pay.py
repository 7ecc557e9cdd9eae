"""Paying from the portal: choose an active gateway, pay at the Sandbox, come back paid;
a suspended customer who pays everything is restored. A gateway that is not available
says so, and the customer can pick another."""

from decimal import Decimal

import pytest
from django.test import TestCase
from django_scopes import scope

from netbill.billing.models import Bill
from netbill.billing.services import AUTO_SUSPEND_REASON
from netbill.customers.models import Customer
from netbill.customers.services import customer_change_status
from netbill.payments.gateway_services import customer_due
from netbill.payments.models import GatewayTransaction, Payment

from .helpers import log_in, make_gateway, portal_customer, portal_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def rahim(isp):
    customer, _setup = portal_customer(isp)
    return customer


def auto_suspend(isp, customer):
    with scope(tenant=isp.tenant.pk), TestCase.captureOnCommitCallbacks(execute=True):
        customer_change_status(
            customer=customer,
            status="suspended",
            by=None,
            reason=AUTO_SUSPEND_REASON,
            system=True,
        )


def txns(isp):
    with scope(tenant=isp.tenant.pk):
        return list(GatewayTransaction.objects.filter(tenant=isp.tenant).order_by("pk"))


def test_the_pay_page_offers_the_active_gateways_only(client, isp, rahim):
    sandbox = make_gateway(isp, display_name="Test wallet")
    make_gateway(isp, "nagad", active=False)
    log_in(client, isp, rahim)
    response = client.get(portal_url("pay", isp))
    assert response.status_code == 200
    assert response.context["form"].fields["gateway"].choices == [(sandbox.pk, "Test wallet")]
    with scope(tenant=isp.tenant.pk):
        due = customer_due(rahim)
    assert response.context["form"]["amount"].value() == due
    assert f'id="pay-due">{due:,.2f} BDT' in response.content.decode()


def test_without_gateways_the_page_says_so(client, isp, rahim):
    log_in(client, isp, rahim)
    body = client.get(portal_url("pay", isp)).content.decode()
    assert 'id="no-gateways"' in body
    assert 'id="pay-button"' not in client.get(portal_url("home", isp)).content.decode()


def test_a_suspended_customer_pays_at_the_sandbox_and_is_restored(client, isp, rahim):
    gateway = make_gateway(isp)
    auto_suspend(isp, rahim)
    with scope(tenant=isp.tenant.pk):
        due = customer_due(rahim)
        assert Customer.objects.get(pk=rahim.pk).status == "suspended"
    assert due > 0

    log_in(client, isp, rahim)
    response = client.post(portal_url("pay", isp), {"gateway": gateway.pk, "amount": ""})
    [txn] = txns(isp)
    assert (txn.customer_id, txn.amount, txn.source, txn.status) == (
        rahim.pk,
        due,
        "portal",
        "initiated",
    )
    checkout = f"/pay/alpha/sandbox/{txn.reference}/"
    assert (response.status_code, response["Location"]) == (302, checkout)
    assert client.get(checkout).status_code == 200

    with TestCase.captureOnCommitCallbacks(execute=True):
        back = client.post(checkout, {"action": "paid"})
        assert back.status_code == 302
        assert back["Location"].startswith("http://testserver/pay/alpha/gw/sandbox/return/?")
        result = client.get(back["Location"])
    assert (result.status_code, result["Location"]) == (
        302,
        f"/pay/alpha/result/{txn.reference}/",
    )
    page = client.get(result["Location"])
    body = page.content.decode()
    assert "Payment received" in body

    with scope(tenant=isp.tenant.pk):
        txn.refresh_from_db()
        assert txn.status == "succeeded"
        payment = Payment.objects.get(pk=txn.payment_id)
        assert (payment.customer_id, payment.amount, payment.method) == (rahim.pk, due, "gateway")
        assert f'id="receipt-number">{payment.receipt_number}' in body
        assert not Bill.objects.filter(customer=rahim, status__in=("unpaid", "partial")).exists()
        customer = Customer.objects.get(pk=rahim.pk)
        assert (customer.status, customer_due(customer)) == ("active", Decimal("0.00"))
    # Back on the portal: active, nothing due, the payment with its receipt.
    home = client.get(portal_url("home", isp)).content.decode()
    assert 'id="customer-status">Active' in home
    assert 'id="total-due">0.00 BDT' in home
    assert portal_url("receipt", isp, pk=payment.pk) in home


def test_a_chosen_amount_is_what_the_gateway_is_asked_for(client, isp, rahim):
    gateway = make_gateway(isp)
    log_in(client, isp, rahim)
    response = client.post(portal_url("pay", isp), {"gateway": gateway.pk, "amount": "150.5"})
    assert response.status_code == 302
    [txn] = txns(isp)
    assert txn.amount == Decimal("150.50")


@pytest.mark.parametrize(
    "amount, error",
    [("abc", "Enter an amount such as 525.00."), ("-5", "The amount must be more than zero.")],
)
def test_a_bad_amount_starts_nothing(client, isp, rahim, amount, error):
    gateway = make_gateway(isp)
    log_in(client, isp, rahim)
    response = client.post(portal_url("pay", isp), {"gateway": gateway.pk, "amount": amount})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert txns(isp) == []


def test_nothing_due_and_no_amount_says_so(client, isp, rahim):
    gateway = make_gateway(isp)
    with scope(tenant=isp.tenant.pk):
        Bill.objects.filter(customer=rahim).update(status="cancelled")
    log_in(client, isp, rahim)
    response = client.post(portal_url("pay", isp), {"gateway": gateway.pk, "amount": ""})
    assert response.status_code == 200
    assert "Nothing is due on this account." in response.content.decode()
    assert txns(isp) == []


def test_another_isps_or_an_inactive_gateway_cannot_be_chosen(client, isp, other_isp, rahim):
    make_gateway(isp)
    theirs = make_gateway(other_isp)
    off = make_gateway(isp, "nagad", active=False)
    log_in(client, isp, rahim)
    for gateway in (theirs, off):
        response = client.post(portal_url("pay", isp), {"gateway": gateway.pk})
        assert response.status_code == 200
        assert response.context["form"].errors["gateway"]
    assert txns(isp) == [] and txns(other_isp) == []


def test_a_gateway_that_is_not_set_up_says_so_and_offers_the_others(client, isp, rahim):
    sandbox = make_gateway(isp)
    bkash = make_gateway(isp, "bkash")  # active, but no credentials
    log_in(client, isp, rahim)
    response = client.post(portal_url("pay", isp), {"gateway": bkash.pk})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "bKash" in errors
    assert "not fully set up" in errors or "not available" in errors
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert f'value="{sandbox.pk}"' in body and f'value="{bkash.pk}"' in body
    [txn] = txns(isp)
    assert txn.status == "failed" and txn.payment_id is None
    # The customer picks the Sandbox instead.
    response = client.post(portal_url("pay", isp), {"gateway": sandbox.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/pay/alpha/sandbox/")
