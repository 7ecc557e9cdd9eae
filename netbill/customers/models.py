"""Customer settings: the custom fields a customer profile carries, and which built-in
fields registration requires. (Customers themselves come later, in this app.)"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel

from .choices import CustomFieldTypeChoices


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
