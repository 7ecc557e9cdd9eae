"""Catalog models: VAT profiles, billing profiles (and their operators), master packages
and the operator packages that put a master package on an operator's shelf."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField
from netbill.network.ratelimit import Pair, RateLimit

from .choices import (
    BillingProfileTypeChoices,
    MasterPackageConnectionTypeChoices,
    MasterPackageValidityChoices,
    VATProfileModeChoices,
)

# A due day of 0 means the last day of the month (28, 29, 30 or 31).
LAST_DAY = 0


class VATProfile(TenantOwnedModel):
    """A VAT rate the ISP charges (Settings → VAT Profiles). The rate keeps four places
    (7.5000 %); tax is rounded once, at the bill line. Inclusive means the package price
    already contains the tax; exclusive means it is added on top."""

    name = models.CharField(_("name"), max_length=64)
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    mode = models.CharField(
        _("mode"),
        max_length=16,
        choices=VATProfileModeChoices.choices,
        default=VATProfileModeChoices.EXCLUSIVE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("VAT profile")
        verbose_name_plural = _("VAT profiles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="vatprofile_unique_name"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="vatprofile_rate_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:vat_profile", args=[self.pk])


class BillingProfile(TenantOwnedModel):
    """When and how customers are billed: monthly on a due day (1–28, or the last day),
    daily from the prepaid balance, or free; the grace days before auto-suspension; and
    whether bills and suspensions run by themselves. Assigned to operators."""

    name = models.CharField(_("name"), max_length=64)
    billing_type = models.CharField(
        _("billing type"),
        max_length=16,
        choices=BillingProfileTypeChoices.choices,
        default=BillingProfileTypeChoices.MONTHLY,
    )
    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        default=1,
        validators=[MaxValueValidator(28)],
        help_text=_("1–28, or 0 for the last day of the month."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), default=0, validators=[MaxValueValidator(60)]
    )
    auto_billing = models.BooleanField(_("auto-billing"), default=True)
    auto_suspension = models.BooleanField(_("auto-suspension"), default=True)
    operators = models.ManyToManyField(
        "accounts.Operator",
        through="BillingProfileAssignment",
        related_name="billing_profiles",
        verbose_name=_("operators"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="billingprofile_unique_name"),
            models.CheckConstraint(condition=Q(due_day__lte=28), name="billingprofile_due_day"),
            models.CheckConstraint(
                condition=Q(grace_days__lte=60), name="billingprofile_grace_days"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:billing_profile", args=[self.pk])

    @property
    def due_day_label(self) -> str:
        if self.due_day == LAST_DAY:
            return str(_("Last day of the month"))
        return str(self.due_day)


class BillingProfileAssignment(TenantOwnedModel):
    """A billing profile offered to an operator (and so to its customers)."""

    billing_profile = models.ForeignKey(
        BillingProfile, on_delete=models.CASCADE, related_name="assignments"
    )
    operator = models.ForeignKey(
        "accounts.Operator", on_delete=models.PROTECT, related_name="billing_profile_assignments"
    )

    reach_field = "operator__path"

    class Meta:
        ordering = ["billing_profile", "operator__path"]
        verbose_name = _("billing profile assignment")
        verbose_name_plural = _("billing profile assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "billing_profile", "operator"],
                name="billingprofileassignment_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_profile} → {self.operator}"


class MasterPackage(TenantOwnedModel):
    """A package the Group Admin defines: speeds (kbit/s, with an optional burst), the
    price, validity, PPPoE profile, connection types, VAT and the Fair Usage Policy.
    Operators sell it through operator packages but never change these settings.

    Speeds are seen from the customer: download is the router's tx, upload its rx.
    """

    name = models.CharField(_("name"), max_length=64)
    download_kbps = models.PositiveIntegerField(_("download (kbit/s)"))
    upload_kbps = models.PositiveIntegerField(_("upload (kbit/s)"))
    burst_download_kbps = models.PositiveIntegerField(
        _("burst download (kbit/s)"), null=True, blank=True
    )
    burst_upload_kbps = models.PositiveIntegerField(
        _("burst upload (kbit/s)"), null=True, blank=True
    )
    burst_threshold_download_kbps = models.PositiveIntegerField(
        _("burst threshold download (kbit/s)"), null=True, blank=True
    )
    burst_threshold_upload_kbps = models.PositiveIntegerField(
        _("burst threshold upload (kbit/s)"), null=True, blank=True
    )
    burst_time_seconds = models.PositiveIntegerField(_("burst time (s)"), null=True, blank=True)
    price = MoneyAmountField(verbose_name=_("price"))
    validity = models.CharField(
        _("validity"),
        max_length=16,
        choices=MasterPackageValidityChoices.choices,
        default=MasterPackageValidityChoices.MONTHLY,
    )
    validity_days = models.PositiveSmallIntegerField(_("validity (days)"), null=True, blank=True)
    pppoe_profile = models.ForeignKey(
        "network.PPPoEProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="master_packages",
        verbose_name=_("PPPoE profile"),
    )
    connection_types = models.JSONField(_("connection types"), default=list)
    vat_profile = models.ForeignKey(
        VATProfile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="master_packages",
        verbose_name=_("VAT profile"),
    )
    fup_data_limit_gb = models.PositiveIntegerField(_("FUP data limit (GB)"), null=True, blank=True)
    fup_download_kbps = models.PositiveIntegerField(
        _("FUP download (kbit/s)"), null=True, blank=True
    )
    fup_upload_kbps = models.PositiveIntegerField(_("FUP upload (kbit/s)"), null=True, blank=True)
    fup_pool = models.ForeignKey(
        "network.IPPool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fup_packages",
        verbose_name=_("FUP pool"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("master package")
        verbose_name_plural = _("master packages")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="masterpackage_unique_name"),
            models.CheckConstraint(condition=Q(price__gte=0), name="masterpackage_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:master_package", args=[self.pk])

    @property
    def has_burst(self) -> bool:
        return self.burst_download_kbps is not None

    @property
    def has_fup(self) -> bool:
        return self.fup_data_limit_gb is not None

    @property
    def connection_type_labels(self) -> list[str]:
        labels = dict(MasterPackageConnectionTypeChoices.choices)
        return [str(labels.get(c, c)) for c in self.connection_types]

    @property
    def rate_limit(self) -> str:
        """The Mikrotik-Rate-Limit RADIUS sends for this package ("rx/tx ..."; rx is the
        customer's upload)."""

        def pair(down, up) -> Pair:
            return Pair(rx=up * 1000, tx=down * 1000)

        limit = RateLimit(rate=pair(self.download_kbps, self.upload_kbps))
        if self.has_burst:
            limit = RateLimit(
                rate=limit.rate,
                burst_rate=pair(self.burst_download_kbps, self.burst_upload_kbps),
                burst_threshold=pair(
                    self.burst_threshold_download_kbps, self.burst_threshold_upload_kbps
                ),
                burst_time=Pair(rx=self.burst_time_seconds, tx=self.burst_time_seconds),
            )
        return str(limit)

    @property
    def fup_rate_limit(self) -> str:
        """The reduced Mikrotik-Rate-Limit past the FUP data limit ("" without FUP)."""
        if not self.has_fup:
            return ""
        rate = Pair(rx=self.fup_upload_kbps * 1000, tx=self.fup_download_kbps * 1000)
        return str(RateLimit(rate=rate))


class OperatorPackage(TenantOwnedModel):
    """A master package on an operator's shelf, at the operator's price (what the ISP
    charges the operator) and the customer price (what the operator's customers pay).
    The customer price is never below the operator's price."""

    operator = models.ForeignKey(
        "accounts.Operator",
        on_delete=models.PROTECT,
        related_name="operator_packages",
        verbose_name=_("operator"),
    )
    master_package = models.ForeignKey(
        MasterPackage,
        on_delete=models.PROTECT,
        related_name="operator_packages",
        verbose_name=_("master package"),
    )
    operator_price = MoneyAmountField(verbose_name=_("operator price"))
    customer_price = MoneyAmountField(verbose_name=_("customer price"))
    created_at = models.DateTimeField(auto_now_add=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["operator__path", "master_package__name"]
        verbose_name = _("operator package")
        verbose_name_plural = _("operator packages")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "operator", "master_package"], name="operatorpackage_unique"
            ),
            models.CheckConstraint(
                condition=Q(operator_price__gte=0), name="operatorpackage_operator_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(customer_price__gte=F("operator_price")),
                name="operatorpackage_customer_price_gte_operator_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.master_package.name} ({self.operator.name})"

    def get_absolute_url(self) -> str:
        return reverse("catalog:operator_package", args=[self.pk])
