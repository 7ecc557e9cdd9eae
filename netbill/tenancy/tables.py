import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Zone

ATTRS = {"class": "table table-sm table-hover align-middle"}


class ZoneTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Zone
        fields = ["name", "description", "is_active"]
        attrs = ATTRS
        empty_text = _("No zones yet.")
