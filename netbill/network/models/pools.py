from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel

from ..choices import IPPoolFamilyChoices, IPPoolKindChoices


class IPPool(TenantOwnedModel):
    """An IPv4 or IPv6 address pool: a subnet and the ranges handed out from it.

    Pools of one ISP never overlap. The suspended-users pool is protected: it cannot be
    deleted or renamed, because RADIUS sends suspended customers into it by name.
    """

    name = models.CharField(_("name"), max_length=64)
    family = models.PositiveSmallIntegerField(
        _("family"), choices=IPPoolFamilyChoices.choices, default=IPPoolFamilyChoices.IPV4
    )
    subnet = models.CharField(_("subnet"), max_length=64, help_text=_("e.g. 10.20.0.0/22"))
    ranges = models.TextField(
        _("ranges"), help_text=_("Comma-separated, e.g. 10.20.0.10-10.20.3.250")
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=IPPoolKindChoices.choices,
        default=IPPoolKindChoices.NORMAL,
    )
    is_protected = models.BooleanField(_("protected"), default=False, editable=False)
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "name"]
        verbose_name = _("IP pool")
        verbose_name_plural = _("IP pools")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="ippool_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:ip_pool", args=[self.pk])


class PPPoEProfile(TenantOwnedModel):
    """A PPP profile: which pool customers get addresses from, DNS, and the rate limit
    (Mikrotik-Rate-Limit syntax). Packages point at a profile."""

    name = models.CharField(_("name"), max_length=64)
    ipv4_pool = models.ForeignKey(
        IPPool,
        on_delete=models.PROTECT,
        related_name="pppoe_profiles",
        verbose_name=_("IPv4 pool"),
    )
    ipv6_pool = models.ForeignKey(
        IPPool,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pppoe_profiles_v6",
        verbose_name=_("IPv6 pool"),
    )
    local_address = models.GenericIPAddressField(
        _("local address"), protocol="IPv4", null=True, blank=True
    )
    dns_servers = models.CharField(_("DNS servers"), max_length=255, blank=True)
    rate_limit = models.CharField(
        _("rate limit"), max_length=128, blank=True, help_text=_("e.g. 10M/10M or 5M/20M")
    )
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("PPPoE profile")
        verbose_name_plural = _("PPPoE profiles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="pppoeprofile_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network:pppoe_profile", args=[self.pk])
