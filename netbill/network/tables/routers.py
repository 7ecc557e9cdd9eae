import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ..models import Router


class RouterTable(tables.Table):
    name = tables.Column(linkify=True)
    host = tables.Column(verbose_name=_("Address"), order_by=("host", "api_port"))
    status = tables.Column(verbose_name=_("Status"))
    last_checked_at = tables.DateTimeColumn(verbose_name=_("Last checked"), format="Y-m-d H:i")
    ros_version = tables.Column(verbose_name=_("RouterOS"))

    class Meta:
        model = Router
        fields = [
            "name",
            "host",
            "status",
            "last_checked_at",
            "identity",
            "ros_version",
            "board_name",
            "location",
            "is_active",
        ]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No routers yet.")

    def render_host(self, record):
        return f"{record.host}:{record.api_port}" + (" (SSL)" if record.use_ssl else "")

    def render_status(self, record):
        return render_to_string("network/_router_status_badge.html", {"router": record})
