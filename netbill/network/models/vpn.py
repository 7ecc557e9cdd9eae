from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.crypto import EncryptedTextField
from netbill.core.models import TenantOwnedModel

from ..choices import VPNProtocolChoices


class VPNAccount(TenantOwnedModel):
    """A management tunnel from the platform to a router behind NAT.

    The tunnel address comes from the platform's tunnel range and is unique across all
    ISPs (one VPN server serves them all). The router's private key is encrypted at rest;
    it is needed to show the RouterOS commands again.
    """

    name = models.CharField(_("name"), max_length=64)
    protocol = models.CharField(
        _("protocol"),
        max_length=16,
        choices=VPNProtocolChoices.choices,
        default=VPNProtocolChoices.WIREGUARD,
    )
    tunnel_address = models.GenericIPAddressField(_("tunnel address"), unique=True)
    private_key = EncryptedTextField(_("router private key"))
    public_key = models.CharField(_("router public key"), max_length=64)
    preshared_key = EncryptedTextField(_("preshared key"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("VPN account")
        verbose_name_plural = _("VPN accounts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="vpnaccount_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tunnel_address})"

    def get_absolute_url(self) -> str:
        return reverse("network:vpn_account", args=[self.pk])
