"""Razorpay through the real services: a Payment Link per attempt, the signed return,
signed webhooks (deduplicated on X-Razorpay-Event-Id), verification by fetching the
link, and refunds. HTTP is mocked with respx in Razorpay's documented shapes."""

import base64
import json
from decimal import Decimal

import httpx
import pytest
import respx

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.payments.gateway_services import txn_refund
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.gateways.base import hmac_sha256_hex
from netbill.payments.models import GatewayCallback, GatewayCheck, Payment

from .helpers import (
    assert_nothing_credited,
    assert_paid_once,
    assert_refused_and_logged,
    fixture,
    make_gateway,
    paise,
    receive,
    reload,
    start,
    verify,
)

pytestmark = pytest.mark.django_db

API = "https://api.razorpay.com/v1"
PLINK = "plink_Pq8nSx2YmL4vTa"
PAY_ID = "pay_Pq8oZt7WcR1kLm"
CREDS = {
    "key_id": "rzp_test_1DP5mmOlF5G5ag",
    "key_secret": "thisisasecretkey",
    "webhook_secret": "whsec-alpha-123",
}


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "razorpay", CREDS)


def started(customer, gateway, router):
    router.post(f"{API}/payment_links").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json=fixture(
                "razorpay_payment_link_created.json",
                paise=json.loads(request.content)["amount"],
                reference=json.loads(request.content)["reference_id"],
                callback_url=json.loads(request.content)["callback_url"],
            ),
        )
    )
    return start(customer, gateway)


def link(router, txn, name="razorpay_payment_link_paid.json", **values):
    values = {"paise": paise(txn.amount), "reference": txn.reference, **values}
    return router.get(f"{API}/payment_links/{PLINK}").mock(
        return_value=httpx.Response(200, json=fixture(name, **values))
    )


def signed_return(txn, *, status="paid", payment_id=PAY_ID, secret=CREDS["key_secret"]):
    query = {
        "razorpay_payment_id": payment_id,
        "razorpay_payment_link_id": PLINK,
        "razorpay_payment_link_reference_id": txn.reference,
        "razorpay_payment_link_status": status,
    }
    message = f"{PLINK}|{txn.reference}|{status}|{payment_id}"
    query["razorpay_signature"] = hmac_sha256_hex(secret, message)
    return query


def webhook(
    txn, name="razorpay_webhook_payment_link_paid.json", *, event_id="evt_Pq8p1", secret=None
):
    body = json.dumps(fixture(name, paise=paise(txn.amount), reference=txn.reference)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Razorpay-Event-Id": event_id,
        "X-Razorpay-Signature": hmac_sha256_hex(secret or CREDS["webhook_secret"], body),
    }
    return body, headers


#
# Start
#


def test_start_creates_a_payment_link_in_paise_and_sends_the_customer_to_it(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        request = router.calls.last.request
    body = json.loads(request.content)
    assert txn.amount > 0
    assert body["amount"] == paise(txn.amount) and isinstance(body["amount"], int)
    assert body["currency"] == "BDT"
    assert body["reference_id"] == txn.reference
    assert body["callback_url"] == "https://netbill.test/pay/alpha/return/razorpay/"
    assert body["callback_method"] == "get"
    assert body["accept_partial"] is False
    assert body["expire_by"] > 0
    assert body["notes"]["reference"] == txn.reference
    auth = base64.b64encode(b"rzp_test_1DP5mmOlF5G5ag:thisisasecretkey").decode()
    assert request.headers["Authorization"] == f"Basic {auth}"
    txn = reload(txn)
    assert (txn.status, txn.gateway_ref, txn.redirect_url) == (
        "initiated",
        PLINK,
        "https://rzp.io/i/k3Xa9Qp",
    )


def test_gateway_down_at_start_is_a_clear_message_and_nothing_else(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{API}/payment_links").mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(GatewayUnavailable) as down:
            start(customer, gateway)
    assert (
        str(down.value) == "Razorpay is not available right now. Please choose another way to pay."
    )
    with in_scope(customer.tenant):
        txn = customer.gateway_transactions.get()
        assert txn.status == "failed"
    assert_nothing_credited(customer, "razorpay")


def test_refused_credentials_at_start_say_why(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{API}/payment_links").mock(
            return_value=httpx.Response(401, json=fixture("razorpay_error.json"))
        )
        with pytest.raises(GatewayUnavailable) as refused:
            start(customer, gateway)
    assert "Authentication failed" in str(refused.value)


#
# Return and webhook
#


def test_signed_return_is_verified_then_paid_once_and_a_replay_changes_nothing(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        fetch = link(router, txn)
        result = receive(gateway, query=signed_return(txn))
        assert result.accepted and result.txn.pk == txn.pk
        payment = assert_paid_once(customer, txn, "razorpay")
        assert reload(txn).gateway_txn_id == PAY_ID
        assert payment.reference == f"Razorpay {PAY_ID}"

        again = receive(gateway, query=signed_return(txn))
    assert again.accepted
    assert fetch.call_count == 1  # the replay found the attempt settled
    assert_paid_once(customer, txn, "razorpay")


def test_webhook_payment_link_paid_credits_once_and_a_retried_event_is_ignored(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        fetch = link(router, txn)
        body, headers = webhook(txn)
        first = receive(gateway, method="POST", body=body, headers=headers)
        second = receive(gateway, method="POST", body=body, headers=headers)
    assert first.accepted and second.accepted
    assert str(second.message) == "Already received."
    assert fetch.call_count == 1
    assert_paid_once(customer, txn, "razorpay")
    with in_scope(customer.tenant):
        assert list(GatewayCallback.objects.values_list("kind", "event_id", "accepted")) == [
            ("webhook", "evt_Pq8p1", True)
        ]


def test_return_and_webhook_for_one_payment_make_one_payment(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn)
        receive(gateway, query=signed_return(txn))
        body, headers = webhook(txn, event_id="evt_other")
        receive(gateway, method="POST", body=body, headers=headers)
    assert_paid_once(customer, txn, "razorpay")


def test_tampered_return_signature_is_refused_logged_and_credits_nothing(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        fetch = link(router, txn)
        query = signed_return(txn, secret="not-the-key-secret")
        result = receive(gateway, query=query)
        # A valid signature over other values (another payment id) is refused too.
        query = signed_return(txn)
        query["razorpay_payment_id"] = "pay_SomeoneElses"
        other = receive(gateway, query=query)
    assert (result.accepted, result.txn, other.accepted) == (False, None, False)
    assert fetch.call_count == 0
    with in_scope(customer.tenant):
        assert GatewayCallback.objects.filter(accepted=False).count() == 2
    assert reload(txn).status == "initiated"
    assert_nothing_credited(customer, "razorpay")


def test_unsigned_return_is_refused(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        query = signed_return(txn)
        del query["razorpay_signature"]
        result = receive(gateway, query=query)
    assert not result.accepted
    assert_refused_and_logged(gateway, "not signed")
    assert_nothing_credited(customer, "razorpay")


def test_tampered_webhook_is_refused_logged_and_credits_nothing(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        fetch = link(router, txn)
        body, headers = webhook(txn, secret=CREDS["key_secret"])  # the wrong key
        result = receive(gateway, method="POST", body=body, headers=headers)
    assert not result.accepted
    assert fetch.call_count == 0
    assert_refused_and_logged(gateway, "signature does not match")
    assert_nothing_credited(customer, "razorpay")


def test_webhook_body_changed_after_signing_is_refused(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        body, headers = webhook(txn)
        body = body.replace(str(paise(txn.amount)).encode(), b"1", 1)
        result = receive(gateway, method="POST", body=body, headers=headers)
    assert not result.accepted
    assert_refused_and_logged(gateway, "signature does not match")
    assert_nothing_credited(customer, "razorpay")


#
# Outcomes
#


def test_failed_payment_is_failed_and_credits_nothing(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn, "razorpay_payment_link_failed_attempt.json")
        body, headers = webhook(txn, "razorpay_webhook_payment_failed.json", event_id="evt_f1")
        result = receive(gateway, method="POST", body=body, headers=headers)
    assert result.accepted
    txn = reload(txn)
    assert (txn.status, txn.detail) == ("failed", "The payment failed at Razorpay.")
    assert_nothing_credited(customer, "razorpay")


def test_cancelled_link_is_cancelled(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn, "razorpay_payment_link_cancelled.json")
        txn = verify(txn)
    assert txn.status == "cancelled"
    assert_nothing_credited(customer, "razorpay")


def test_unpaid_link_stays_pending(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn, "razorpay_payment_link_created.json", callback_url="x")
        txn = verify(txn)
    assert txn.status == "pending"
    assert_nothing_credited(customer, "razorpay")


def test_timeout_on_verify_is_pending_then_a_later_query_pays_once(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        router.get(f"{API}/payment_links/{PLINK}").mock(side_effect=httpx.ReadTimeout("slow"))
        result = receive(gateway, query=signed_return(txn))
        assert result.accepted
        txn = reload(txn)
        assert txn.status == "pending"
        assert_nothing_credited(customer, "razorpay")
        with in_scope(customer.tenant):
            assert GatewayCheck.objects.filter(txn=txn).order_by("pk").last().status == "pending"

        link(router, txn)
        verify(txn)
        verify(txn)
    assert_paid_once(customer, txn, "razorpay")


def test_tampered_amount_is_held_and_credits_nothing(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn, paise=100)  # Razorpay says 1.00 was paid
        receive(gateway, query=signed_return(txn))
    txn = reload(txn)
    assert txn.status == "held"
    assert "1.00" in txn.detail
    assert_nothing_credited(customer, "razorpay")


def test_other_reference_on_the_link_is_held(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn, reference="NBSOMEONEELSE000")
        verify(txn)
    assert reload(txn).status == "held"
    assert_nothing_credited(customer, "razorpay")


#
# Refund
#


def test_refund_reverses_the_payment_and_refunds_in_paise(isp, customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn = started(customer, gateway, router)
        link(router, txn)
        verify(txn)
        refund = router.post(f"{API}/payments/{PAY_ID}/refund").mock(
            return_value=httpx.Response(
                200, json=fixture("razorpay_refund.json", paise=paise(txn.amount))
            )
        )
        with in_scope(customer.tenant):
            txn = txn_refund(txn=reload(txn), by=fresh_user(isp.ga), reason="Paid twice")
    assert json.loads(refund.calls.last.request.content)["amount"] == paise(txn.amount)
    assert (txn.status, txn.refunded_amount) == ("refunded", txn.amount)
    assert txn.detail == "Refunded: rfnd_Pq9AaBbCcDdEeF"
    with in_scope(customer.tenant):
        assert Payment.objects.get(pk=txn.payment_id).status == "reversed"
    assert txn.amount > Decimal("0")
