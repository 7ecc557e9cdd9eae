"""The one interface every payment gateway module implements.

Four operations (integrations.md §0):
- `start(txn, urls)`: create the payment at the gateway; returns where to send the
  customer;
- `parse_callback(request)`: read (and, where the gateway signs it, authenticate) a
  return, IPN or webhook; a forged or tampered one raises `CallbackRejected`;
- `verify(txn)`: ask the gateway, server to server, what became of the payment (after
  a callback, `complete(txn, callback)` does the gateway's own final step, which is
  `verify` unless the gateway needs an execute or capture call first);
- `refund(txn, amount, reason)`, where the gateway supports it.

A module never writes to the database: it talks to its gateway and answers in these
dataclasses; `payments.gateway_services` decides what is credited. Amounts are
`Decimal`; every HTTP call has explicit timeouts; a timeout on a call that may have
moved money is `GatewayTimeout` (unknown), never a failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx
from django.utils.translation import gettext as _

from ..choices import TxnStatusChoices

TIMEOUT = httpx.Timeout(20.0, connect=5.0)

S = TxnStatusChoices


class GatewayError(Exception):
    """Something the customer or staff should read (never a credential)."""


class GatewayUnavailable(GatewayError):
    """The gateway refused or could not be reached before any money moved: the customer
    can pick another gateway."""


class GatewayTimeout(GatewayError):
    """No answer in time on a call that may have moved money: the outcome is unknown;
    query later, never retry blindly."""


class RefundNotSupported(GatewayError):
    pass


class CallbackRejected(Exception):
    """A callback that is forged, tampered with or malformed; `reason` is logged."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: Any
    secret: bool = True
    required: bool = True
    help: Any = ""


@dataclass(frozen=True)
class Urls:
    """Where the gateway sends the customer's browser back, and where it calls us
    server to server. The module adds its own query parameters where it needs them."""

    return_url: str  # the browser comes back here (success, failure and cancel alike)
    ipn_url: str  # server-to-server notifications (IPN, webhook)

    def with_result(self, result: str) -> str:
        sep = "&" if "?" in self.return_url else "?"
        return f"{self.return_url}{sep}result={result}"


@dataclass
class Started:
    redirect_url: str
    gateway_ref: str = ""
    raw: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


@dataclass
class Verification:
    """What the gateway says, server to server, about one payment."""

    status: str  # a TxnStatusChoices value
    amount: Decimal | None = None
    currency: str = "BDT"
    reference: str = ""  # our reference, as the gateway reports it ("" if it does not)
    gateway_txn_id: str = ""
    raw: dict = field(default_factory=dict)
    detail: str = ""
    risk: bool = False  # the gateway flagged the payment (SSLCommerz risk_level=1)


@dataclass
class Callback:
    """A parsed callback: how to find our transaction and what it claims (untrusted
    unless the module authenticated it)."""

    kind: str = "return"  # return, ipn, webhook
    reference: str = ""
    gateway_ref: str = ""
    claimed: str = ""  # success, failure, cancel ("" when it does not say)
    event_id: str | None = None
    payload: dict = field(default_factory=dict)


@dataclass
class Refunded:
    refund_id: str
    amount: Decimal
    status: str  # done, pending
    raw: dict = field(default_factory=dict)


@dataclass
class CallbackRequest:
    method: str
    query: dict
    form: dict
    body: bytes
    headers: dict  # lower-case names
    remote_ip: str | None = None

    def json(self) -> dict:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            raise CallbackRejected("The body is not JSON.") from None
        if not isinstance(value, dict):
            raise CallbackRejected("The body is not a JSON object.")
        return value

    def data(self) -> dict:
        """Query and form fields together (form wins)."""
        return {**self.query, **self.form}


def money(value) -> Decimal | None:
    """A gateway's amount ("500.00", 500, "500") as a Decimal; None if absent or bad."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def amount_str(amount: Decimal) -> str:
    """Two-decimal string, as the Bangladeshi gateways want it ("500.00")."""
    return f"{Decimal(amount).quantize(Decimal('0.01'))}"


def local_mobile(mobile: str) -> str:
    """+8801711000000 → 01711000000, as the Bangladeshi gateways want it."""
    mobile = (mobile or "").strip()
    return "0" + mobile[4:] if mobile.startswith("+880") else mobile


def hmac_sha256_hex(key: str | bytes, message: str | bytes) -> str:
    key = key.encode() if isinstance(key, str) else key
    message = message.encode() if isinstance(message, str) else message
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(str(a or "").encode(), str(b or "").encode())


class Gateway:
    """Base class of the gateway modules."""

    provider: ClassVar[str]
    label: ClassVar[str]
    fields: ClassVar[tuple[CredentialField, ...]] = ()
    supports_refund: ClassVar[bool] = False
    sandbox_base: ClassVar[str] = ""
    live_base: ClassVar[str] = ""

    def __init__(self, config, *, client: httpx.Client | None = None):
        self.config = config
        self.creds: dict = config.get_credentials()
        self.sandbox: bool = bool(config.is_sandbox)
        self._client = client

    # -- the four operations ---------------------------------------------------------

    def start(self, txn, urls: Urls) -> Started:
        raise NotImplementedError

    def parse_callback(self, request: CallbackRequest) -> Callback:
        raise NotImplementedError

    def complete(self, txn, callback: Callback) -> Verification:
        """The final step after a callback; most gateways: verify."""
        return self.verify(txn)

    def verify(self, txn) -> Verification:
        raise NotImplementedError

    def refund(self, txn, amount: Decimal, reason: str) -> Refunded:
        raise RefundNotSupported(
            _("%(gateway)s refunds are made in the gateway's own merchant panel.")
            % {"gateway": self.label}
        )

    # -- helpers -----------------------------------------------------------------------

    @property
    def base(self) -> str:
        return self.sandbox_base if self.sandbox else self.live_base

    def cred(self, name: str) -> str:
        value = self.creds.get(name, "")
        if not value:
            raise GatewayUnavailable(
                _("%(gateway)s is not fully set up (missing %(field)s).")
                % {"gateway": self.label, "field": name}
            )
        return str(value)

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        return self._client

    def request(
        self, method: str, url: str, *, moves_money: bool = False, **kwargs
    ) -> httpx.Response:
        """One HTTP call. A call that cannot reach the gateway is `GatewayUnavailable`;
        a timeout (or a 5xx) on a call that may have moved money is `GatewayTimeout`."""
        try:
            response = self.client().request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise GatewayTimeout(
                _("%(gateway)s did not answer in time; the payment will be checked again.")
                % {"gateway": self.label}
            ) from None
        except httpx.HTTPError:
            raise GatewayUnavailable(self.down_message()) from None
        if response.status_code >= 500:
            if moves_money:
                raise GatewayTimeout(
                    _("%(gateway)s answered with an error; the payment will be checked again.")
                    % {"gateway": self.label}
                )
            raise GatewayUnavailable(self.down_message())
        return response

    def json_of(self, response: httpx.Response) -> dict:
        try:
            value = response.json()
        except ValueError:
            raise GatewayUnavailable(self.down_message()) from None
        if isinstance(value, list):
            return {"items": value}
        return value if isinstance(value, dict) else {}

    def down_message(self) -> str:
        return _("%(gateway)s is not available right now. Please choose another way to pay.") % {
            "gateway": self.label
        }
