"""Bills (one per customer per period, never two), bill runs and the ISP's billing
settings. Amounts are Decimal with two places; VAT is rounded once per bill line."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField

from .choices import (
    OPEN_STATUSES,
    BillKindChoices,
    BillRunKindChoices,
    BillRunStatusChoices,
    BillStatusChoices,
    FirstBillChoices,
)


class BillingSettings(TenantOwnedModel):
    """Settings → Billing Settings: how first bills are charged, when the nightly runs
    start (in the ISP's time zone), and the auto-suspension circuit breaker."""

    first_bill = models.CharField(
        _("first bill"),
        max_length=16,
        choices=FirstBillChoices.choices,
        default=FirstBillChoices.PRORATA,
    )
    run_hour = models.PositiveSmallIntegerField(
        _("run hour"),
        default=1,
        validators=[MaxValueValidator(23)],
        help_text=_("The hour (in the ISP's time zone) after which the day's bill runs start."),
    )
    suspension_breaker_percent = models.DecimalField(
        _("suspension circuit breaker (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "A suspension run that would suspend more than this share of the customers "
            "waits for a Group Admin's confirmation."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="billingsettings_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return str(_("Billing settings"))


class BillRun(TenantOwnedModel):
    """One run of the monthly, daily, prepaid or suspension job for a date: what it
    considered, wrote and skipped, and how long it took. A second run for the same date
    writes nothing new and says so."""

    kind = models.CharField(_("kind"), max_length=16, choices=BillRunKindChoices.choices)
    run_date = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BillRunStatusChoices.choices,
        default=BillRunStatusChoices.RUNNING,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    considered = models.PositiveIntegerField(_("considered"), default=0)
    billed = models.PositiveIntegerField(_("bills written"), default=0)
    paid_from_credit = models.PositiveIntegerField(_("paid from advance"), default=0)
    skipped_existing = models.PositiveIntegerField(_("already billed"), default=0)
    skipped_credit_limit = models.PositiveIntegerField(_("operator at credit limit"), default=0)
    suspended = models.PositiveIntegerField(_("suspended"), default=0)
    amount = MoneyAmountField(verbose_name=_("amount billed"))
    message = models.TextField(_("message"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    journal_entry = models.ForeignKey(
        "accounting.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bill run")
        verbose_name_plural = _("bill runs")
        indexes = [models.Index(fields=["tenant", "kind", "run_date"], name="billrun_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.run_date}"

    def get_absolute_url(self) -> str:
        return reverse("billing:bill_run", args=[self.pk])


class Bill(TenantOwnedModel):
    """A customer's bill for one period. `price` is the package's (or the customer's
    custom) price for the period, pro-rata where the period is partial; VAT follows the
    package's VAT profile (exclusive: added; inclusive: contained) and is rounded once.
    `operator_share` is what the customer's operator earns when the bill is paid."""

    # The ISP is copied from the customer in the bill run's INSERT … SELECT; its foreign
    # key is not checked row by row (100k checks at the run's commit, bench/bill_run.py).
    # Tenants are never deleted: every other tenant-owned table protects them.
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=True,
        db_constraint=False,
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="bills"
    )
    operator = models.ForeignKey(
        "accounts.Operator", on_delete=models.PROTECT, related_name="bills"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BillKindChoices.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    package_name = models.CharField(_("package"), max_length=64)
    price = MoneyAmountField(verbose_name=_("price"))
    discount = MoneyAmountField(verbose_name=_("discount"))
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=7, decimal_places=4, default=0)
    vat_inclusive = models.BooleanField(_("VAT inclusive"), default=False)
    vat_amount = MoneyAmountField(verbose_name=_("VAT"))
    total = MoneyAmountField(verbose_name=_("total"))
    paid_amount = MoneyAmountField(verbose_name=_("paid"))
    operator_share = MoneyAmountField(verbose_name=_("operator share"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BillStatusChoices.choices,
        default=BillStatusChoices.UNPAID,
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    bill_run = models.ForeignKey(
        BillRun, null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    journal_entry = models.ForeignKey(
        "accounting.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_start"], name="bill_one_per_customer_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="bill_period_ordered"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="bill_total_gte_0"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("total")),
                name="bill_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BillStatusChoices.values), name="bill_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "due_date"], name="bill_open_due"),
            models.Index(fields=["tenant", "period_start"], name="bill_period"),
            models.Index(fields=["customer", "period_end"], name="bill_customer_period_end"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer_id} {self.period_start}"

    def get_absolute_url(self) -> str:
        return reverse("billing:bill", args=[self.pk])

    @property
    def number(self) -> str:
        prefix = self.tenant.invoice_prefix or "INV"
        return f"{prefix}-{self.pk:06d}" if self.pk else ""

    @property
    def due(self) -> Decimal:
        return self.total - self.paid_amount

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def subtotal(self) -> Decimal:
        return self.price - self.discount

    @property
    def net_revenue(self) -> Decimal:
        return self.total - self.vat_amount
