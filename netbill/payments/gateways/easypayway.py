"""EasyPayWay (integrations.md §1.7): the aamarPay platform family, so this module is
`AamarPayGateway` with EasyPayWay's hosts and its form-encoded request.

- `POST {host}/payment/request.php` as a form: `store_id, signature_key, tran_id` (our
  reference), `amount, currency, desc, cus_*, success_url, fail_url, cancel_url,
  ipn_url, opt_a`.
- The answer [verify]: EasyPayWay publishes no documentation; its public client
  (dotlines-io/epw) shows the success answer as the JSON-encoded payment page URL
  (`["https://sandbox.easypayway.com/payment/paynow.php?track=EPW…"]`). We accept that
  list, a bare JSON string, an object with `payment_url` (aamarPay's shape), or a
  plain-text https URL; anything else is a refusal.
- Returns and the IPN are form POSTs in aamarPay's shape (`pay_status, mer_txnid,
  epw_txnid, amount, …`) [verify], unsigned: every one is verified.
- `GET {host}/api/v1/trxcheck/request.php?request_id&store_id&signature_key&type=json`
  answers as aamarPay's trxcheck [verify]: paid only on `pay_status == "Successful"`;
  `epw_txnid` is the gateway's transaction id.

The service may be dormant: check it with the merchant before going live.
"""

import json

from django.utils.translation import gettext as _

from .aamarpay import AamarPayGateway
from .base import GatewayUnavailable, Started, Urls


class EasyPayWayGateway(AamarPayGateway):
    provider = "easypayway"
    label = "EasyPayWay"
    sandbox_base = "https://sandbox.easypayway.com"
    live_base = "https://securepay.easypayway.com"
    txn_id_fields = ("epw_txnid", "pg_txnid")

    def start(self, txn, urls: Urls) -> Started:
        form = {**self.checkout_fields(txn, urls), "ipn_url": urls.ipn_url, "cus_state": ""}
        response = self.request("POST", f"{self.base}/payment/request.php", data=form)
        url = payment_url(response.text) if response.status_code < 400 else ""
        if not url:
            raise GatewayUnavailable(
                _("%(gateway)s refused to start the payment: %(reason)s")
                % {"gateway": self.label, "reason": response.text[:200] or response.status_code}
            )
        return Started(redirect_url=url, gateway_ref="", raw={"answer": response.text[:1000]})


def payment_url(text: str) -> str:
    """The payment page URL in EasyPayWay's answer, or "" (see the module docstring)."""
    text = (text or "").strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("payment_url") or ""
    value = str(value or "")
    return value if value.startswith("https://") else ""
