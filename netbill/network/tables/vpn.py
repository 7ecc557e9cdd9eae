import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import VPNAccount


class VPNAccountTable(tables.Table):
    name = tables.Column(linkify=True)
    tunnel_address = tables.Column(verbose_name=_("Tunnel address"))
    public_key = tables.Column(verbose_name=_("Router public key"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), format="Y-m-d H:i")

    class Meta:
        model = VPNAccount
        fields = ["name", "protocol", "tunnel_address", "public_key", "is_active", "created_at"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No VPN accounts yet.")

    def render_public_key(self, value):
        return format_html("<code class='small'>{}</code>", value)
