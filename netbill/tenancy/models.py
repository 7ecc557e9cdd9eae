"""The tenant: one ISP, with its company profile and branding; and its customer zones."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone %(tz)s."), params={"tz": value})


def logo_path(instance: "Tenant", filename: str) -> str:
    # File paths carry the tenant id (STYLE.md): one ISP never overwrites another's logo.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"tenants/{instance.pk}/logo.{ext}"


class Tenant(models.Model):
    """One ISP. Its users, operators and customers all hang off it.

    A suspended tenant (is_active=False) keeps its data, but none of its users can log in.
    The company fields appear on invoices, the customer portal and SMS notifications.
    """

    name = models.CharField(_("ISP name"), max_length=120)
    slug = models.SlugField(
        _("short name"),
        max_length=40,
        unique=True,
        help_text=_("Used in RADIUS group names and file paths; cannot change later."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default=settings.NETBILL_DEFAULT_CURRENCY,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO code, e.g. BDT."))],
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.NETBILL_DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
    )
    invoice_prefix = models.CharField(
        _("invoice prefix"),
        max_length=12,
        default="INV",
        validators=[RegexValidator(r"^[A-Za-z0-9-]*$", _("Letters, digits and dashes only."))],
    )
    invoice_footer = models.TextField(_("invoice footer"), blank=True)
    btrc_licence_no = models.CharField(_("BTRC licence number"), max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:platform_tenant", args=[self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Zone(TenantOwnedModel):
    """A customer zone (Customers → Customer Zones): the area or building group a
    customer lives in, defined by the Group Admin and used to filter customers, reports
    and SMS broadcasts. Names are unique within the ISP."""

    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="zone_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tenancy:zone", args=[self.pk])
