from django.db import models
from django.utils.translation import gettext_lazy as _


class RouterStatusChoices(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked yet")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")


class IPPoolFamilyChoices(models.IntegerChoices):
    IPV4 = 4, _("IPv4")
    IPV6 = 6, _("IPv6")


class IPPoolKindChoices(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SUSPENDED = "suspended", _("Suspended users")
    FUP = "fup", _("Fair usage (FUP)")


class VPNProtocolChoices(models.TextChoices):
    WIREGUARD = "wireguard", _("WireGuard")
