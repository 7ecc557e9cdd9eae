"""WalletMix (integrations.md §1.8), reconstructed from public merchant plugins: no
official documentation was found, so field names and codes are [verify].

1. `GET {host}/check-server` → `{selectedServer, url, bank_payment_url}`.
2. A form POST to `url` (`wmx_id, merchant_order_id` = our reference,
   `merchant_ref_id, app_name, cart_info, customer_*, product_desc, amount, currency,
   options, callback_url, access_app_key, authorization`) → `{token}`: our
   `gateway_ref`.
3. The customer goes to `bank_payment_url/{token}`.
4. WalletMix POSTs `merchant_txn_data` (a JSON string) to the callback URL: its
   `merchant_order_id` says which transaction to ask about, nothing more (unsigned).
5. `POST {host}/check-payment {wmx_id, authorization, access_app_key, token}`: paid when
   the status code is 1000 (`txn_status`, else `statusCode` [verify]); the amount
   (`merchant_amount_bdt`) and `merchant_order_id` are compared by `settle`. 1001 is a
   failure and 1002 a cancel [verify]; any other code stays pending.
"""

import base64
import json

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

CODES = {"1000": S.SUCCEEDED, "1001": S.FAILED, "1002": S.CANCELLED}


class WalletMixGateway(Gateway):
    provider = "walletmix"
    label = "WalletMix"
    fields = (
        CredentialField("wmx_id", gettext_lazy("Merchant ID (wmx_id)"), secret=False),
        CredentialField("username", gettext_lazy("Access username"), secret=False),
        CredentialField("password", gettext_lazy("Access password")),
        CredentialField("access_app_key", gettext_lazy("Access app key")),
        CredentialField(
            "app_name",
            gettext_lazy("App name"),
            secret=False,
            help=gettext_lazy("The website name registered with WalletMix."),
        ),
    )
    sandbox_base = "https://sandbox.walletmix.com"
    live_base = "https://epay.walletmix.com"

    def authorization(self) -> str:
        pair = f"{self.cred('username')}:{self.cred('password')}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    # -- start ------------------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        server = self.json_of(self.request("GET", f"{self.base}/check-server"))
        url, bank_url = server.get("url"), server.get("bank_payment_url")
        if not url or not bank_url:
            raise GatewayUnavailable(self.down_message())
        customer = txn.customer
        app_name = self.cred("app_name")
        amount = amount_str(txn.amount)
        form = {
            "wmx_id": self.cred("wmx_id"),
            "merchant_order_id": txn.reference,
            "merchant_ref_id": txn.reference,
            "app_name": app_name,
            "cart_info": f"{self.cred('wmx_id')},{app_name},{amount}",
            "customer_name": customer.name,
            "customer_email": customer.email or txn.tenant.email or "",
            "customer_add": customer.address or customer.name,
            "customer_phone": local_mobile(customer.mobile),
            "product_desc": f"{txn.tenant.name}: {customer.username}"[:255],
            "amount": amount,
            "currency": txn.currency,
            "options": base64.b64encode(
                f"s={app_name},i={txn.client_ip or '127.0.0.1'}".encode()
            ).decode(),
            "callback_url": urls.return_url,
            "access_app_key": self.cred("access_app_key"),
            "authorization": self.authorization(),
        }
        response = self.request("POST", str(url), data=form)
        data = self.json_of(response)
        token = str(data.get("token") or "")
        if response.status_code >= 400 or not token:
            raise GatewayUnavailable(
                _("WalletMix refused to start the payment: %(reason)s")
                % {"reason": str(data.get("statusMsg") or response.status_code)[:200]}
            )
        return Started(
            redirect_url=f"{str(bank_url).rstrip('/')}/{token}",
            gateway_ref=token,
            raw={k: v for k, v in data.items() if k != "token"},
        )

    # -- callbacks --------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest) -> Callback:
        raw = request.data().get("merchant_txn_data")
        if not raw:
            raise CallbackRejected("The WalletMix callback carries no merchant_txn_data.")
        try:
            data = json.loads(raw)
        except ValueError:
            raise CallbackRejected("The WalletMix merchant_txn_data is not JSON.") from None
        if not isinstance(data, dict):
            raise CallbackRejected("The WalletMix merchant_txn_data is not a JSON object.")
        reference = str(data.get("merchant_order_id") or "")
        token = str(data.get("token") or "")
        if not reference and not token:
            raise CallbackRejected("The WalletMix callback names no transaction.")
        code = str(data.get("txn_status") or data.get("statusCode") or "")
        claimed = {S.SUCCEEDED: "success", S.FAILED: "failure", S.CANCELLED: "cancel"}.get(
            CODES.get(code), ""
        )
        return Callback(
            kind="return", reference=reference, gateway_ref=token, claimed=claimed, payload=data
        )

    # -- verify -----------------------------------------------------------------------

    def verify(self, txn) -> Verification:
        if not txn.gateway_ref:
            return Verification(status=S.PENDING, detail=_("WalletMix gave no token."))
        response = self.request(
            "POST",
            f"{self.base}/check-payment",
            data={
                "wmx_id": self.cred("wmx_id"),
                "authorization": self.authorization(),
                "access_app_key": self.cred("access_app_key"),
                "token": txn.gateway_ref,
            },
        )
        data = self.json_of(response)
        code = str(data.get("txn_status") or data.get("statusCode") or "")
        message = str(data.get("statusMsg") or "")[:200]
        outcome = CODES.get(code, S.PENDING)
        if outcome != S.SUCCEEDED:
            return Verification(status=outcome, raw=data, detail=message or _("Not paid yet."))
        return Verification(
            status=S.SUCCEEDED,
            amount=money(data.get("merchant_amount_bdt", data.get("amount"))),
            currency=str(data.get("merchant_currency") or "BDT"),
            reference=str(data.get("merchant_order_id") or ""),
            gateway_txn_id=txn.gateway_ref,
            raw=data,
            detail=message,
        )
