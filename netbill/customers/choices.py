from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomFieldTypeChoices(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    DROPDOWN = "dropdown", _("Dropdown")


class ConnectionTypeChoices(models.TextChoices):
    PPPOE = "pppoe", _("PPPoE")
    HOTSPOT = "hotspot", _("Hotspot")
    STATIC_IP = "static_ip", _("Static IP")
    OTHER = "other", _("Other")


class CustomerStatusChoices(models.TextChoices):
    """What RADIUS does with the customer: active → the package group, FUP → the
    package's FUP group, suspended → the walled-garden group (suspended pool), disabled
    → Access-Reject."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    DISABLED = "disabled", _("Disabled")
    FUP = "fup", _("FUP")
