"""Payments from customers (cash, bank, gateway, recharge card; bill payments and
advances), their allocation to bills, and operators' deposits (Account Balance → Add
Balance). Every one of them has its journal entry."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField

from .choices import PaymentKindChoices, PaymentMethodChoices, PaymentStatusChoices


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
