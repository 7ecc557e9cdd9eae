from django.db import models
from django.utils.translation import gettext_lazy as _


class VATProfileModeChoices(models.TextChoices):
    EXCLUSIVE = "exclusive", _("Exclusive (added to the price)")
    INCLUSIVE = "inclusive", _("Inclusive (part of the price)")


class BillingProfileTypeChoices(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    DAILY = "daily", _("Daily")
    PREPAID = "prepaid", _("Prepaid validity")
    FREE = "free", _("Free")


class MasterPackageValidityChoices(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    DAYS = "days", _("A number of days")


class MasterPackageConnectionTypeChoices(models.TextChoices):
    PPPOE = "pppoe", _("PPPoE")
    HOTSPOT = "hotspot", _("Hotspot")
    STATIC_IP = "static_ip", _("Static IP")
    OTHER = "other", _("Other")
