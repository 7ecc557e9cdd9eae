import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import IPPool, PPPoEProfile
from ..queries import pool_usage


class IPPoolTable(tables.Table):
    name = tables.Column(linkify=True)
    ranges = tables.Column(verbose_name=_("Ranges"))
    kind = tables.Column(verbose_name=_("Kind"))
    usage = tables.Column(
        verbose_name=_("Utilisation"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = IPPool
        fields = ["name", "subnet", "ranges", "kind", "usage", "comment"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No pools yet.")

    def render_ranges(self, value):
        return value.replace(",", ", ")

    def render_kind(self, record):
        return render_to_string("network/_pool_kind.html", {"pool": record})

    def render_usage(self, record):
        return render_to_string(
            "network/_pool_usage.html", {"usage": pool_usage(record), "compact": True}
        )


class PPPoEProfileTable(tables.Table):
    name = tables.Column(linkify=True)
    ipv4_pool = tables.Column(verbose_name=_("IPv4 pool"), linkify=True)
    ipv6_pool = tables.Column(verbose_name=_("IPv6 pool"), linkify=True)
    rate_limit = tables.Column(verbose_name=_("Rate limit"))

    class Meta:
        model = PPPoEProfile
        fields = [
            "name",
            "ipv4_pool",
            "ipv6_pool",
            "local_address",
            "dns_servers",
            "rate_limit",
            "comment",
        ]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No PPPoE profiles yet.")

    def render_rate_limit(self, value):
        return format_html("<code>{}</code>", value)

    def render_dns_servers(self, value):
        return value.replace(",", ", ")
