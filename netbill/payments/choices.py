from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethodChoices(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank")
    GATEWAY = "gateway", _("Online gateway")
    CARD = "card", _("Recharge card")


class PaymentKindChoices(models.TextChoices):
    PAYMENT = "payment", _("Bill payment")
    ADVANCE = "advance", _("Advance payment")


class PaymentStatusChoices(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    REVERSED = "reversed", _("Reversed")


class GatewayProviderChoices(models.TextChoices):
    """Settings → Payment Gateways: one module each (`payments.gateways`)."""

    BKASH = "bkash", "bKash"
    NAGAD = "nagad", "Nagad"
    SSLCOMMERZ = "sslcommerz", "SSLCommerz"
    RAZORPAY = "razorpay", "Razorpay"
    SHURJOPAY = "shurjopay", "ShurjoPay"
    AAMARPAY = "aamarpay", "aamarPay"
    EASYPAYWAY = "easypayway", "EasyPayWay"
    WALLETMIX = "walletmix", "WalletMix"
    SANDBOX = "sandbox", _("Sandbox (offline test gateway)")


class TxnStatusChoices(models.TextChoices):
    """A gateway transaction moves forward only: initiated → pending → succeeded,
    failed, cancelled or expired; held is a verified payment whose amount, currency or
    reference did not match (or the gateway flagged a risk): a person decides.
    Verified money always wins: a failed or cancelled attempt that the gateway later
    confirms as paid becomes succeeded (never the reverse)."""

    INITIATED = "initiated", _("Initiated")
    PENDING = "pending", _("Pending (unknown)")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    HELD = "held", _("Held for review")
    REFUNDED = "refunded", _("Refunded")


OPEN_TXN_STATUSES = (TxnStatusChoices.INITIATED, TxnStatusChoices.PENDING)


class TxnSourceChoices(models.TextChoices):
    PORTAL = "portal", _("Customer portal")
    LINK = "link", _("Payment link")
    SUSPENSION = "suspension", _("Suspension portal")
    API = "api", _("API")


class CheckTriggerChoices(models.TextChoices):
    START = "start", _("Start")
    CALLBACK = "callback", _("Callback or return")
    BEAT = "beat", _("Scheduled recheck")
    MANUAL = "manual", _("Verify button")
    REFUND = "refund", _("Refund")


class CardStatusChoices(models.TextChoices):
    ACTIVE = "active", _("Active")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    VOID = "void", _("Void")
