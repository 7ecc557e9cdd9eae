"""The customer portal's and the suspension portal's settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel


def portal_logo_path(instance, filename: str) -> str:
    return f"portal/{instance.tenant_id}/{filename}"


class SuspensionPortalSettings(TenantOwnedModel):
    """Settings → Suspension Portal Settings: what a suspended customer sees when the
    router sends its browsing to the suspension page."""

    title = models.CharField(_("title"), max_length=120, blank=True)
    message = models.TextField(_("message"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_address = models.CharField(_("contact address"), max_length=255, blank=True)
    logo = models.ImageField(_("logo"), upload_to=portal_logo_path, blank=True)
    show_pay_button = models.BooleanField(_("show the pay button"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("suspension portal settings")
        verbose_name_plural = _("suspension portal settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="suspensionportal_one_per_tenant")
        ]

    def __str__(self) -> str:
        return str(self.title or self.tenant_id)
