"""aamarPay (integrations.md §1.6).

- `POST {host}/jsonpost.php` (JSON, `type: "json"`) with `tran_id` = our reference →
  `{result: "true", payment_url}`, where the customer goes.
- The success and fail URLs receive a browser form POST (`pay_status`, `mer_txnid`,
  `pg_txnid`, `amount`, …); the cancel URL receives nothing. None of it is signed, so
  our URLs carry `result=` and our reference, the return only says which transaction
  to ask about, and every return is verified.
- `GET {host}/api/v1/trxcheck/request.php?request_id=<tran_id>&store_id&signature_key
  &type=json` is the truth: paid only on `pay_status == "Successful"`, with the amount
  and `mer_txnid` compared by `settle`; `pg_txnid` is the gateway's transaction id.
  `"Failed"` is a failure; anything else is not paid yet, except that a customer who
  pressed Cancel (our cancel URL) on an unpaid attempt is recorded as cancelled.

EasyPayWay (`easypayway.py`) is the same platform family and reuses this class.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    local_mobile,
    money,
)


class AamarPayGateway(Gateway):
    provider = "aamarpay"
    label = "aamarPay"
    fields = (
        CredentialField("store_id", gettext_lazy("Store ID"), secret=False),
        CredentialField("signature_key", gettext_lazy("Signature key")),
    )
    sandbox_base = "https://sandbox.aamarpay.com"
    live_base = "https://secure.aamarpay.com"
    check_path = "/api/v1/trxcheck/request.php"
    # The gateway's own transaction id in the trxcheck answer, first found wins.
    txn_id_fields: tuple[str, ...] = ("pg_txnid", "epw_txnid")

    # -- start ------------------------------------------------------------------------

    def checkout_fields(self, txn, urls: Urls) -> dict:
        customer = txn.customer

        def back(result: str) -> str:
            return f"{urls.with_result(result)}&reference={txn.reference}"

        return {
            "store_id": self.cred("store_id"),
            "signature_key": self.cred("signature_key"),
            "tran_id": txn.reference,
            "amount": amount_str(txn.amount),
            "currency": txn.currency,
            "desc": f"{txn.tenant.name}: {customer.username}"[:255],
            "cus_name": customer.name,
            # Required by the gateway; the ISP's address when the customer has none.
            "cus_email": customer.email or txn.tenant.email or "noreply@example.com",
            "cus_phone": local_mobile(customer.mobile),
            "cus_add1": customer.address or customer.name,
            "cus_add2": "",
            "cus_city": "Bangladesh",
            "cus_country": "Bangladesh",
            "success_url": back("success"),
            "fail_url": back("failure"),
            "cancel_url": back("cancel"),
            "opt_a": customer.username,
        }

    def start(self, txn, urls: Urls) -> Started:
        body = {**self.checkout_fields(txn, urls), "type": "json"}
        response = self.request("POST", f"{self.base}/jsonpost.php", json=body)
        data = self.json_of(response)
        url = data.get("payment_url")
        if str(data.get("result")).lower() != "true" or not url:
            raise GatewayUnavailable(
                _("%(gateway)s refused to start the payment: %(reason)s")
                % {"gateway": self.label, "reason": _reason(data) or response.status_code}
            )
        return Started(redirect_url=str(url), gateway_ref="", raw=data)

    # -- callbacks --------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest) -> Callback:
        data = request.data()
        reference = str(data.get("mer_txnid") or data.get("reference") or "")
        if not reference:
            raise CallbackRejected(f"The {self.label} return names no transaction.")
        status = str(data.get("pay_status") or "").lower()
        claimed = {"successful": "success", "failed": "failure"}.get(status) or str(
            data.get("result") or ""
        )
        return Callback(kind="return", reference=reference, claimed=claimed, payload=data)

    def complete(self, txn, callback: Callback) -> Verification:
        verification = self.verify(txn)
        if verification.status == S.PENDING and callback.claimed == "cancel":
            # Nothing reaches the cancel URL but the customer; the gateway itself has no
            # record of a cancel. A later verified payment still wins.
            verification.status = S.CANCELLED
            verification.detail = _("The customer cancelled the payment.")
        return verification

    # -- verify -----------------------------------------------------------------------

    def verify(self, txn) -> Verification:
        response = self.request(
            "GET",
            f"{self.base}{self.check_path}",
            params={
                "request_id": txn.reference,
                "store_id": self.cred("store_id"),
                "signature_key": self.cred("signature_key"),
                "type": "json",
            },
        )
        data = self.json_of(response)
        status = str(data.get("pay_status") or "")
        if status.lower() == "successful":
            gateway_txn_id = next((str(data[f]) for f in self.txn_id_fields if data.get(f)), "")
            return Verification(
                status=S.SUCCEEDED,
                amount=money(data.get("amount")),
                currency=str(data.get("currency") or data.get("currency_merchant") or "BDT"),
                reference=str(data.get("mer_txnid") or ""),
                gateway_txn_id=gateway_txn_id,
                raw=data,
                detail=str(data.get("status_title") or "")[:200],
            )
        detail = str(data.get("status_title") or data.get("error_title") or status)[:200]
        if status.lower() == "failed":
            return Verification(
                status=S.FAILED, raw=data, detail=detail or _("The payment failed.")
            )
        return Verification(status=S.PENDING, raw=data, detail=detail or _("Not paid yet."))


def _reason(data: dict) -> str:
    """The gateway's error text: its answers name the offending field as the key."""
    for key, value in data.items():
        if key not in ("result", "payment_url") and isinstance(value, str) and value:
            return value[:200]
    return ""
