import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn

from .models import BillingProfile, MasterPackage, OperatorPackage, VATProfile

ATTRS = {"class": "table table-sm table-hover align-middle"}


class VATProfileTable(tables.Table):
    name = tables.Column(linkify=True)
    rate = tables.Column(verbose_name=_("Rate (%)"))

    class Meta:
        model = VATProfile
        fields = ["name", "rate", "mode", "is_active"]
        attrs = ATTRS
        empty_text = _("No VAT profiles yet.")

    def render_rate(self, value):
        return f"{value.normalize():f}"


class BillingProfileTable(tables.Table):
    name = tables.Column(linkify=True)
    due_day = tables.Column(verbose_name=_("Due day"), accessor="due_day_label")
    operators = tables.Column(
        verbose_name=_("Operators"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = BillingProfile
        fields = [
            "name",
            "billing_type",
            "due_day",
            "grace_days",
            "auto_billing",
            "auto_suspension",
            "operators",
        ]
        attrs = ATTRS
        empty_text = _("No billing profiles yet.")

    def render_operators(self, record):
        return ", ".join(a.operator.name for a in record.assignments.all()) or "—"


class MasterPackageTable(tables.Table):
    name = tables.Column(linkify=True)
    rate_limit = tables.Column(
        verbose_name=_("Rate limit"), empty_values=(), orderable=False, accessor="pk"
    )
    price = MoneyColumn(verbose_name=_("Price"))
    validity = tables.Column(verbose_name=_("Validity"))
    fup = tables.Column(
        verbose_name=_("FUP"), empty_values=(), orderable=False, accessor="fup_data_limit_gb"
    )

    class Meta:
        model = MasterPackage
        fields = ["name", "rate_limit", "price", "validity", "pppoe_profile", "fup"]
        attrs = ATTRS
        empty_text = _("No master packages yet.")

    def render_rate_limit(self, record):
        return format_html("<code>{}</code>", record.rate_limit)

    def render_validity(self, record):
        if record.validity_days:
            return _("%(n)s days") % {"n": record.validity_days}
        return record.get_validity_display()

    def render_fup(self, record):
        if not record.has_fup:
            return "—"
        return format_html(
            "{} GB → <code>{}</code>", record.fup_data_limit_gb, record.fup_rate_limit
        )


class OperatorPackageTable(tables.Table):
    master_package = tables.Column(verbose_name=_("Package"), linkify=False)
    operator = tables.Column(verbose_name=_("Operator"))
    rate_limit = tables.Column(
        verbose_name=_("Rate limit"), empty_values=(), orderable=False, accessor="pk"
    )
    operator_price = MoneyColumn(verbose_name=_("Operator price"))
    customer_price = MoneyColumn(verbose_name=_("Customer price"))
    view = tables.Column(verbose_name="", empty_values=(), orderable=False, accessor="pk")

    class Meta:
        model = OperatorPackage
        fields = ["master_package", "operator", "rate_limit", "operator_price", "customer_price"]
        attrs = ATTRS
        empty_text = _("No operator packages yet.")

    def render_rate_limit(self, record):
        return format_html("<code>{}</code>", record.master_package.rate_limit)

    def render_view(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), _("Open"))
