from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.crypto import EncryptedTextField
from netbill.core.models import TenantOwnedModel

from ..choices import RouterStatusChoices


class Router(TenantOwnedModel):
    """A MikroTik router (NAS) the ISP runs: reached over the RouterOS API for
    configuration and live status, and a RADIUS client that authenticates subscribers.

    The API password and the RADIUS secret are encrypted at rest and never logged. The
    status fields are written by Test Connection and by the periodic status check.
    """

    name = models.CharField(_("name"), max_length=64)
    host = models.CharField(
        _("IP or host"),
        max_length=255,
        help_text=_("Public address, or the tunnel address of its VPN account."),
    )
    api_port = models.PositiveIntegerField(
        _("API port"), default=8728, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    use_ssl = models.BooleanField(_("API-SSL"), default=False)
    api_username = models.CharField(_("API username"), max_length=64)
    api_password = EncryptedTextField(_("API password"))
    radius_secret = EncryptedTextField(_("RADIUS secret"))
    coa_port = models.PositiveIntegerField(
        _("CoA port"), default=3799, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    vpn_account = models.ForeignKey(
        "network.VPNAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routers",
        verbose_name=_("VPN account"),
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Last known state, from Test Connection or the periodic check.
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RouterStatusChoices.choices,
        default=RouterStatusChoices.UNKNOWN,
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    identity = models.CharField(_("identity"), max_length=255, blank=True)
    ros_version = models.CharField(_("RouterOS version"), max_length=64, blank=True)
    board_name = models.CharField(_("board"), max_length=128, blank=True)
    uptime = models.CharField(_("uptime"), max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("router")
        verbose_name_plural = _("routers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="router_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:router", args=[self.pk])
