"""Payments from customers (cash, bank, gateway, recharge card; bill payments and
advances), their allocation to bills, and operators' deposits (Account Balance → Add
Balance). Every one of them has its journal entry."""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.crypto import EncryptedTextField
from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField

from .choices import (
    CardStatusChoices,
    CheckTriggerChoices,
    GatewayProviderChoices,
    PaymentKindChoices,
    PaymentMethodChoices,
    PaymentStatusChoices,
    TxnSourceChoices,
    TxnStatusChoices,
)


class Payment(TenantOwnedModel):
    """Money a customer paid. It is allocated to the oldest open bills first; what is
    left (or all of it, for an advance) becomes the customer's advance credit.

    Cash taken by a user of a reseller (not the ISP's own operator) stays with that
    reseller: it is posted against the reseller's deposit, not to the ISP's cash."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payments"
    )
    operator = models.ForeignKey(
        "accounts.Operator", on_delete=models.PROTECT, related_name="payments"
    )
    amount = MoneyAmountField(verbose_name=_("amount"))
    method = models.CharField(
        _("method"),
        max_length=16,
        choices=PaymentMethodChoices.choices,
        default=PaymentMethodChoices.CASH,
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=PaymentKindChoices.choices,
        default=PaymentKindChoices.PAYMENT,
    )
    advance_amount = MoneyAmountField(verbose_name=_("to advance"))
    collector = models.ForeignKey(
        "accounts.Operator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collected_payments",
        verbose_name=_("collected by (reseller)"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    reference = models.CharField(_("reference"), max_length=128, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=96, null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PaymentStatusChoices.choices,
        default=PaymentStatusChoices.COMPLETED,
    )
    journal_entry = models.ForeignKey(
        "accounting.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payment_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(advance_amount__gte=0), name="payment_advance_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "received_at"], name="payment_received"),
            models.Index(fields=["customer", "received_at"], name="payment_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("payments:payment", args=[self.pk])

    @property
    def receipt_number(self) -> str:
        return f"RCPT-{self.pk:06d}" if self.pk else ""


class Allocation(TenantOwnedModel):
    """The part of a payment that paid one bill."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyAmountField(verbose_name=_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.bill_id}: {self.amount}"


class OperatorDeposit(TenantOwnedModel):
    """Account Balance → Add Balance: money an operator deposited with the ISP."""

    operator = models.ForeignKey(
        "accounts.Operator", on_delete=models.PROTECT, related_name="deposits"
    )
    amount = MoneyAmountField(verbose_name=_("amount"))
    reference = models.CharField(_("reference note"), max_length=255)
    idempotency_key = models.CharField(max_length=96, null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    journal_entry = models.ForeignKey(
        "accounting.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("operator deposit")
        verbose_name_plural = _("operator deposits")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="operatordeposit_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="operatordeposit_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} +{self.amount}"


class PaymentGateway(TenantOwnedModel):
    """Settings → Payment Gateways: one row per provider an ISP has set up. The
    credentials (a JSON object whose keys the provider's module names) are encrypted
    at rest; several gateways can be active at once."""

    provider = models.CharField(_("gateway"), max_length=16, choices=GatewayProviderChoices.choices)
    display_name = models.CharField(_("name shown to customers"), max_length=64, blank=True)
    credentials = EncryptedTextField(_("credentials"), blank=True)
    is_sandbox = models.BooleanField(_("sandbox mode"), default=True)
    is_active = models.BooleanField(_("active"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "provider"]
        verbose_name = _("payment gateway")
        verbose_name_plural = _("payment gateways")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "provider"], name="gateway_unique_provider")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.display_name or self.get_provider_display()

    def get_credentials(self) -> dict:
        """The decrypted credentials (never log them)."""
        if not self.credentials:
            return {}
        try:
            value = json.loads(str(self.credentials))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_credentials(self, values: dict) -> None:
        self.credentials = json.dumps(values, sort_keys=True) if values else ""


class PaymentLink(TenantOwnedModel):
    """Send Payment Link / Payment Link Broadcast: a unique, expiring, signed link to
    pay one customer's dues. The URL carries `token` signed with the site's key; the
    row says for whom, until when, and what came of it."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payment_links"
    )
    token = models.CharField(max_length=64, unique=True)
    amount = MoneyAmountField(verbose_name=_("amount due when sent"))
    expires_at = models.DateTimeField(_("expires at"))
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "core.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "customer__operator__path"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("payment link")
        verbose_name_plural = _("payment links")
        indexes = [models.Index(fields=["customer", "created_at"], name="paymentlink_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.amount}"


class GatewayTransaction(TenantOwnedModel):
    """One attempt to pay through a gateway (the spec's PaymentAttempt): our unique
    reference, the gateway's ids, every raw response, and a status that only moves
    forward. Its payment exists only after a server-side verification matched our
    reference, amount and currency."""

    gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, related_name="transactions"
    )
    provider = models.CharField(_("gateway"), max_length=16, choices=GatewayProviderChoices.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="gateway_transactions"
    )
    bill = models.ForeignKey(
        "billing.Bill", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    link = models.ForeignKey(
        PaymentLink, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    source = models.CharField(
        _("source"), max_length=16, choices=TxnSourceChoices.choices, default="portal"
    )
    reference = models.CharField(_("our reference"), max_length=30, unique=True)
    amount = MoneyAmountField(verbose_name=_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="BDT")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TxnStatusChoices.choices,
        default=TxnStatusChoices.INITIATED,
    )
    # The gateway's id for the attempt (bKash paymentID, SSLCommerz sessionkey,
    # ShurjoPay sp_order_id, Razorpay order id, Nagad paymentReferenceId, …).
    gateway_ref = models.CharField(_("gateway reference"), max_length=128, blank=True)
    # The gateway's id for the money that moved (bKash trxID, bank_tran_id, …).
    gateway_txn_id = models.CharField(
        _("gateway transaction id"), max_length=128, null=True, blank=True
    )
    redirect_url = models.URLField(_("checkout URL"), max_length=1000, blank=True)
    meta = models.JSONField(default=dict, blank=True)  # per-module state (Nagad challenge…)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="gateway_txn"
    )
    refunded_amount = MoneyAmountField(verbose_name=_("refunded"))
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    reach_field = "customer__operator__path"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("gateway transaction")
        verbose_name_plural = _("gateway transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_txn_id"],
                condition=Q(gateway_txn_id__isnull=False),
                name="gatewaytxn_unique_gateway_txn_id",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gatewaytxn_amount_gt_0"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="gatewaytxn_status"),
            models.Index(fields=["gateway", "gateway_ref"], name="gatewaytxn_gateway_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("payments:gateway_txn", args=[self.pk])


class GatewayCheck(TenantOwnedModel):
    """Each time we asked a gateway about a transaction (or it told us): what it said
    and what we concluded. Verify Payments shows them."""

    txn = models.ForeignKey(GatewayTransaction, on_delete=models.CASCADE, related_name="checks")
    trigger = models.CharField(_("trigger"), max_length=16, choices=CheckTriggerChoices.choices)
    status = models.CharField(
        _("gateway said"), max_length=16, choices=TxnStatusChoices.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=255, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("gateway check")
        verbose_name_plural = _("gateway checks")

    def __str__(self) -> str:
        return f"{self.txn_id} {self.trigger} {self.status}"


class GatewayCallback(TenantOwnedModel):
    """Every callback, return, IPN or webhook that reached us, accepted or not. A
    webhook's event id is unique per gateway, so a replay is recognised; a forged or
    tampered one is kept here (with why) and credits nothing."""

    gateway = models.ForeignKey(PaymentGateway, on_delete=models.PROTECT, related_name="+")
    txn = models.ForeignKey(
        GatewayTransaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16)  # return, ipn, webhook
    event_id = models.CharField(max_length=128, null=True, blank=True)
    accepted = models.BooleanField(_("accepted"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("gateway callback")
        verbose_name_plural = _("gateway callbacks")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"],
                condition=Q(event_id__isnull=False),
                name="gatewaycallback_unique_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.kind} {self.accepted}"


class CardBatch(TenantOwnedModel):
    """Recharge card batch: `count` cards of `value`, valid until a date, issued to a
    reseller (its deposit is debited) or a card distributor (its balance is debited),
    or kept by the ISP."""

    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(_("serial prefix"), max_length=8)
    value = MoneyAmountField(verbose_name=_("value"))
    count = models.PositiveIntegerField(_("number of cards"))
    valid_until = models.DateField(_("valid until"))
    operator = models.ForeignKey(
        "accounts.Operator",
        on_delete=models.PROTECT,
        related_name="card_batches",
        verbose_name=_("issued to operator"),
    )
    distributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_batches",
        verbose_name=_("issued to card distributor"),
    )
    journal_entry = models.ForeignKey(
        "accounting.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=96, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recharge card batch")
        verbose_name_plural = _("recharge card batches")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "prefix"], name="cardbatch_unique_prefix"),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="cardbatch_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="cardbatch_value_gt_0"),
            models.CheckConstraint(condition=Q(count__gt=0), name="cardbatch_count_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class RechargeCard(TenantOwnedModel):
    """One card: a public serial (`<prefix>-<seq>`) and a secret PIN kept only as a
    keyed hash (HMAC-SHA256 with a server pepper) and its last four characters."""

    batch = models.ForeignKey(CardBatch, on_delete=models.PROTECT, related_name="cards")
    serial = models.CharField(_("serial"), max_length=24)
    pin_hash = models.CharField(max_length=64, unique=True)
    pin_last4 = models.CharField(_("PIN ends with"), max_length=4)
    value = MoneyAmountField(verbose_name=_("value"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=CardStatusChoices.choices, default="active"
    )
    redeemed_customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redeemed_cards",
    )
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="card"
    )

    reach_field = "batch__operator__path"

    class Meta:
        ordering = ["batch", "serial"]
        verbose_name = _("recharge card")
        verbose_name_plural = _("recharge cards")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "serial"], name="rechargecard_unique_serial")
        ]

    def __str__(self) -> str:
        return self.serial


class RedeemThrottle(TenantOwnedModel):
    """Wrong PINs per subject (a customer, a user, an address): after too many in the
    window the subject is locked out for a while. Written in its own transaction so a
    failed redemption still counts."""

    subject = models.CharField(max_length=96)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("card redemption throttle")
        verbose_name_plural = _("card redemption throttles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "subject"], name="redeemthrottle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.failures}"
