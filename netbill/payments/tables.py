import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn

from .models import Payment

ATTRS = {"class": "table table-sm table-hover align-middle"}


class PaymentTable(tables.Table):
    """Bills & Payments → Customer Payments."""

    receipt = tables.Column(
        verbose_name=_("Receipt"), accessor="pk", linkify=True, order_by=("id",)
    )
    received_at = tables.DateTimeColumn(verbose_name=_("Received"), format="Y-m-d H:i")
    customer = tables.Column(
        verbose_name=_("Customer"),
        accessor="customer__username",
        linkify=("customers:customer", {"pk": tables.A("customer_id")}),
    )
    operator = tables.Column(accessor="operator__name", verbose_name=_("Operator"))
    amount = MoneyColumn(verbose_name=_("Amount"))
    advance_amount = MoneyColumn(verbose_name=_("To advance"))
    method = tables.Column(verbose_name=_("Method"))
    kind = tables.Column(verbose_name=_("Kind"))
    received_by = tables.Column(accessor="received_by__username", verbose_name=_("Received by"))
    collector = tables.Column(accessor="collector__name", verbose_name=_("Collected by"))
    reference = tables.Column(verbose_name=_("Reference"))

    class Meta:
        model = Payment
        fields = [
            "receipt",
            "received_at",
            "customer",
            "operator",
            "amount",
            "advance_amount",
            "method",
            "kind",
            "received_by",
            "collector",
            "reference",
        ]
        attrs = ATTRS
        empty_text = _("No payments found.")

    def render_receipt(self, record):
        return record.receipt_number
