import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import CustomField

ATTRS = {"class": "table table-sm table-hover align-middle"}


class CustomFieldTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = CustomField
        fields = ["name", "key", "field_type", "mandatory", "order", "is_active"]
        attrs = ATTRS
        empty_text = _("No custom fields yet.")
