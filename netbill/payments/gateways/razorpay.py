"""Razorpay (integrations.md §1.4): a Payment Link per attempt.

Razorpay's Orders API has no hosted page of its own (an order is paid through
Checkout.js on the merchant's page), so each attempt is a Payment Link: Razorpay's
hosted page, with our reference as its unique `reference_id`. Amounts travel as
integer subunits (paisa).

- The browser comes back with `razorpay_payment_id, razorpay_payment_link_id,
  razorpay_payment_link_reference_id, razorpay_payment_link_status,
  razorpay_signature`; the signature is hex HMAC-SHA256(key_secret) over
  `plink_id|reference_id|status|payment_id`. A mismatch is refused.
- Webhooks (to the IPN URL) are signed with the webhook secret over the raw body
  (`X-Razorpay-Signature`) and carry `X-Razorpay-Event-Id`, so a retried event is
  recognised. Subscribe to `payment_link.paid`; `payment.captured` and
  `payment.failed` are understood when the payment's `notes` carry our reference
  (Razorpay copies a link's notes to its payments [verify]).
- Nothing from the browser or the webhook is credited as such: `verify` reads the link
  (`GET /payment_links/{id}`): status `paid`, `amount_paid`, `reference_id`, and the
  captured payment in its `payments` list.
- Refunds: `POST /payments/{id}/refund`.

Onboarding needs an Indian, Malaysian, Singaporean or US entity; BDT support for the
account is [verify].
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    CredentialField,
    Gateway,
    GatewayUnavailable,
    Refunded,
    S,
    Started,
    Urls,
    Verification,
    hmac_sha256_hex,
    same,
)

# A link lives a day; the recheck gives up on an attempt after two.
LINK_LIFETIME_SECONDS = 24 * 3600
HUNDRED = Decimal(100)


def to_paisa(amount: Decimal) -> int:
    return int((Decimal(amount) * HUNDRED).to_integral_value())


def from_paisa(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return (Decimal(str(value)) / HUNDRED).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None


def link_signature(secret: str, plink_id: str, reference: str, status: str, payment_id: str):
    return hmac_sha256_hex(secret, f"{plink_id}|{reference}|{status}|{payment_id}")


class RazorpayGateway(Gateway):
    provider = "razorpay"
    label = "Razorpay"
    fields = (
        CredentialField("key_id", gettext_lazy("Key ID"), secret=False),
        CredentialField("key_secret", gettext_lazy("Key secret")),
        CredentialField(
            "webhook_secret",
            gettext_lazy("Webhook secret"),
            help=gettext_lazy("The secret set on the webhook in the Razorpay dashboard."),
        ),
    )
    supports_refund = True
    # Razorpay has one host; test or live mode follows the key (rzp_test_… / rzp_live_…).
    sandbox_base = "https://api.razorpay.com/v1"
    live_base = "https://api.razorpay.com/v1"

    def auth(self) -> tuple[str, str]:
        return (self.cred("key_id"), self.cred("key_secret"))

    def error_of(self, response) -> str:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        return str(error.get("description") or "")[:200] if isinstance(error, dict) else ""

    # -- start ----------------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        customer = txn.customer
        body = {
            "amount": to_paisa(txn.amount),
            "currency": txn.currency,
            "accept_partial": False,
            "reference_id": txn.reference,
            "description": f"{txn.tenant.name}: {customer.username}"[:2048],
            "customer": {
                "name": customer.name,
                "contact": customer.mobile,
                **({"email": customer.email} if customer.email else {}),
            },
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "expire_by": int(timezone.now().timestamp()) + LINK_LIFETIME_SECONDS,
            "callback_url": urls.return_url,
            "callback_method": "get",
            "notes": {"reference": txn.reference, "customer": customer.username},
        }
        response = self.request("POST", f"{self.base}/payment_links", json=body, auth=self.auth())
        data = self.json_of(response)
        if response.status_code >= 400 or not data.get("short_url") or not data.get("id"):
            reason = self.error_of(response)
            raise GatewayUnavailable(
                _("Razorpay refused to start the payment: %(reason)s")
                % {"reason": reason or response.status_code}
            )
        return Started(
            redirect_url=data["short_url"],
            gateway_ref=data["id"],
            raw=data,
            meta={"razorpay": {"plink_id": data["id"]}},
        )

    # -- callbacks ------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest) -> Callback:
        if request.headers.get("x-razorpay-signature") is not None or request.method == "POST":
            return self._webhook(request)
        return self._return(request)

    def _return(self, request: CallbackRequest) -> Callback:
        data = request.data()
        plink_id = data.get("razorpay_payment_link_id", "")
        reference = data.get("razorpay_payment_link_reference_id", "")
        status = data.get("razorpay_payment_link_status", "")
        payment_id = data.get("razorpay_payment_id", "")
        signature = data.get("razorpay_signature", "")
        secret = self.creds.get("key_secret", "")
        if not (plink_id and signature and secret):
            raise CallbackRejected("The Razorpay return is not signed.")
        expected = link_signature(secret, plink_id, reference, status, payment_id)
        if not same(signature, expected):
            raise CallbackRejected("The Razorpay return's signature does not match.")
        return Callback(
            kind="return",
            reference=reference,
            gateway_ref=plink_id,
            claimed="success" if status == "paid" else "",
            payload=data,
        )

    def _webhook(self, request: CallbackRequest) -> Callback:
        secret = self.creds.get("webhook_secret", "")
        signature = request.headers.get("x-razorpay-signature", "")
        if not secret:
            raise CallbackRejected("No Razorpay webhook secret is set.")
        if not signature or not same(signature, hmac_sha256_hex(secret, request.body or b"")):
            raise CallbackRejected("The Razorpay webhook's signature does not match.")
        body = request.json()
        event = str(body.get("event") or "")
        payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
        reference = gateway_ref = claimed = ""
        if event.startswith("payment_link."):
            link = _entity(payload, "payment_link")
            reference, gateway_ref = str(link.get("reference_id") or ""), str(link.get("id") or "")
            claimed = "success" if event == "payment_link.paid" else ""
        elif event.startswith("payment."):
            payment = _entity(payload, "payment")
            notes = payment.get("notes") if isinstance(payment.get("notes"), dict) else {}
            reference = str(notes.get("reference") or "")
            claimed = {"payment.captured": "success", "payment.failed": "failure"}.get(event, "")
        return Callback(
            kind="webhook",
            reference=reference,
            gateway_ref=gateway_ref,
            claimed=claimed,
            event_id=request.headers.get("x-razorpay-event-id") or None,
            payload={"event": event, "reference": reference, "plink_id": gateway_ref},
        )

    # -- verify ---------------------------------------------------------------------

    def verify(self, txn) -> Verification:
        if not txn.gateway_ref:
            return Verification(status=S.PENDING, detail=_("Razorpay gave no payment link."))
        response = self.request(
            "GET", f"{self.base}/payment_links/{txn.gateway_ref}", auth=self.auth()
        )
        data = self.json_of(response)
        if response.status_code >= 400:
            raise GatewayUnavailable(
                _("Razorpay could not find the payment link: %(reason)s")
                % {"reason": self.error_of(response) or response.status_code}
            )
        status = data.get("status")
        payments = [p for p in data.get("payments") or [] if isinstance(p, dict)]
        common = {
            "currency": str(data.get("currency") or ""),
            "reference": str(data.get("reference_id") or ""),
            "raw": data,
        }
        if status == "paid":
            captured = [p for p in payments if p.get("status") == "captured"]
            return Verification(
                status=S.SUCCEEDED,
                amount=from_paisa(data.get("amount_paid")),
                gateway_txn_id=str(captured[-1].get("payment_id") or "") if captured else "",
                **common,
            )
        if status == "cancelled":
            return Verification(
                status=S.CANCELLED, detail=_("The payment link was cancelled."), **common
            )
        if status == "expired":
            return Verification(status=S.EXPIRED, detail=_("The payment link expired."), **common)
        if payments and all(p.get("status") == "failed" for p in payments):
            # The link stays open after a failed attempt; a later payment on it is still
            # credited (verified money wins over a failed status).
            return Verification(
                status=S.FAILED, detail=_("The payment failed at Razorpay."), **common
            )
        return Verification(status=S.PENDING, detail=_("Not paid yet."), **common)

    # -- refund ---------------------------------------------------------------------

    def refund(self, txn, amount: Decimal, reason: str) -> Refunded:
        response = self.request(
            "POST",
            f"{self.base}/payments/{txn.gateway_txn_id}/refund",
            json={"amount": to_paisa(amount), "notes": {"reason": reason[:255]}},
            auth=self.auth(),
            moves_money=True,
        )
        data = self.json_of(response)
        if response.status_code >= 400 or not data.get("id"):
            raise GatewayUnavailable(
                _("Razorpay refused the refund: %(reason)s")
                % {"reason": self.error_of(response) or response.status_code}
            )
        return Refunded(
            refund_id=str(data["id"]),
            amount=from_paisa(data.get("amount")) or amount,
            status="done" if data.get("status") == "processed" else "pending",
            raw=data,
        )


def _entity(payload: dict, name: str) -> dict:
    wrapper = payload.get(name)
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}
