"""The Sandbox gateway: works offline, with its own checkout page inside netbill
(`payments:sandbox_checkout`), so the demo ISP can take a payment end to end.

It behaves like a real gateway: the checkout page is "the gateway's site", its record
of what the customer did (`txn.meta["sandbox"]`, written only by that page) is "the
gateway's server", the browser return is signed but still never trusted on its own,
and `verify` reads the gateway's record."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    CredentialField,
    Gateway,
    Refunded,
    S,
    Started,
    Urls,
    Verification,
    hmac_sha256_hex,
    same,
)


def sandbox_signature(reference: str, result: str) -> str:
    return hmac_sha256_hex(settings.SECRET_KEY, f"sandbox|{reference}|{result}")


class SandboxGateway(Gateway):
    provider = "sandbox"
    label = "Sandbox"
    fields = (
        CredentialField(
            "merchant_name",
            _("Merchant name shown on the checkout page"),
            secret=False,
            required=False,
        ),
    )
    supports_refund = True

    def start(self, txn, urls: Urls) -> Started:
        path = reverse(
            "payments_public:sandbox_checkout",
            kwargs={"isp": txn.tenant.slug, "reference": txn.reference},
        )
        return Started(
            redirect_url=path,
            gateway_ref=f"SBX-{txn.reference}",
            raw={"checkout": path},
            meta={"return_url": urls.return_url},
        )

    def parse_callback(self, request: CallbackRequest) -> Callback:
        data = request.data()
        reference = data.get("reference", "")
        result = data.get("result", "")
        if not reference or not same(data.get("sig", ""), sandbox_signature(reference, result)):
            raise CallbackRejected("The sandbox return's signature does not match.")
        return Callback(kind="return", reference=reference, claimed=result, payload=data)

    def verify(self, txn) -> Verification:
        record = (txn.meta or {}).get("sandbox") or {}
        state = record.get("state")
        if state == "paid":
            return Verification(
                status=S.SUCCEEDED,
                amount=Decimal(record["amount"]),
                currency=txn.currency,
                reference=txn.reference,
                gateway_txn_id=record["trx_id"],
                raw=record,
            )
        if state in ("failed", "cancelled"):
            return Verification(status=state, raw=record, reference=txn.reference)
        return Verification(status=S.PENDING, raw=record, detail="The customer has not paid yet.")

    def refund(self, txn, amount: Decimal, reason: str) -> Refunded:
        return Refunded(refund_id=f"SBXR-{txn.reference}", amount=amount, status="done")
