"""SSLCommerz v4 (integrations.md §1.3).

A session (form POST) gives the checkout URL. SSLCommerz then posts the result to the
browser return URLs and, server to server, to the IPN URL; both carry `verify_sign`, an
MD5 over the fields named in `verify_key` plus md5(store password), which is checked
first (step 1). A post that passes is still only a pointer: its `val_id` is checked
with the Validation API (step 2) and only what that API says is credited; without a
`val_id` the transaction query API is asked by our `tran_id`.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .base import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    CredentialField,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    Refunded,
    S,
    Started,
    Urls,
    Verification,
    amount_str,
    money,
    same,
)

STATUSES = {
    "VALID": S.SUCCEEDED,
    "VALIDATED": S.SUCCEEDED,  # validated before: settle() credits only once
    "FAILED": S.FAILED,
    "CANCELLED": S.CANCELLED,
    "UNATTEMPTED": S.PENDING,
    "PENDING": S.PENDING,
    "EXPIRED": S.EXPIRED,
    "INVALID_TRANSACTION": S.FAILED,
}
CLAIMS = {"VALID": "success", "VALIDATED": "success", "FAILED": "failure", "CANCELLED": "cancel"}
# What the post says it is; "hash_ok" is ours: the val_id of a post whose hash was not
# checked (an unsigned browser return) is never used.
HASH_OK = "hash_ok"


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (SSLCommerz's own scheme)


def verify_sign_for(data: dict, store_password: str) -> str:
    """The expected `verify_sign` of a post (step 1 of SSLCommerz's check)."""
    keys = [k for k in str(data.get("verify_key") or "").split(",") if k]
    pairs = {k: str(data.get(k, "")) for k in keys}
    pairs["store_passwd"] = md5_hex(store_password)
    return md5_hex("&".join(f"{k}={pairs[k]}" for k in sorted(pairs)))


class SslCommerzGateway(Gateway):
    provider = "sslcommerz"
    label = "SSLCommerz"
    fields = (
        CredentialField("store_id", _lazy("Store ID"), secret=False),
        CredentialField("store_password", _lazy("Store password")),
    )
    supports_refund = True
    sandbox_base = "https://sandbox.sslcommerz.com"
    live_base = "https://securepay.sslcommerz.com"

    def auth(self) -> dict:
        return {"store_id": self.cred("store_id"), "store_passwd": self.cred("store_password")}

    def api(self, path: str, params: dict, *, moves_money: bool = False) -> dict:
        response = self.request(
            "GET",
            self.base + path,
            moves_money=moves_money,
            params={**params, **self.auth(), "format": "json"},
            headers={"Accept": "application/json"},
        )
        return self.json_of(response)

    def verification(self, data: dict) -> Verification:
        name = str(data.get("status") or "").upper()
        status = STATUSES.get(name, S.PENDING)
        return Verification(
            status=status,
            amount=money(data.get("amount")),
            currency=str(data.get("currency") or data.get("currency_type") or "BDT"),
            reference=str(data.get("tran_id") or ""),
            gateway_txn_id=str(data.get("bank_tran_id") or data.get("val_id") or ""),
            raw=data,
            detail="" if status == S.SUCCEEDED else str(data.get("error") or name)[:200],
            risk=str(data.get("risk_level") or "0") == "1",
        )

    # -- the operations -----------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        customer = txn.customer
        response = self.request(
            "POST",
            self.base + "/gwprocess/v4/api.php",
            data={
                **self.auth(),
                "total_amount": amount_str(txn.amount),
                "currency": txn.currency or "BDT",
                "tran_id": txn.reference,
                "success_url": urls.with_result("success"),
                "fail_url": urls.with_result("fail"),
                "cancel_url": urls.with_result("cancel"),
                "ipn_url": urls.ipn_url,
                "product_name": "Internet bill",
                "product_category": "Internet",
                "product_profile": "non-physical-goods",
                "shipping_method": "NO",
                "cus_name": customer.name[:50],
                "cus_email": customer.email or f"{customer.username}@customers.invalid",
                "cus_add1": (customer.address or "Bangladesh")[:50],
                "cus_city": "Dhaka",
                "cus_country": "Bangladesh",
                "cus_phone": customer.mobile,
                "value_a": txn.reference,
            },
        )
        data = self.json_of(response)
        if str(data.get("status")).upper() != "SUCCESS" or not data.get("GatewayPageURL"):
            why = str(data.get("failedreason") or "?")[:200]
            raise GatewayUnavailable(
                _(
                    "%(gateway)s could not start the payment (%(why)s). "
                    "Please choose another way to pay."
                )
                % {"gateway": self.label, "why": why}
            )
        return Started(
            redirect_url=str(data["GatewayPageURL"]),
            gateway_ref=str(data.get("sessionkey") or ""),
            raw={k: v for k, v in data.items() if k in ("status", "sessionkey", "GatewayPageURL")},
        )

    def parse_callback(self, request: CallbackRequest) -> Callback:
        data = {k: str(v) for k, v in request.data().items()}
        kind = "return" if request.query.get("result") else "ipn"
        tran_id = data.get("tran_id", "").strip()
        if not tran_id:
            raise CallbackRejected("The SSLCommerz post has no tran_id.")
        # A browser return may come unsigned (its val_id is then ignored); an IPN never.
        signed = bool(data.get("verify_sign"))
        if (signed or kind == "ipn") and not self.hash_ok(data):
            raise CallbackRejected("The SSLCommerz hash (verify_sign) does not match.")
        status = data.get("status", "").upper()
        claimed = CLAIMS.get(status) or {"fail": "failure", "cancel": "cancel"}.get(
            request.query.get("result", ""), ""
        )
        return Callback(
            kind=kind,
            reference=tran_id,
            claimed=claimed,
            event_id=None,  # val_id names a validation, not a delivery
            payload={**data, HASH_OK: signed},
        )

    def hash_ok(self, data: dict) -> bool:
        expected = verify_sign_for(data, self.cred("store_password"))
        return bool(data.get("verify_key")) and same(data.get("verify_sign", ""), expected)

    def complete(self, txn, callback: Callback) -> Verification:
        val_id = callback.payload.get("val_id") if callback.payload.get(HASH_OK) else ""
        if not val_id:
            return self.verify(txn)
        data = self.api(
            "/validator/api/validationserverAPI.php", {"val_id": val_id, "v": "1"}, moves_money=True
        )
        if not data.get("status"):
            raise GatewayUnavailable(self.down_message())
        return self.verification(data)

    def verify(self, txn) -> Verification:
        data = self.api(
            "/validator/api/merchantTransIDvalidationAPI.php",
            {"tran_id": txn.reference},
            moves_money=True,
        )
        if str(data.get("APIConnect") or "") != "DONE":
            raise GatewayUnavailable(self.down_message())
        elements = [
            e
            for e in data.get("element") or []
            if isinstance(e, dict) and str(e.get("tran_id") or txn.reference) == txn.reference
        ]
        if not elements:
            return Verification(
                status=S.PENDING, raw=data, detail=_("SSLCommerz has no attempt for it yet.")
            )
        paid = [e for e in elements if CLAIMS.get(str(e.get("status") or "").upper()) == "success"]
        found = self.verification({**(paid or elements)[0]})
        found.raw = data
        return found

    def refund(self, txn, amount: Decimal, reason: str) -> Refunded:
        data = self.api(
            "/validator/api/merchantTransIDvalidationAPI.php",
            {
                "bank_tran_id": txn.gateway_txn_id or "",
                "refund_amount": amount_str(amount),
                "refund_remarks": (reason or "Refund")[:255],
            },
            moves_money=True,
        )
        if str(data.get("APIConnect") or "") != "DONE" or not data.get("refund_ref_id"):
            why = str(data.get("errorReason") or data.get("status") or "?")[:200]
            raise GatewayError(_("SSLCommerz refused the refund: %(why)s") % {"why": why})
        if str(data.get("status") or "").lower() == "failed":
            why = str(data.get("errorReason") or "failed")[:200]
            raise GatewayError(_("SSLCommerz refused the refund: %(why)s") % {"why": why})
        return Refunded(
            refund_id=str(data["refund_ref_id"]), amount=amount, status="pending", raw=data
        )
