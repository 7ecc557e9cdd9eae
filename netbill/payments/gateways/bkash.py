"""bKash Tokenized Checkout (integrations.md §1.1).

create → the customer pays on bKash's page → bKash sends the browser back with
`paymentID` and `status` (unauthenticated) → only on `status=success` we call execute,
which moves the money; a timeout or "already completed" there is settled by asking
`/payment/status`. bKash limits token grants (at most twice an hour, or the merchant is
blocked for an hour), so one token per gateway configuration is kept in the shared
cache for every worker and renewed at about 55 minutes under a cache lock.

bKash also sends an IPN over AWS SNS (to a listener URL bKash provisions): its signature
is checked against Amazon's signing certificate (https, *.amazonaws.com only), and the
notification is then treated like a return: the payment is queried before anything is
credited.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .base import (
    TIMEOUT,
    Callback,
    CallbackRejected,
    CallbackRequest,
    CredentialField,
    Gateway,
    GatewayError,
    GatewayTimeout,
    GatewayUnavailable,
    Refunded,
    S,
    Started,
    Urls,
    Verification,
    amount_str,
    money,
)

OK = "0000"
# execute answered "already completed": the payment is done, ask for its details.
ALREADY_COMPLETED = {"2062", "2117"}
STATUSES = {
    "Completed": S.SUCCEEDED,
    "Initiated": S.PENDING,
    "Failed": S.FAILED,
    "Cancelled": S.CANCELLED,
    "Expired": S.EXPIRED,
}
CLAIMS = {"success": "success", "failure": "failure", "cancel": "cancel"}

# A token is granted for 3600 s; renew it at about 55 minutes.
RENEW_BEFORE_EXPIRY = 300
# The refresh token outlives the id token; keep the entry a day so it can be used.
TOKEN_ENTRY_TTL = 24 * 3600
LOCK_TTL = 30
LOCK_WAIT = 10.0

#
# AWS SNS signature (the IPN)
#

SNS_HEADER = "x-amz-sns-message-type"
# The fields signed, in this order, per message type (AWS: "Verifying the signatures of
# Amazon SNS messages"); a field absent from a Notification (Subject) is left out.
SNS_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SNS_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
CERT_CACHE_TTL = 24 * 3600


def aws_url(url: str) -> bool:
    """Only https URLs on an amazonaws.com host (signing certificates, SubscribeURL)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and host.endswith(".amazonaws.com") and not parts.username


def fetch_signing_cert(url: str) -> bytes:
    """Download an SNS signing certificate (PEM). Tests may replace `cert_fetcher`."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        response = client.get(url)
        response.raise_for_status()
        return response.content


# The function that downloads a signing certificate; replaceable (tests, proxies).
cert_fetcher = fetch_signing_cert


def signing_cert(url: str) -> x509.Certificate:
    """The certificate at `url`, fetched once and then kept in the shared cache."""
    if not aws_url(url):
        raise CallbackRejected("The SNS signing certificate is not on an amazonaws.com https URL.")
    key = "sns-cert:" + hashlib.sha256(url.encode()).hexdigest()
    pem = cache.get(key)
    if pem is None:
        try:
            pem = cert_fetcher(url)
        except Exception:  # any failure to fetch: the message cannot be trusted
            raise CallbackRejected("The SNS signing certificate could not be fetched.") from None
        pem = pem.decode() if isinstance(pem, bytes) else str(pem)
        try:
            x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise CallbackRejected("The SNS signing certificate is not a certificate.") from None
        cache.set(key, pem, CERT_CACHE_TTL)
    return x509.load_pem_x509_certificate(pem.encode())


def sns_string_to_sign(message: dict) -> bytes:
    kind = message.get("Type", "")
    names = SNS_SIGNED.get(kind)
    if names is None:
        raise CallbackRejected("Unknown SNS message type.")
    lines = []
    for name in names:
        if name not in message or message[name] is None:
            if name == "Subject":
                continue
            raise CallbackRejected(f"The SNS message has no {name}.")
        lines.append(f"{name}\n{message[name]}\n")
    return "".join(lines).encode()


def sns_verify(message: dict) -> None:
    """Check an SNS message's signature; raise CallbackRejected unless it is Amazon's."""
    algorithm = SNS_HASHES.get(str(message.get("SignatureVersion", "")))
    if algorithm is None:
        raise CallbackRejected("Unsupported SNS SignatureVersion.")
    try:
        signature = base64.b64decode(message.get("Signature") or "", validate=True)
    except ValueError:
        raise CallbackRejected("The SNS signature is not base64.") from None
    public_key = signing_cert(str(message.get("SigningCertURL") or "")).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CallbackRejected("The SNS signing certificate is not an RSA certificate.")
    try:
        public_key.verify(signature, sns_string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise CallbackRejected("The SNS signature does not match.") from None


def _usable(entry, refused: str | None) -> bool:
    return (
        bool(entry) and time.time() < entry.get("renew_at", 0) and entry.get("id_token") != refused
    )


#
# The gateway
#


class BkashGateway(Gateway):
    provider = "bkash"
    label = "bKash"
    fields = (
        CredentialField("username", _lazy("Username"), secret=False),
        CredentialField("password", _lazy("Password")),
        CredentialField("app_key", _lazy("App key"), secret=False),
        CredentialField("app_secret", _lazy("App secret")),
    )
    supports_refund = True
    sandbox_base = "https://tokenized.sandbox.bka.sh/v1.2.0-beta/tokenized/checkout"
    live_base = "https://tokenized.pay.bka.sh/v1.2.0-beta/tokenized/checkout"

    # -- the token, shared by every worker ----------------------------------------------

    def token_key(self) -> str:
        """One token per gateway configuration: tenant, provider, mode and app key."""
        app = hashlib.sha256(
            f"{self.cred('app_key')}|{'sandbox' if self.sandbox else 'live'}".encode()
        ).hexdigest()[:24]
        return f"gw-token:{self.config.tenant_id}:{self.provider}:{app}"

    def token(self, *, renew: bool = False) -> str:
        """The current id_token; `renew` when bKash refused the cached one."""
        key = self.token_key()
        entry = cache.get(key)
        if not renew and _usable(entry, None):
            return entry["id_token"]
        refused = entry.get("id_token") if (renew and entry) else None
        lock = key + ":lock"
        deadline = time.monotonic() + LOCK_WAIT
        while not cache.add(lock, "1", LOCK_TTL):
            # Another worker is renewing: wait for its token rather than grant again.
            time.sleep(0.2)
            entry = cache.get(key)
            if _usable(entry, refused):
                return entry["id_token"]
            if time.monotonic() > deadline:
                raise GatewayUnavailable(self.down_message())
        try:
            entry = cache.get(key)
            if _usable(entry, refused):
                return entry["id_token"]
            data = None
            if entry and entry.get("refresh_token"):
                data = self._grant("/token/refresh", refresh_token=entry["refresh_token"])
            if data is None:
                data = self._grant("/token/grant")
            try:
                expires_in = int(data.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires_in = 3600
            cache.set(
                key,
                {
                    "id_token": data["id_token"],
                    "refresh_token": data.get("refresh_token", ""),
                    "renew_at": time.time() + max(expires_in - RENEW_BEFORE_EXPIRY, 60),
                },
                TOKEN_ENTRY_TTL,
            )
            return data["id_token"]
        finally:
            cache.delete(lock)

    def _grant(self, path: str, **extra) -> dict | None:
        """Grant (or refresh) a token; None if bKash refused a refresh."""
        response = self.request(
            "POST",
            self.base + path,
            headers={
                "username": self.cred("username"),
                "password": self.cred("password"),
                "Accept": "application/json",
            },
            json={
                "app_key": self.cred("app_key"),
                "app_secret": self.cred("app_secret"),
                **extra,
            },
        )
        data = self.json_of(response)
        if data.get("id_token") and data.get("statusCode", OK) == OK:
            return data
        if extra:
            return None
        raise GatewayUnavailable(self.refused_message(data))

    # -- calls ------------------------------------------------------------------------

    def call(self, path: str, body: dict, *, moves_money: bool = False) -> dict:
        """An authorised call; one retry with a fresh token when bKash says the token
        expired (401: nothing was done)."""
        for attempt in (0, 1):
            response = self.request(
                "POST",
                self.base + path,
                moves_money=moves_money,
                headers={
                    "Authorization": self.token(renew=attempt == 1),
                    "X-App-Key": self.cred("app_key"),
                    "Accept": "application/json",
                },
                json=body,
            )
            if response.status_code != 401:
                return self.json_of(response)
        raise GatewayUnavailable(self.down_message())

    @staticmethod
    def code(data: dict) -> str:
        return str(data.get("statusCode") or data.get("errorCode") or "")

    @staticmethod
    def message(data: dict) -> str:
        return str(data.get("statusMessage") or data.get("errorMessage") or "")[:200]

    def refused_message(self, data: dict) -> str:
        return _(
            "%(gateway)s could not start the payment (%(why)s). Please choose another way to pay."
        ) % {"gateway": self.label, "why": self.message(data) or self.code(data) or "?"}

    def verification(self, data: dict) -> Verification:
        status = STATUSES.get(str(data.get("transactionStatus") or ""), S.PENDING)
        return Verification(
            status=status,
            amount=money(data.get("amount")),
            currency=str(data.get("currency") or "BDT"),
            reference=str(data.get("merchantInvoiceNumber") or ""),
            gateway_txn_id=str(data.get("trxID") or ""),
            raw=data,
            detail=self.message(data) if status != S.SUCCEEDED else "",
        )

    # -- the four operations ------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        mobile = str(getattr(txn.customer, "mobile", "") or "")
        payer = mobile[3:] if mobile.startswith("+88") else (mobile or txn.reference)
        data = self.call(
            "/create",
            {
                "mode": "0011",
                "payerReference": payer,
                "callbackURL": urls.return_url,
                "amount": amount_str(txn.amount),
                "currency": "BDT",
                "intent": "sale",
                "merchantInvoiceNumber": txn.reference,
            },
        )
        if self.code(data) != OK or not data.get("bkashURL") or not data.get("paymentID"):
            raise GatewayUnavailable(self.refused_message(data))
        return Started(
            redirect_url=str(data["bkashURL"]),
            gateway_ref=str(data["paymentID"]),
            raw=data,
            meta={"bkash_payment_id": str(data["paymentID"])},
        )

    def parse_callback(self, request: CallbackRequest) -> Callback:
        if request.headers.get(SNS_HEADER):
            return self.parse_sns(request)
        data = request.data()
        payment_id = str(data.get("paymentID") or "").strip()
        status = str(data.get("status") or "").strip().lower()
        if not payment_id or status not in CLAIMS:
            raise CallbackRejected("The bKash return has no paymentID or no known status.")
        return Callback(
            kind="return",
            gateway_ref=payment_id,
            claimed=CLAIMS[status],
            payload={"paymentID": payment_id, "status": status},
        )

    def parse_sns(self, request: CallbackRequest) -> Callback:
        message = request.json()
        kind = request.headers.get(SNS_HEADER, "")
        if message.get("Type") != kind:
            raise CallbackRejected("The SNS message type does not match its header.")
        sns_verify(message)
        if kind == "SubscriptionConfirmation":
            url = str(message.get("SubscribeURL") or "")
            if not aws_url(url):
                raise CallbackRejected("The SNS SubscribeURL is not an amazonaws.com https URL.")
            try:
                response = self.request("GET", url)
            except GatewayError:
                raise CallbackRejected("The SNS subscription could not be confirmed.") from None
            if response.status_code != 200:
                raise CallbackRejected("The SNS subscription could not be confirmed.")
            raise CallbackRejected("SNS subscription confirmed.")
        if kind != "Notification":
            raise CallbackRejected(f"SNS {kind} ignored.")
        try:
            inner = json.loads(message.get("Message") or "")
        except ValueError:
            raise CallbackRejected("The bKash IPN message is not JSON.") from None
        if not isinstance(inner, dict):
            raise CallbackRejected("The bKash IPN message is not a JSON object.")
        completed = inner.get("transactionStatus") == "Completed"
        return Callback(
            kind="ipn",
            reference=str(inner.get("merchantInvoiceNumber") or ""),
            claimed="success" if completed else "",
            event_id=str(message.get("MessageId") or "") or None,
            payload=inner,
        )

    def complete(self, txn, callback: Callback) -> Verification:
        if callback.kind != "return" or callback.claimed != "success":
            # An IPN (the money already moved) or a failure/cancel: ask bKash. A payment
            # the customer abandoned stays "Initiated" there; the return says why.
            found = self.verify(txn)
            if found.status == S.PENDING and callback.claimed in ("failure", "cancel"):
                found.status = S.FAILED if callback.claimed == "failure" else S.CANCELLED
                found.detail = (
                    _("The customer cancelled at bKash.")
                    if callback.claimed == "cancel"
                    else _("The payment failed at bKash.")
                )
            return found
        try:
            data = self.call("/execute", {"paymentID": txn.gateway_ref}, moves_money=True)
        except GatewayTimeout:
            return self.verify(txn)
        if self.code(data) in ALREADY_COMPLETED:
            return self.verify(txn)
        if self.code(data) == OK and data.get("transactionStatus"):
            return self.verification(data)
        # execute refused: bKash says why; its own record has the last word.
        found = self.verify(txn)
        if found.status == S.PENDING:
            found.status = S.FAILED
            found.detail = self.message(data) or _("bKash refused the payment.")
        return found

    def verify(self, txn) -> Verification:
        if not txn.gateway_ref:
            return Verification(status=S.PENDING, detail=_("bKash never created this payment."))
        data = self.call("/payment/status", {"paymentID": txn.gateway_ref})
        if not data.get("transactionStatus"):
            return Verification(
                status=S.PENDING, raw=data, detail=self.message(data) or _("No answer yet.")
            )
        return self.verification(data)

    def refund(self, txn, amount: Decimal, reason: str) -> Refunded:
        data = self.call(
            "/payment/refund",
            {
                "paymentID": txn.gateway_ref,
                "amount": amount_str(amount),
                "trxID": txn.gateway_txn_id or "",
                "sku": txn.reference,
                "reason": (reason or "Refund")[:255],
            },
            moves_money=True,
        )
        if not data.get("refundTrxID"):
            raise GatewayError(
                _("bKash refused the refund: %(why)s") % {"why": self.message(data) or "?"}
            )
        done = data.get("transactionStatus") == "Completed"
        return Refunded(
            refund_id=str(data["refundTrxID"]),
            amount=money(data.get("amount")) or amount,
            status="done" if done else "pending",
            raw=data,
        )
