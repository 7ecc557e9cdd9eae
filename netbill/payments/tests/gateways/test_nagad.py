"""Nagad against recorded responses (integrations.md §1.2). Throwaway RSA key pairs
stand in for the merchant's and Nagad's; the mocked Nagad decrypts and checks what we
send, and answers encrypted and signed exactly as Nagad does."""

import base64
import json
import re
import zoneinfo
from datetime import datetime, timedelta

import httpx
import pytest
import respx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils import timezone

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.payments.gateway_services import txn_refund, txn_verify
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.gateways.base import amount_str
from netbill.payments.gateways.nagad import NagadGateway
from netbill.payments.models import GatewayCallback, GatewayTransaction

from .helpers import (
    CLIENT_IP,
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

BASE = NagadGateway.sandbox_base
MERCHANT_ID = "683002007104225"
PAYMENT_REF = recorded("nagad/initialize_sensitive")["paymentReferenceId"]
PG_CHALLENGE = recorded("nagad/initialize_sensitive")["challenge"]
INIT_URL = re.compile(re.escape(BASE) + rf"/check-out/initialize/{MERCHANT_ID}/(?P<order>\w+)")


def _pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private_pem, public_pem


@pytest.fixture(scope="module")
def keys():
    merchant, merchant_private, merchant_public = _pair()
    pg, _pg_private, pg_public = _pair()
    return {
        "merchant": merchant,
        "merchant_private": merchant_private,
        "merchant_public": merchant_public,
        "pg": pg,
        "pg_public": pg_public,
    }


def credentials(keys) -> dict:
    return {
        "merchant_id": MERCHANT_ID,
        "merchant_private_key": keys["merchant_private"],
        "pg_public_key": keys["pg_public"],
        "merchant_number": "01711428036",
    }


@pytest.fixture
def gateway(isp, keys):
    return make_gateway(isp, "nagad", credentials(keys))


class FakeNagad:
    """What Nagad's server does with our two calls, as far as the tests need: decrypt
    with its private key, check the merchant's signature, answer sealed."""

    def __init__(self, keys):
        self.keys = keys
        self.seen: dict[str, dict] = {}
        self.answer_signer = keys["pg"]  # a test swaps in another key to tamper

    def open(self, body: dict) -> dict:
        plaintext = self.keys["pg"].decrypt(
            base64.b64decode(body["sensitiveData"]), padding.PKCS1v15()
        )
        try:
            self.keys["merchant"].public_key().verify(
                base64.b64decode(body["signature"]), plaintext, padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise AssertionError("the merchant's signature does not verify") from None
        return json.loads(plaintext)

    def seal(self, payload: dict) -> dict:
        plaintext = json.dumps(payload).encode()
        encrypted = self.keys["merchant"].public_key().encrypt(plaintext, padding.PKCS1v15())
        signature = self.answer_signer.sign(plaintext, padding.PKCS1v15(), hashes.SHA256())
        return {
            "sensitiveData": base64.b64encode(encrypted).decode(),
            "signature": base64.b64encode(signature).decode(),
        }

    def initialize(self, request, order):
        body = json.loads(request.content)
        self.seen["initialize"] = {"request": request, "body": body, "open": self.open(body)}
        return httpx.Response(200, json=self.seal(recorded("nagad/initialize_sensitive")))

    def complete(self, request):
        body = json.loads(request.content)
        self.seen["complete"] = {"request": request, "body": body, "open": self.open(body)}
        return httpx.Response(200, json=recorded("nagad/complete"))


@pytest.fixture
def nagad(keys):
    fake = FakeNagad(keys)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(url__regex=INIT_URL, name="initialize").mock(side_effect=fake.initialize)
        mock.post(f"{BASE}/check-out/complete/{PAYMENT_REF}", name="complete").mock(
            side_effect=fake.complete
        )
        fake.verify = mock.get(f"{BASE}/verify/payment/{PAYMENT_REF}", name="verify")
        fake.mock = mock
        yield fake


def verified(name: str, txn, **changes) -> dict:
    return recorded(
        f"nagad/{name}",
        **{"orderId": txn.reference, "amount": str(int(txn.amount)), **changes},
    )


def started(isp, customer, gateway):
    with in_scope(isp.tenant):
        owed = due(customer)
        txn = start(customer, gateway)
    assert txn.amount == owed
    # Whole taka, so the recorded verify answer ("500") has Nagad's own shape.
    assert txn.amount == int(txn.amount)
    return txn, owed


def back(gateway, txn, status="Success", status_code="00_0000_000", **changes):
    query = {
        "merchant": MERCHANT_ID,
        "order_id": txn.reference,
        "payment_ref_id": PAYMENT_REF,
        "status": status,
        "status_code": status_code,
        "message": "Successful Transaction" if status == "Success" else status,
        **changes,
    }
    return receive(gateway, query=query)


#
# Start
#


def test_start_initializes_and_completes_signed_and_encrypted(isp, customer, gateway, nagad):
    before = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Dhaka"))
    txn, _owed = started(isp, customer, gateway)

    init = nagad.seen["initialize"]
    assert init["request"].url.params["locale"] == "EN"
    assert init["request"].url.path.endswith(f"/initialize/{MERCHANT_ID}/{txn.reference}")
    for request in (init["request"], nagad.seen["complete"]["request"]):
        assert request.headers["X-KM-Api-Version"] == "v-0.2.0"
        assert request.headers["X-KM-IP-V4"] == CLIENT_IP
        assert request.headers["X-KM-Client-Type"] == "PC_WEB"
    sent_at = datetime.strptime(init["body"]["dateTime"], "%Y%m%d%H%M%S").replace(
        tzinfo=zoneinfo.ZoneInfo("Asia/Dhaka")
    )
    assert before - timedelta(seconds=1) <= sent_at <= before + timedelta(minutes=5)
    assert init["body"]["accountNumber"] == "01711428036"
    opened = init["open"]
    assert set(opened) == {"merchantId", "datetime", "orderId", "challenge"}
    assert (opened["merchantId"], opened["orderId"]) == (MERCHANT_ID, txn.reference)
    assert opened["datetime"] == init["body"]["dateTime"]
    assert re.fullmatch(r"[0-9a-f]{40}", opened["challenge"])

    complete = nagad.seen["complete"]
    assert complete["open"] == {
        "merchantId": MERCHANT_ID,
        "orderId": txn.reference,
        "currencyCode": "050",
        "amount": amount_str(txn.amount),
        "challenge": PG_CHALLENGE,  # Nagad's challenge, from its initialize answer
    }
    assert complete["body"]["merchantCallbackURL"] == (
        f"https://billing.example.net/pay/{isp.tenant.slug}/return/nagad/"
    )
    assert txn.status == "initiated"
    assert txn.redirect_url == recorded("nagad/complete")["callBackUrl"]
    assert txn.gateway_ref == PAYMENT_REF
    assert txn.meta["nagad"] == {"payment_ref_id": PAYMENT_REF, "challenge": PG_CHALLENGE}


def _bare(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def _one_line(pem: str) -> str:
    return " ".join(pem.split())


@pytest.mark.parametrize("shape", [_bare, _one_line])
def test_keys_as_issued_or_pasted_are_accepted(isp, customer, keys, nagad, shape):
    creds = credentials(keys)
    creds["merchant_private_key"] = shape(creds["merchant_private_key"])
    creds["pg_public_key"] = shape(creds["pg_public_key"])
    gateway = make_gateway(isp, "nagad", creds)
    txn, _owed = started(isp, customer, gateway)
    assert txn.gateway_ref == PAYMENT_REF


def test_an_unreadable_key_is_reported(isp, customer, keys, nagad):
    gateway = make_gateway(isp, "nagad", {**credentials(keys), "pg_public_key": "not a key"})
    with in_scope(isp.tenant):
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert str(raised.value) == "Nagad is not fully set up (a key cannot be read)."
        assert nagad.mock.routes["initialize"].call_count == 0


def test_answer_not_signed_by_nagad_is_refused_at_start(isp, customer, gateway, nagad):
    nagad.answer_signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with in_scope(isp.tenant):
        owed = due(customer)
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert "not signed by Nagad" in str(raised.value)
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"
        assert nagad.mock.routes["complete"].call_count == 0
        assert_nothing_credited(customer, owed)


def test_gateway_down_at_start(isp, customer, gateway, nagad):
    nagad.mock.routes["initialize"].side_effect = httpx.ConnectError("refused")
    with in_scope(isp.tenant):
        owed = due(customer)
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert str(raised.value) == (
            "Nagad is not available right now. Please choose another way to pay."
        )
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"
        assert_nothing_credited(customer, owed)


def test_initialize_refused_says_why(isp, customer, gateway, nagad):
    nagad.mock.routes["initialize"].side_effect = None
    nagad.mock.routes["initialize"].respond(400, json=recorded("nagad/error"))
    with in_scope(isp.tenant):
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert "Merchant is not active" in str(raised.value)


#
# Return and verify
#


def test_success(isp, customer, gateway, nagad):
    txn, _owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn))
    with in_scope(isp.tenant):
        result = back(gateway, txn)
        assert result.accepted
        assert_paid_once(txn, "nagad")
        txn.refresh_from_db()
        assert txn.gateway_txn_id == "000007OR"
        assert due(customer) == 0
        assert nagad.verify.calls.last.request.headers["X-KM-IP-V4"] == CLIENT_IP


def test_failure(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_failed", txn))
    with in_scope(isp.tenant):
        back(gateway, txn, status="Failed", status_code="01_0000_000")
        txn.refresh_from_db()
        assert txn.status == "failed"
        assert_nothing_credited(customer, owed)


def test_cancel(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_aborted", txn))
    with in_scope(isp.tenant):
        back(gateway, txn, status="Aborted", status_code="02_0000_000")
        txn.refresh_from_db()
        assert txn.status == "cancelled"
        assert_nothing_credited(customer, owed)


def test_timeout_then_query(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.mock(side_effect=httpx.ReadTimeout("slow"))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)

        nagad.verify.side_effect = None
        nagad.verify.respond(json=verified("verify_success", txn))
        txn = txn_verify(txn, trigger="beat")
        assert_paid_once(txn, "nagad")


def test_duplicate_callback(isp, customer, gateway, nagad):
    txn, _owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn))
    with in_scope(isp.tenant):
        back(gateway, txn)
        second = back(gateway, txn)
        assert second.message == "Already settled."
        assert nagad.verify.call_count == 1
        assert_paid_once(txn, "nagad")


def test_a_claimed_success_nagad_does_not_confirm_credits_nothing(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_initiated", txn))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)


def test_success_without_status_code_000_is_not_paid(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn, statusCode="001"))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)


def test_tampered_callback_is_refused(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    with in_scope(isp.tenant):
        result = back(gateway, txn, merchant="683002007199999")
        assert not result.accepted
        assert_rejected(gateway, "another merchant")
        assert nagad.verify.call_count == 0
        txn.refresh_from_db()
        assert txn.status == "initiated"
        assert_nothing_credited(customer, owed)


def test_callback_without_references_is_refused(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    with in_scope(isp.tenant):
        receive(gateway, query={"merchant": MERCHANT_ID, "status": "Success"})
        assert_rejected(gateway, "no order_id or payment_ref_id")
        assert GatewayCallback.objects.filter(gateway=gateway, accepted=True).count() == 0
        assert_nothing_credited(customer, owed)


def test_tampered_amount_is_held(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn, amount="1"))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        assert txn.status == "held"
        assert_nothing_credited(customer, owed)


def test_another_order_is_held(isp, customer, gateway, nagad):
    txn, owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn, orderId="NBSOMEONEELSE000"))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        assert txn.status == "held"
        assert_nothing_credited(customer, owed)


def test_refunds_are_made_in_nagads_panel(isp, customer, gateway, nagad):
    txn, _owed = started(isp, customer, gateway)
    nagad.verify.respond(json=verified("verify_success", txn))
    with in_scope(isp.tenant):
        back(gateway, txn)
        txn.refresh_from_db()
        with pytest.raises(BusinessRuleError, match="merchant panel"):
            txn_refund(txn=txn, by=fresh_user(isp.ga), reason="Paid twice")
        assert_paid_once(txn, "nagad")
