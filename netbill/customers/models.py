"""Customers (the subscribers), their status history, and the customer settings: the
custom fields a customer profile carries and which built-in fields registration
requires."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.crypto import EncryptedTextField
from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField

from .choices import ConnectionTypeChoices, CustomerStatusChoices, CustomFieldTypeChoices


class CustomField(TenantOwnedModel):
    """An extra field on the customer forms (Customers → Custom Fields): text, number,
    date or a dropdown of fixed choices, mandatory or not. The key names the value in
    the API and stays unique within the ISP; inactive fields are no longer shown."""

    name = models.CharField(_("name"), max_length=64)
    key = models.SlugField(_("key"), max_length=64)
    field_type = models.CharField(
        _("type"),
        max_length=16,
        choices=CustomFieldTypeChoices.choices,
        default=CustomFieldTypeChoices.TEXT,
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="customfield_unique_key"),
            models.UniqueConstraint(fields=["tenant", "name"], name="customfield_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:custom_field", args=[self.pk])


class MandatoryAttributes(TenantOwnedModel):
    """Which built-in customer fields (constants.MANDATORY_ATTRIBUTE_KEYS) registration
    requires in this ISP: one row per tenant, written by Customers → Mandatory Attributes."""

    required = models.JSONField(_("required fields"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mandatory attributes")
        verbose_name_plural = _("mandatory attributes")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="mandatoryattributes_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return ", ".join(self.required) or "—"


class Customer(TenantOwnedModel):
    """A subscriber of the ISP, served by one operator (reseller) on one of that
    operator's packages.

    The RADIUS rows (radcheck/radreply/radusergroup) are derived from this row and
    written in the same transaction by `services.py`: the username and password, the
    group its status chooses, the static IP and the MAC binding. The password is kept
    encrypted here; RADIUS needs it in clear (CHAP and MS-CHAPv2 cannot work otherwise).
    """

    operator = models.ForeignKey(
        "accounts.Operator",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("operator"),
    )
    name = models.CharField(_("name"), max_length=128)
    mobile = models.CharField(_("mobile"), max_length=20, help_text=_("E.164, e.g. +8801711000000"))
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    nid = models.CharField(_("NID"), max_length=32, blank=True)
    zone = models.ForeignKey(
        "tenancy.Zone",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("zone"),
    )
    connection_type = models.CharField(
        _("connection type"),
        max_length=16,
        choices=ConnectionTypeChoices.choices,
        default=ConnectionTypeChoices.PPPOE,
    )
    username = models.CharField(_("username"), max_length=64)
    password = EncryptedTextField(_("password"), blank=True)
    static_ip = models.GenericIPAddressField(_("static IP"), protocol="IPv4", null=True, blank=True)
    ip_pool = models.ForeignKey(
        "network.IPPool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="static_customers",
        verbose_name=_("IP pool"),
    )
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    package = models.ForeignKey(
        "catalog.OperatorPackage",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("package"),
    )
    billing_profile = models.ForeignKey(
        "catalog.BillingProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("billing profile"),
    )
    custom_price = MoneyAmountField(
        verbose_name=_("custom price"),
        null=True,
        blank=True,
        default=None,
        help_text=_("Replaces the package's customer price on this customer's bills."),
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    connection_date = models.DateField(_("connection date"), null=True, blank=True)
    # Billing (kept by the billing and payments services, never edited directly).
    expiry_date = models.DateField(
        _("expiry date"),
        null=True,
        blank=True,
        help_text=_("Prepaid validity: the service is paid up to and including this day."),
    )
    advance_balance = MoneyAmountField(
        verbose_name=_("advance balance"),
        help_text=_("Credit paid in advance; the next bills consume it first."),
    )
    never_auto_suspend = models.BooleanField(
        _("never auto-suspend"),
        default=False,
        help_text=_("Auto-suspension skips this customer, whatever it owes."),
    )
    suspension_extended_until = models.DateField(
        _("suspension extended until"),
        null=True,
        blank=True,
        help_text=_("A promise to pay: no auto-suspension up to and including this day."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CustomerStatusChoices.choices,
        default=CustomerStatusChoices.ACTIVE,
    )
    status_reason = models.CharField(_("status reason"), max_length=255, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    reach_field = "operator__path"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "username"], name="customer_unique_username"),
            models.UniqueConstraint(
                fields=["tenant", "static_ip"],
                condition=Q(static_ip__isnull=False),
                name="customer_unique_static_ip",
            ),
            models.CheckConstraint(
                condition=Q(custom_price__isnull=True) | Q(custom_price__gte=0),
                name="customer_custom_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CustomerStatusChoices.values),
                name="customer_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(advance_balance__gte=0), name="customer_advance_balance_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="customer_tenant_status"),
            models.Index(fields=["tenant", "operator"], name="customer_tenant_operator"),
            models.Index(fields=["tenant", "mobile"], name="customer_tenant_mobile"),
            models.Index(fields=["tenant", "zone"], name="customer_tenant_zone"),
            models.Index(fields=["tenant", "package"], name="customer_tenant_package"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username})"

    def get_absolute_url(self) -> str:
        return reverse("customers:customer", args=[self.pk])

    @property
    def price(self):
        """What the customer pays per period: the custom price, or the package's."""
        if self.custom_price is not None:
            return self.custom_price
        return self.package.customer_price


class CustomerStatusChange(TenantOwnedModel):
    """One change of a customer's status, with who made it and why (the profile's
    status history). `by` is empty for the system (FUP, auto-suspension)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=16, choices=CustomerStatusChoices.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=CustomerStatusChoices.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    reach_field = "customer__operator__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_status or '—'} → {self.to_status}"
