"""Nagad merchant checkout (integrations.md §1.2).

Two signed, encrypted calls start a payment: initialize (Nagad answers with a payment
reference id and its challenge) and complete (Nagad answers with the checkout URL).
What we send is encrypted with Nagad's public key (RSA PKCS#1 v1.5) and signed with the
merchant's private key (SHA256withRSA); what Nagad answers is encrypted to the merchant
key and signed with Nagad's. The browser comes back with an unsigned query string, so
nothing is believed until `GET /verify/payment/{paymentRefId}` says "Success" / "000".
Nagad has no webhook and no refund API: refunds are made in its merchant panel.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .base import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    CredentialField,
    Gateway,
    GatewayUnavailable,
    S,
    Started,
    Urls,
    Verification,
    amount_str,
    money,
)

DHAKA = ZoneInfo("Asia/Dhaka")
API_VERSION = "v-0.2.0"
CLIENT_TYPE = "PC_WEB"
CURRENCY_BDT = "050"  # ISO 4217 numeric
STATUSES = {
    "Success": S.SUCCEEDED,
    "OrderInitiated": S.PENDING,
    "Ready": S.PENDING,
    "InProgress": S.PENDING,
    "Cancelled": S.CANCELLED,
    "Aborted": S.CANCELLED,
    "Failed": S.FAILED,
    "Expired": S.EXPIRED,
}

RETURN_FIELDS = ("merchant", "order_id", "payment_ref_id", "status", "status_code", "message")


#
# Keys and the envelope
#


def _pem(text: str, kind: str) -> bytes:
    """Nagad hands keys out as bare base64 as often as PEM, and a pasted PEM may have
    lost its line breaks: accept all three."""
    text = (text or "").strip()
    found = re.match(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", text, re.S)
    if found:
        kind, text = found.group(1), found.group(2)
    body = "".join(text.split())
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n".encode()


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(_pem(text, "PRIVATE KEY"), password=None)
    except ValueError:  # bare base64 of a PKCS#1 key
        key = serialization.load_pem_private_key(_pem(text, "RSA PRIVATE KEY"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(_pem(text, "PUBLIC KEY"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key


def encrypt(public_key: rsa.RSAPublicKey, plaintext: str) -> str:
    return base64.b64encode(public_key.encrypt(plaintext.encode(), padding.PKCS1v15())).decode()


def decrypt(private_key: rsa.RSAPrivateKey, ciphertext: str) -> str:
    return private_key.decrypt(base64.b64decode(ciphertext), padding.PKCS1v15()).decode()


def sign(private_key: rsa.RSAPrivateKey, plaintext: str) -> str:
    signature = private_key.sign(plaintext.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def signature_ok(public_key: rsa.RSAPublicKey, plaintext: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature or "", validate=True),
            plaintext.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def dhaka_datetime() -> str:
    return timezone.now().astimezone(DHAKA).strftime("%Y%m%d%H%M%S")


def server_ip() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


#
# The gateway
#


class NagadGateway(Gateway):
    provider = "nagad"
    label = "Nagad"
    fields = (
        CredentialField("merchant_id", _lazy("Merchant ID"), secret=False),
        CredentialField(
            "merchant_private_key",
            _lazy("Merchant private key"),
            help=_lazy("PEM, or the bare base64 key Nagad issued."),
        ),
        CredentialField(
            "pg_public_key",
            _lazy("Nagad payment gateway public key"),
            secret=False,
            help=_lazy("PEM, or the bare base64 key Nagad issued."),
        ),
        CredentialField("merchant_number", _lazy("Merchant number"), secret=False, required=False),
    )
    sandbox_base = "http://sandbox.mynagad.com:10080/remote-payment-gateway-1.0/api/dfs"
    live_base = "https://api.mynagad.com/api/dfs"

    # -- crypto with the configured keys ----------------------------------------------

    def keys(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]:
        try:
            return (
                load_private_key(self.cred("merchant_private_key")),
                load_public_key(self.cred("pg_public_key")),
            )
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise GatewayUnavailable(
                _("%(gateway)s is not fully set up (a key cannot be read).")
                % {"gateway": self.label}
            ) from None

    def seal(self, payload: dict) -> dict:
        """sensitiveData and signature for a request."""
        private_key, pg_key = self.keys()
        plaintext = json.dumps(payload, separators=(",", ":"))
        return {
            "sensitiveData": encrypt(pg_key, plaintext),
            "signature": sign(private_key, plaintext),
        }

    def unseal(self, data: dict) -> dict:
        """Decrypt Nagad's sensitiveData and check Nagad's signature on it."""
        private_key, pg_key = self.keys()
        try:
            plaintext = decrypt(private_key, str(data.get("sensitiveData") or ""))
        except ValueError:
            raise GatewayUnavailable(self.down_message()) from None
        if not signature_ok(pg_key, plaintext, str(data.get("signature") or "")):
            raise GatewayUnavailable(
                _("%(gateway)s's answer is not signed by %(gateway)s; the payment was not started.")
                % {"gateway": self.label}
            )
        try:
            value = json.loads(plaintext)
        except ValueError:
            raise GatewayUnavailable(self.down_message()) from None
        return value if isinstance(value, dict) else {}

    def headers(self, txn) -> dict:
        return {
            "Accept": "application/json",
            "X-KM-Api-Version": API_VERSION,
            "X-KM-IP-V4": txn.client_ip or server_ip(),
            "X-KM-Client-Type": CLIENT_TYPE,
        }

    def refused_message(self, data: dict) -> str:
        why = str(data.get("message") or data.get("reason") or "?")[:200]
        return _(
            "%(gateway)s could not start the payment (%(why)s). Please choose another way to pay."
        ) % {"gateway": self.label, "why": why}

    # -- the operations -----------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        merchant_id = self.cred("merchant_id")
        now = dhaka_datetime()
        body = {
            "dateTime": now,
            **self.seal(
                {
                    "merchantId": merchant_id,
                    "datetime": now,
                    "orderId": txn.reference,
                    "challenge": secrets.token_hex(20),
                }
            ),
        }
        if self.creds.get("merchant_number"):
            body = {"accountNumber": str(self.creds["merchant_number"]), **body}
        response = self.request(
            "POST",
            f"{self.base}/check-out/initialize/{merchant_id}/{txn.reference}",
            params={"locale": "EN"},
            headers=self.headers(txn),
            json=body,
        )
        data = self.json_of(response)
        if not data.get("sensitiveData"):
            raise GatewayUnavailable(self.refused_message(data))
        opened = self.unseal(data)
        payment_ref = str(opened.get("paymentReferenceId") or "")
        challenge = str(opened.get("challenge") or "")
        if not payment_ref or not challenge:
            raise GatewayUnavailable(self.refused_message(opened))

        response = self.request(
            "POST",
            f"{self.base}/check-out/complete/{payment_ref}",
            headers=self.headers(txn),
            json={
                "dateTime": dhaka_datetime(),
                **self.seal(
                    {
                        "merchantId": merchant_id,
                        "orderId": txn.reference,
                        "currencyCode": CURRENCY_BDT,
                        "amount": amount_str(txn.amount),
                        "challenge": challenge,
                    }
                ),
                "merchantCallbackURL": urls.return_url,
                "additionalMerchantInfo": {"customer": txn.customer.username},
            },
        )
        done = self.json_of(response)
        if done.get("status") != "Success" or not done.get("callBackUrl"):
            raise GatewayUnavailable(self.refused_message(done))
        return Started(
            redirect_url=str(done["callBackUrl"]),
            gateway_ref=payment_ref,
            raw={"initialize": opened, "complete": done},
            meta={"nagad": {"payment_ref_id": payment_ref, "challenge": challenge}},
        )

    def parse_callback(self, request: CallbackRequest) -> Callback:
        data = request.data()
        order_id = str(data.get("order_id") or "").strip()
        payment_ref = str(data.get("payment_ref_id") or "").strip()
        if not order_id or not payment_ref:
            raise CallbackRejected("The Nagad return has no order_id or payment_ref_id.")
        merchant = str(data.get("merchant") or "").strip()
        if merchant and merchant != str(self.creds.get("merchant_id") or ""):
            raise CallbackRejected("The Nagad return names another merchant.")
        status = str(data.get("status") or "")
        claimed = {"Success": "success", "Aborted": "cancel", "Cancelled": "cancel"}.get(
            status, "failure" if status else ""
        )
        return Callback(
            kind="return",
            reference=order_id,
            gateway_ref=payment_ref,
            claimed=claimed,
            payload={key: str(data.get(key) or "") for key in RETURN_FIELDS},
        )

    def verify(self, txn) -> Verification:
        if not txn.gateway_ref:
            return Verification(status=S.PENDING, detail=_("Nagad never created this payment."))
        response = self.request(
            "GET", f"{self.base}/verify/payment/{txn.gateway_ref}", headers=self.headers(txn)
        )
        data = self.json_of(response)
        if data.get("sensitiveData") and data.get("signature"):
            data = self.unseal(data)
        status_name = str(data.get("status") or "")
        if not status_name:
            why = str(data.get("message") or data.get("reason") or "")[:200]
            return Verification(status=S.PENDING, raw=data, detail=why or _("No answer yet."))
        status = STATUSES.get(status_name, S.PENDING)
        if status == S.SUCCEEDED and str(data.get("statusCode")) != "000":
            status = S.PENDING
        return Verification(
            status=status,
            amount=money(data.get("amount")),
            currency="BDT",
            reference=str(data.get("orderId") or ""),
            gateway_txn_id=str(data.get("issuerPaymentRefNo") or data.get("paymentRefId") or ""),
            raw=data,
            detail="" if status == S.SUCCEEDED else str(data.get("message") or status_name)[:200],
        )
