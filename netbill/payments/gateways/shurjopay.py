"""ShurjoPay v2 (integrations.md §1.5).

- `POST get_token {username, password}` → a bearer token, cached per configured gateway
  (Django's cache, shared by all workers) for `expires_in` **seconds** less a margin.
  The official plugin reads `expires_in` as milliseconds and so asks for a token on
  almost every call; we do not. A token the gateway refuses (`sp_code` 1064, or HTTP
  401) is dropped and asked for once more.
- `POST secret-pay` → `checkout_url` (where the customer goes) and `sp_order_id` (our
  `gateway_ref`). `order_id` is our reference; ShurjoPay reports it back as
  `customer_order_id`.
- The customer comes back on `return_url?order_id=<sp_order_id>` (cancel: the cancel
  URL, with `result=cancel`). Nothing is signed, so every return is verified.
- `POST verification {order_id}` answers a list; element [0] carries `sp_code`: 1000
  paid, 1001 and 1005 failed, 1002 cancelled, 1068 initiated (not paid yet); anything
  else stays pending. The amount and `customer_order_id` are compared by `settle`.
"""

import hashlib

from django.core.cache import cache
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

AUTH_FAILED = "1064"
TOKEN_MARGIN_SECONDS = 60
SP_CODES = {
    "1000": S.SUCCEEDED,
    "1001": S.FAILED,
    "1005": S.FAILED,
    "1002": S.CANCELLED,
    "1068": S.PENDING,
}


class ShurjoPayGateway(Gateway):
    provider = "shurjopay"
    label = "ShurjoPay"
    fields = (
        CredentialField("username", gettext_lazy("Username"), secret=False),
        CredentialField("password", gettext_lazy("Password")),
        CredentialField(
            "prefix",
            gettext_lazy("Order prefix"),
            secret=False,
            help=gettext_lazy("The prefix ShurjoPay assigned to the merchant, e.g. NOK."),
        ),
    )
    sandbox_base = "https://sandbox.shurjopayment.com/api/"
    live_base = "https://engine.shurjopayment.com/api/"  # [verify]

    # -- the token --------------------------------------------------------------------

    def token_key(self) -> str:
        """Per tenant and configured gateway; new credentials or mode, new token."""
        seed = f"{self.creds.get('username', '')}|{self.creds.get('password', '')}|{self.sandbox}"
        who = hashlib.sha256(seed.encode()).hexdigest()[:16]
        return f"shurjopay:token:{self.config.tenant_id}:{self.config.pk}:{who}"

    def token(self, *, fresh: bool = False) -> dict:
        key = self.token_key()
        if not fresh:
            cached = cache.get(key)
            if cached:
                return cached
        response = self.request(
            "POST",
            f"{self.base}get_token",
            json={"username": self.cred("username"), "password": self.cred("password")},
        )
        data = self.json_of(response)
        if response.status_code >= 400 or not data.get("token"):
            raise GatewayUnavailable(
                _("ShurjoPay did not accept the merchant credentials: %(reason)s")
                % {
                    "reason": str(
                        data.get("message") or data.get("massage") or response.status_code
                    )
                }
            )
        try:
            lifetime = int(data.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600
        token = {
            "token": str(data["token"]),
            "token_type": str(data.get("token_type") or "Bearer"),
            "store_id": data.get("store_id"),
        }
        cache.set(key, token, timeout=max(lifetime - TOKEN_MARGIN_SECONDS, 30))
        return token

    def call(self, path: str, body: dict, *, with_token: bool = False) -> tuple[int, dict]:
        """One authenticated call; a refused token is replaced once."""
        for fresh in (False, True):
            token = self.token(fresh=fresh)
            payload = {**body, "token": token["token"], "store_id": token["store_id"]}
            response = self.request(
                "POST",
                f"{self.base}{path}",
                json=payload if with_token else body,
                headers={"Authorization": f"{token['token_type']} {token['token']}"},
            )
            data = self.json_of(response)
            first = (data.get("items") or [{}])[0] if "items" in data else data
            code = str(first.get("sp_code", "")) if isinstance(first, dict) else ""
            if response.status_code != 401 and code != AUTH_FAILED:
                return response.status_code, data
            cache.delete(self.token_key())
        raise GatewayUnavailable(self.down_message())

    # -- start ------------------------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        customer = txn.customer
        body = {
            "prefix": self.cred("prefix"),
            "amount": amount_str(txn.amount),
            "order_id": txn.reference,
            "currency": txn.currency,
            "return_url": urls.return_url,
            "cancel_url": urls.with_result("cancel"),
            "client_ip": txn.client_ip or "127.0.0.1",
            "customer_name": customer.name,
            "customer_phone": local_mobile(customer.mobile),
            "customer_email": customer.email or "",
            "customer_address": customer.address or customer.name,
            "customer_city": customer.address or "Bangladesh",
            "customer_post_code": "1000",
            "value1": customer.username,
        }
        status, data = self.call("secret-pay", body, with_token=True)
        if status >= 400 or not data.get("checkout_url") or not data.get("sp_order_id"):
            raise GatewayUnavailable(
                _("ShurjoPay refused to start the payment: %(reason)s")
                % {"reason": str(data.get("message") or data.get("sp_message") or status)}
            )
        return Started(
            redirect_url=str(data["checkout_url"]),
            gateway_ref=str(data["sp_order_id"]),
            raw=data,
        )

    # -- callbacks --------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest) -> Callback:
        data = request.data()
        order_id = str(data.get("order_id") or "")
        if not order_id:
            raise CallbackRejected("The ShurjoPay return carries no order_id.")
        return Callback(
            kind="return",
            gateway_ref=order_id,
            claimed="cancel" if data.get("result") == "cancel" else "",
            payload=data,
        )

    # -- verify -----------------------------------------------------------------------

    def verify(self, txn) -> Verification:
        if not txn.gateway_ref:
            return Verification(status=S.PENDING, detail=_("ShurjoPay gave no order id."))
        _status, data = self.call("verification", {"order_id": txn.gateway_ref})
        items = data.get("items") or []
        item = items[0] if items and isinstance(items[0], dict) else {}
        code = str(item.get("sp_code", ""))
        message = str(item.get("sp_message") or "")[:200]
        outcome = SP_CODES.get(code, S.PENDING)
        if outcome != S.SUCCEEDED:
            return Verification(
                status=outcome,
                raw=data,
                detail=message or _("ShurjoPay does not report this payment as paid."),
            )
        return Verification(
            status=S.SUCCEEDED,
            amount=money(item.get("amount")),
            currency=str(item.get("currency") or "BDT"),
            reference=str(item.get("customer_order_id") or ""),
            gateway_txn_id=str(item.get("order_id") or txn.gateway_ref),
            raw=data,
            detail=message,
        )
