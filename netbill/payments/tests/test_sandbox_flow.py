"""The Sandbox gateway end to end through the public pages, with the Django test client as
the customer's browser: the Sandbox's checkout page (/pay/<isp>/sandbox/<ref>/), the
return (/pay/<isp>/gw/sandbox/return/) and the result page with the receipt.

Pay credits the bills once; Fail and Cancel credit nothing; a forged return is refused
(400) and logged; a return claiming success before the customer paid on the checkout
page credits nothing and leaves the attempt pending."""

from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.payments.gateway_services import payment_start
from netbill.payments.gateways import Urls
from netbill.payments.gateways.sandbox import sandbox_signature
from netbill.payments.models import GatewayCallback, GatewayTransaction, Payment
from netbill.payments.tests.helpers import sandbox_gateway

pytestmark = pytest.mark.django_db

D = Decimal


def return_path(isp) -> str:
    return reverse(
        "payments_public:gateway_return", kwargs={"isp": isp.tenant.slug, "provider": "sandbox"}
    )


@pytest.fixture
def world(isp):
    """A customer owing two bills, and an active Sandbox gateway named for the ISP."""
    customer, _run = billed_customer(isp)
    gateway = sandbox_gateway(isp, name="Alpha Sandbox Pay")
    with in_scope(isp.tenant):
        bills = Bill.objects.filter(customer=customer)
        due = sum((b.total - b.paid_amount for b in bills), D("0.00"))
    return SimpleNamespace(isp=isp, tenant=isp.tenant, customer=customer, gateway=gateway, due=due)


def start(world, amount=None) -> GatewayTransaction:
    """What the portal's Pay button does: an attempt whose return URL is our return page."""

    def urls_for(txn):
        return Urls(
            return_url=f"http://testserver{return_path(world.isp)}",
            ipn_url="http://testserver/ipn/",
        )

    with in_scope(world.tenant):
        return payment_start(
            customer=world.customer, gateway=world.gateway, urls_for=urls_for, amount=amount
        )


def txn_now(world, txn) -> GatewayTransaction:
    with in_scope(world.tenant):
        return GatewayTransaction.objects.select_related("payment").get(pk=txn.pk)


def nothing_credited(world):
    with in_scope(world.tenant):
        assert not Payment.objects.filter(customer=world.customer).exists()
        assert not JournalEntry.objects.filter(source="payment").exists()
        assert set(
            Bill.objects.filter(customer=world.customer).values_list("status", flat=True)
        ) == {"unpaid"}
        assert queries.customer_receivable(world.tenant, world.customer.pk) == world.due


def test_pay_on_the_sandbox_page_then_the_result_page_shows_the_receipt(client, world):
    txn = start(world)
    assert txn.amount == world.due
    assert txn.redirect_url == f"/pay/alpha/sandbox/{txn.reference}/"

    page = client.get(txn.redirect_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha Sandbox Pay" in html and txn.reference in html
    assert f"{txn.amount} BDT" in html

    back = client.post(txn.redirect_url, {"action": "paid"})
    assert back.status_code == 302
    assert back["Location"].startswith(f"http://testserver{return_path(world.isp)}?reference=")
    result = client.get(back["Location"])
    assert result.status_code == 302
    assert result["Location"] == f"/pay/alpha/result/{txn.reference}/"

    page = client.get(result["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Payment received" in html
    txn = txn_now(world, txn)
    assert txn.status == "succeeded"
    assert txn.payment.receipt_number in html
    assert txn.gateway_txn_id.startswith("SBX") and txn.gateway_txn_id in html
    with in_scope(world.tenant):
        assert Payment.objects.filter(customer=world.customer).count() == 1
        assert (txn.payment.method, txn.payment.amount) == ("gateway", world.due)
        assert set(
            Bill.objects.filter(customer=world.customer).values_list("status", flat=True)
        ) == {"paid"}
        assert queries.trial_balance_difference(world.tenant) == 0
        assert queries.customer_receivable(world.tenant, world.customer.pk) == 0

    # The browser's back button: the checkout page and the return once more change
    # nothing (the page keeps its first record; the return finds the attempt settled).
    again = client.post(txn.redirect_url, {"action": "failed"})
    assert "result=success" in again["Location"]
    assert client.get(again["Location"]).status_code == 302
    with in_scope(world.tenant):
        assert Payment.objects.filter(customer=world.customer).count() == 1
        assert txn_now(world, txn).status == "succeeded"


@pytest.mark.parametrize(
    ("action", "status", "label"), [("failed", "failed", "Failed"), ("cancelled", "cancelled", "")]
)
def test_fail_or_cancel_on_the_sandbox_page_credits_nothing(client, world, action, status, label):
    txn = start(world)
    back = client.post(txn.redirect_url, {"action": action})
    result = client.get(back["Location"])
    assert result["Location"] == f"/pay/alpha/result/{txn.reference}/"
    html = client.get(result["Location"]).content.decode()
    assert "Payment not completed" in html
    assert "Payment received" not in html
    assert label in html
    assert txn_now(world, txn).status == status
    nothing_credited(world)


def test_a_forged_return_is_refused_and_logged(client, world):
    txn = start(world)
    client.post(txn.redirect_url, {"action": "failed"})
    # The customer failed at the gateway, then forges a success with a made-up sig.
    query = urlencode({"reference": txn.reference, "result": "success", "sig": "f" * 64})
    response = client.get(f"{return_path(world.isp)}?{query}")
    assert response.status_code == 400
    assert "This payment notification was refused." in response.content.decode()
    with in_scope(world.tenant):
        logged = GatewayCallback.objects.get()
        assert (logged.accepted, logged.txn_id, logged.remote_ip) == (False, None, "127.0.0.1")
        assert "signature" in logged.reason
        assert logged.payload["reference"] == txn.reference
    # A signature for another result does not pass for success either.
    query = urlencode(
        {
            "reference": txn.reference,
            "result": "success",
            "sig": sandbox_signature(txn.reference, "failure"),
        }
    )
    assert client.get(f"{return_path(world.isp)}?{query}").status_code == 400
    with in_scope(world.tenant):
        assert GatewayCallback.objects.filter(accepted=False).count() == 2
    assert txn_now(world, txn).status == "initiated"
    nothing_credited(world)


def test_a_signed_return_before_paying_on_the_sandbox_page_credits_nothing(client, world):
    txn = start(world)
    # A genuine signature for "success", but the customer never pressed Pay: the
    # gateway's own record (asked server to server) says not paid.
    query = urlencode(
        {
            "reference": txn.reference,
            "result": "success",
            "sig": sandbox_signature(txn.reference, "success"),
        }
    )
    response = client.get(f"{return_path(world.isp)}?{query}")
    assert response["Location"] == f"/pay/alpha/result/{txn.reference}/"
    html = client.get(response["Location"]).content.decode()
    assert "Payment being checked" in html
    assert "Payment received" not in html
    assert txn_now(world, txn).status == "pending"
    nothing_credited(world)
    with in_scope(world.tenant):
        assert GatewayCallback.objects.get().accepted is True

    # Paying afterwards on the checkout page still works, once.
    back = client.post(txn.redirect_url, {"action": "paid"})
    client.get(back["Location"])
    assert txn_now(world, txn).status == "succeeded"
    with in_scope(world.tenant):
        assert Payment.objects.filter(customer=world.customer).count() == 1


def test_another_isp_or_an_unknown_reference_is_not_found(client, world, other_isp):
    txn = start(world)
    assert client.get(f"/pay/{other_isp.tenant.slug}/sandbox/{txn.reference}/").status_code == 404
    assert client.get("/pay/alpha/sandbox/NBNOSUCHREFERENC/").status_code == 404
    assert client.get(f"/pay/nosuchisp/sandbox/{txn.reference}/").status_code == 404
    assert (
        client.post(
            f"/pay/{other_isp.tenant.slug}/sandbox/{txn.reference}/", {"action": "paid"}
        ).status_code
        == 404
    )
    assert (txn_now(world, txn).meta or {}).get("sandbox") is None
    nothing_credited(world)
