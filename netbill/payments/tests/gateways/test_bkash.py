"""bKash Tokenized Checkout against recorded responses (integrations.md §1.1): through
payment_start, callback_receive and txn_verify, with bKash's API mocked by respx."""

import base64
import datetime
import json
import threading
import time

import httpx
import pytest
import respx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.core.cache import cache

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.payments.gateway_services import txn_refund, txn_verify
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.gateways.base import amount_str
from netbill.payments.gateways.bkash import BkashGateway
from netbill.payments.models import GatewayCallback, GatewayCheck, GatewayTransaction

from .helpers import (
    assert_nothing_credited,
    assert_paid_once,
    assert_rejected,
    due,
    make_gateway,
    receive,
    recorded,
    start,
)

pytestmark = pytest.mark.django_db

BASE = BkashGateway.sandbox_base
CREDS = {
    "username": "sandboxTokenizedUser02",
    "password": "sandboxTokenizedUser02@12345",
    "app_key": "4f6o0cjiki2rfm34kfdadl1eqq",
    "app_secret": "2is7hdktrekvrbljjh44ll3d9l1dtjo4pasmjvs5vl5qr3fug4b",
}
PAYMENT_ID = "TR0011ON1565154754797"
TRX_ID = "AL540K0H0R"
ID_TOKEN = recorded("bkash/grant")["id_token"]
CERT_URL = recorded("bkash/sns_notification")["SigningCertURL"]


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "bkash", CREDS)


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post("/token/grant", name="grant").respond(json=recorded("bkash/grant"))

        def create(request):
            body = json.loads(request.content)
            return httpx.Response(
                200,
                json=recorded(
                    "bkash/create",
                    amount=body["amount"],
                    merchantInvoiceNumber=body["merchantInvoiceNumber"],
                ),
            )

        mock.post("/create", name="create").mock(side_effect=create)
        yield mock


def answer(name: str, txn, **changes) -> dict:
    """A recorded execute/status answer about `txn`."""
    return recorded(
        f"bkash/{name}",
        **{"amount": amount_str(txn.amount), "merchantInvoiceNumber": txn.reference, **changes},
    )


def started(isp, customer, gateway):
    with in_scope(isp.tenant):
        owed = due(customer)
        txn = start(customer, gateway)
    assert txn.amount == owed
    return txn, owed


def back(gateway, status: str, payment_id: str = PAYMENT_ID):
    return receive(gateway, query={"paymentID": payment_id, "status": status})


#
# Start
#


def test_start_grants_a_token_and_creates_the_payment(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)

    grant = api.routes["grant"].calls.last.request
    assert grant.headers["username"] == CREDS["username"]
    assert grant.headers["password"] == CREDS["password"]
    assert json.loads(grant.content) == {
        "app_key": CREDS["app_key"],
        "app_secret": CREDS["app_secret"],
    }
    create = api.routes["create"].calls.last.request
    assert create.headers["Authorization"] == ID_TOKEN
    assert create.headers["X-App-Key"] == CREDS["app_key"]
    assert json.loads(create.content) == {
        "mode": "0011",
        "payerReference": customer.mobile.removeprefix("+88"),
        "callbackURL": f"https://billing.example.net/pay/{isp.tenant.slug}/return/bkash/",
        "amount": amount_str(txn.amount),
        "currency": "BDT",
        "intent": "sale",
        "merchantInvoiceNumber": txn.reference,
    }
    assert txn.status == "initiated"
    assert txn.gateway_ref == PAYMENT_ID
    assert txn.redirect_url == recorded("bkash/create")["bkashURL"]


def test_one_token_serves_every_worker_until_it_is_due(isp, other_isp, customer, gateway, api):
    started(isp, customer, gateway)
    with in_scope(isp.tenant):
        start(customer, gateway)  # another attempt, as another worker would make it
    assert api.routes["grant"].call_count == 1
    assert api.routes["create"].call_count == 2

    # Another ISP with the same app key has its own token.
    from netbill.billing.tests.helpers import billed_customer

    other_customer, _run = billed_customer(other_isp)
    other_gateway = make_gateway(other_isp, "bkash", CREDS)
    with in_scope(other_isp.tenant):
        start(other_customer, other_gateway)
    assert api.routes["grant"].call_count == 2


def test_a_token_due_for_renewal_is_refreshed_not_granted(isp, customer, gateway, api):
    module = BkashGateway(gateway)
    cache.set(
        module.token_key(),
        {"id_token": "old", "refresh_token": "refresh-old", "renew_at": time.time() - 1},
        3600,
    )
    refreshed = recorded("bkash/grant", id_token="renewed")
    api.post("/token/refresh", name="refresh").respond(json=refreshed)

    started(isp, customer, gateway)

    assert api.routes["grant"].call_count == 0
    body = json.loads(api.routes["refresh"].calls.last.request.content)
    assert body == {
        "app_key": CREDS["app_key"],
        "app_secret": CREDS["app_secret"],
        "refresh_token": "refresh-old",
    }
    assert api.routes["create"].calls.last.request.headers["Authorization"] == "renewed"


def test_a_worker_waits_for_the_token_another_worker_is_granting(gateway, api):
    module = BkashGateway(gateway)
    lock = module.token_key() + ":lock"
    assert cache.add(lock, "1", 30)  # another worker holds the lock
    got = {}
    worker = threading.Thread(target=lambda: got.update(token=module.token()))
    worker.start()
    time.sleep(0.3)
    cache.set(
        module.token_key(),
        {"id_token": "from-the-other-worker", "renew_at": time.time() + 3000},
        3600,
    )
    worker.join()
    assert got == {"token": "from-the-other-worker"}
    assert api.routes["grant"].call_count == 0


def test_an_expired_token_is_renewed_once_and_the_call_repeated(isp, customer, gateway, api):
    create = api.routes["create"]
    ok = create.side_effect
    calls = []

    def first_refused(request):
        calls.append(request.headers["Authorization"])
        if len(calls) == 1:
            return httpx.Response(401, json={"message": "The incoming token has expired"})
        return ok(request)

    create.side_effect = first_refused
    api.routes["grant"].respond(json=recorded("bkash/grant", id_token="first"))
    refresh = api.post("/token/refresh").respond(json=recorded("bkash/grant", id_token="second"))
    txn, _owed = started(isp, customer, gateway)
    assert calls == ["first", "second"]
    assert api.routes["grant"].call_count == 1
    assert refresh.call_count == 1
    assert txn.gateway_ref == PAYMENT_ID


def test_gateway_down_at_start(isp, customer, gateway, api):
    api.routes["grant"].side_effect = httpx.ConnectError("no route to host")
    with in_scope(isp.tenant):
        owed = due(customer)
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert str(raised.value) == (
            "bKash is not available right now. Please choose another way to pay."
        )
        txn = GatewayTransaction.objects.get(customer=customer)
        assert txn.status == "failed"
        assert api.routes["create"].call_count == 0
        assert_nothing_credited(customer, owed)


def test_grant_refused_says_why(isp, customer, gateway, api):
    api.routes["grant"].respond(json=recorded("bkash/grant_refused"))
    with in_scope(isp.tenant):
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert "Invalid App Token" in str(raised.value)
        assert api.routes["create"].call_count == 0
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"


def test_create_refused_says_why(isp, customer, gateway, api):
    api.routes["create"].side_effect = None
    api.routes["create"].respond(
        json={"statusCode": "2065", "statusMessage": "Mandatory field missing"}
    )
    with in_scope(isp.tenant):
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert "Mandatory field missing" in str(raised.value)
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"


#
# Return and execute
#


def test_success(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    execute = api.post("/execute").respond(json=answer("execute", txn))

    with in_scope(isp.tenant):
        result = back(gateway, "success")
        assert result.accepted
        assert json.loads(execute.calls.last.request.content) == {"paymentID": PAYMENT_ID}
        assert execute.calls.last.request.headers["Authorization"] == ID_TOKEN
        payment = assert_paid_once(txn, "bkash")
        txn.refresh_from_db()
        assert txn.gateway_txn_id == TRX_ID
        assert payment.reference == f"bKash {TRX_ID}"
        assert due(customer) == 0
        row = GatewayCallback.objects.get(gateway=gateway)
        assert (row.kind, row.accepted, row.txn_id) == ("return", True, txn.pk)
    assert owed > 0


def test_failure(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    execute = api.post("/execute")
    api.post("/payment/status").respond(json=answer("status_initiated", txn))
    with in_scope(isp.tenant):
        back(gateway, "failure")
        txn.refresh_from_db()
        assert txn.status == "failed"
        assert txn.detail == "The payment failed at bKash."
        assert execute.call_count == 0
        assert_nothing_credited(customer, owed)


def test_cancel(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    execute = api.post("/execute")
    api.post("/payment/status").respond(json=answer("status_initiated", txn))
    with in_scope(isp.tenant):
        back(gateway, "cancel")
        txn.refresh_from_db()
        assert txn.status == "cancelled"
        assert execute.call_count == 0
        assert_nothing_credited(customer, owed)


def test_timeout_then_query(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    execute = api.post("/execute").mock(side_effect=httpx.ReadTimeout("slow"))
    status = api.post("/payment/status").mock(side_effect=httpx.ReadTimeout("slow"))
    with in_scope(isp.tenant):
        result = back(gateway, "success")
        txn.refresh_from_db()
        assert result.accepted
        assert txn.status == "pending"
        assert "did not answer in time" in txn.detail
        assert_nothing_credited(customer, owed)

        # The 30-minute recheck (or the Verify button) asks again; execute is never
        # repeated blindly.
        status.side_effect = None
        status.respond(json=answer("status_initiated", txn))
        txn = txn_verify(txn, trigger="beat")
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)

        status.respond(json=answer("status_completed", txn))
        txn = txn_verify(txn, trigger="beat")
        assert_paid_once(txn, "bkash")
        txn = txn_verify(txn, trigger="beat")  # asked again: nothing more
        assert_paid_once(txn, "bkash")
        assert execute.call_count == 1
        assert list(
            GatewayCheck.objects.filter(txn=txn).order_by("pk").values_list("status", flat=True)
        ) == ["initiated", "pending", "pending", "succeeded"]


def test_already_completed_is_settled_from_the_query(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    api.post("/execute").respond(json=recorded("bkash/already_completed"))
    api.post("/payment/status").respond(json=answer("status_completed", txn))
    with in_scope(isp.tenant):
        back(gateway, "success")
        assert_paid_once(txn, "bkash")


def test_execute_refused_is_a_failure(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.post("/execute").respond(json=recorded("bkash/insufficient_balance"))
    api.post("/payment/status").respond(json=answer("status_initiated", txn))
    with in_scope(isp.tenant):
        back(gateway, "success")
        txn.refresh_from_db()
        assert (txn.status, txn.detail) == ("failed", "Insufficient Balance")
        assert_nothing_credited(customer, owed)


def test_duplicate_callback(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    execute = api.post("/execute").respond(json=answer("execute", txn))
    with in_scope(isp.tenant):
        back(gateway, "success")
        second = back(gateway, "success")
        assert second.accepted
        assert second.message == "Already settled."
        assert execute.call_count == 1
        assert_paid_once(txn, "bkash")
        assert GatewayCallback.objects.filter(gateway=gateway, accepted=True).count() == 2


def test_tampered_amount_is_held(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.post("/execute").respond(json=answer("execute", txn, amount="1.00"))
    with in_scope(isp.tenant):
        back(gateway, "success")
        txn.refresh_from_db()
        assert txn.status == "held"
        assert txn.detail.startswith("The gateway reports 1.00")
        assert_nothing_credited(customer, owed)


def test_another_invoice_number_is_held(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.post("/execute").respond(
        json=answer("execute", txn, merchantInvoiceNumber="NBSOMEONEELSE000")
    )
    with in_scope(isp.tenant):
        back(gateway, "success")
        txn.refresh_from_db()
        assert txn.status == "held"
        assert_nothing_credited(customer, owed)


@pytest.mark.parametrize(
    "query",
    [
        {"paymentID": PAYMENT_ID, "status": "paid"},
        {"status": "success"},
        {"paymentID": "", "status": "success"},
    ],
)
def test_malformed_return_is_refused(isp, customer, gateway, api, query):
    txn, owed = started(isp, customer, gateway)
    execute = api.post("/execute")
    with in_scope(isp.tenant):
        result = receive(gateway, query=query)
        assert not result.accepted
        assert_rejected(gateway, "no paymentID or no known status")
        assert execute.call_count == 0
        txn.refresh_from_db()
        assert txn.status == "initiated"
        assert_nothing_credited(customer, owed)


def test_refund(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    api.post("/execute").respond(json=answer("execute", txn))
    refund = api.post("/payment/refund").respond(
        json=recorded("bkash/refund", amount=amount_str(txn.amount))
    )
    with in_scope(isp.tenant):
        back(gateway, "success")
        txn.refresh_from_db()
        txn = txn_refund(txn=txn, by=fresh_user(isp.ga), reason="Paid twice")
        assert json.loads(refund.calls.last.request.content) == {
            "paymentID": PAYMENT_ID,
            "amount": amount_str(txn.amount),
            "trxID": TRX_ID,
            "sku": txn.reference,
            "reason": "Paid twice",
        }
        assert txn.status == "refunded"
        assert txn.refunded_amount == txn.amount
        assert txn.payment.status == "reversed"


#
# The IPN over AWS SNS
#


@pytest.fixture(scope="module")
def signer():
    """A throwaway key and self-signed certificate standing in for Amazon's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


def signed(key, message: dict, version: str = "1") -> dict:
    """Sign as SNS does: "name\\nvalue\\n" for each signed field, in this order."""
    if message["Type"] == "Notification":
        names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    text = "".join(f"{n}\n{message[n]}\n" for n in names if n in message)
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(text.encode(), padding.PKCS1v15(), digest)
    return {
        **message,
        "SignatureVersion": version,
        "Signature": base64.b64encode(signature).decode(),
    }


def notification(txn, **inner) -> dict:
    message = recorded(
        "bkash/ipn_message",
        **{"amount": amount_str(txn.amount), "merchantInvoiceNumber": txn.reference, **inner},
    )
    return recorded("bkash/sns_notification", Message=json.dumps(message))


def sns(gateway, message: dict):
    return receive(
        gateway,
        method="POST",
        body=json.dumps(message).encode(),
        headers={"x-amz-sns-message-type": message["Type"], "content-type": "text/plain"},
    )


@pytest.fixture
def certs(signer):
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(CERT_URL).respond(content=signer[1])
        yield route


@pytest.mark.parametrize("version", ["1", "2"])
def test_ipn_is_verified_then_queried(isp, customer, gateway, api, signer, certs, version):
    txn, _owed = started(isp, customer, gateway)
    api.post("/payment/status").respond(json=answer("status_completed", txn))
    message = signed(signer[0], notification(txn), version)
    with in_scope(isp.tenant):
        result = sns(gateway, message)
        assert result.accepted
        assert_paid_once(txn, "bkash")
        row = GatewayCallback.objects.get(gateway=gateway)
        assert (row.kind, row.event_id, row.accepted) == ("ipn", message["MessageId"], True)
        assert row.payload["trxID"] == TRX_ID
    assert certs.call_count == 1


def test_ipn_replay_changes_nothing_and_the_certificate_is_cached(
    isp, customer, gateway, api, signer, certs
):
    txn, _owed = started(isp, customer, gateway)
    status = api.post("/payment/status").respond(json=answer("status_completed", txn))
    message = signed(signer[0], notification(txn))
    with in_scope(isp.tenant):
        sns(gateway, message)
        again = sns(gateway, message)
        assert again.accepted
        assert again.message == "Already received."
        assert_paid_once(txn, "bkash")
        assert status.call_count == 1
    assert certs.call_count == 1


def test_the_certificate_fetcher_is_injectable(isp, customer, gateway, api, signer, monkeypatch):
    from netbill.payments.gateways import bkash

    fetched = []
    monkeypatch.setattr(bkash, "cert_fetcher", lambda url: fetched.append(url) or signer[1])
    txn, _owed = started(isp, customer, gateway)
    api.post("/payment/status").respond(json=answer("status_completed", txn))
    with in_scope(isp.tenant):
        sns(gateway, signed(signer[0], notification(txn)))
        assert_paid_once(txn, "bkash")
    assert fetched == [CERT_URL]


def test_ipn_claiming_completed_is_still_queried(isp, customer, gateway, api, signer, certs):
    txn, owed = started(isp, customer, gateway)
    api.post("/payment/status").respond(json=answer("status_initiated", txn))
    with in_scope(isp.tenant):
        sns(gateway, signed(signer[0], notification(txn)))
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)


def test_ipn_with_a_tampered_message_is_refused(isp, customer, gateway, api, signer, certs):
    txn, owed = started(isp, customer, gateway)
    status = api.post("/payment/status")
    message = signed(signer[0], notification(txn))
    inner = json.loads(message["Message"])
    message["Message"] = json.dumps({**inner, "amount": "99999.00"})
    with in_scope(isp.tenant):
        result = sns(gateway, message)
        assert not result.accepted
        assert_rejected(gateway, "The SNS signature does not match.")
        assert status.call_count == 0
        assert_nothing_credited(customer, owed)


def test_ipn_signed_by_another_key_is_refused(isp, customer, gateway, api, signer, certs):
    txn, owed = started(isp, customer, gateway)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with in_scope(isp.tenant):
        sns(gateway, signed(stranger, notification(txn)))
        assert_rejected(gateway, "The SNS signature does not match.")
        assert_nothing_credited(customer, owed)


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.example.com/SimpleNotificationService-x.pem",
        "http://sns.ap-southeast-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.ap-southeast-1.amazonaws.com.evil.net/cert.pem",
        "https://amazonaws.com@evil.net/cert.pem",
    ],
)
def test_ipn_certificate_only_from_amazon_over_https(
    isp, customer, gateway, api, signer, certs, url
):
    txn, owed = started(isp, customer, gateway)
    message = signed(signer[0], {**notification(txn), "SigningCertURL": url})
    with respx.mock(assert_all_called=False) as elsewhere:
        anywhere = elsewhere.route().respond(content=signer[1])
        with in_scope(isp.tenant):
            sns(gateway, message)
            assert_rejected(gateway, "not on an amazonaws.com https URL")
            assert_nothing_credited(customer, owed)
        assert anywhere.call_count == 0


def test_sns_subscription_is_confirmed(isp, gateway, signer, certs):
    message = signed(signer[0], recorded("bkash/sns_subscription"))
    with respx.mock(assert_all_called=False) as mock:
        confirm = mock.get(message["SubscribeURL"]).respond(
            json=recorded("bkash/confirm_subscription")
        )
        with in_scope(isp.tenant):
            result = sns(gateway, message)
            assert not result.accepted
            assert_rejected(gateway, "SNS subscription confirmed.")
        assert confirm.call_count == 1


def test_sns_subscription_elsewhere_is_not_followed(isp, gateway, signer, certs):
    message = recorded(
        "bkash/sns_subscription", SubscribeURL="https://attacker.example.net/confirm"
    )
    with respx.mock(assert_all_called=False) as mock:
        elsewhere = mock.get(message["SubscribeURL"]).respond(200)
        with in_scope(isp.tenant):
            sns(gateway, signed(signer[0], message))
            assert_rejected(gateway, "SubscribeURL is not an amazonaws.com https URL")
        assert elsewhere.call_count == 0
