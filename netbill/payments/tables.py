import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn

from .choices import PaymentStatusChoices, TxnStatusChoices
from .models import GatewayTransaction, Payment

ATTRS = {"class": "table table-sm table-hover align-middle"}

TXN_BADGES = {
    TxnStatusChoices.INITIATED: "secondary",
    TxnStatusChoices.PENDING: "warning",
    TxnStatusChoices.SUCCEEDED: "success",
    TxnStatusChoices.FAILED: "danger",
    TxnStatusChoices.CANCELLED: "secondary",
    TxnStatusChoices.EXPIRED: "secondary",
    TxnStatusChoices.HELD: "danger",
    TxnStatusChoices.REFUNDED: "info",
}


def txn_badge(txn) -> str:
    return format_html(
        '<span class="badge text-bg-{}" data-status="{}">{}</span>',
        TXN_BADGES.get(txn.status, "secondary"),
        txn.status,
        txn.get_status_display(),
    )


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
    status = tables.Column(verbose_name=_("Status"))
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
            "status",
            "received_by",
            "collector",
            "reference",
        ]
        attrs = ATTRS
        empty_text = _("No payments found.")

    def render_receipt(self, record):
        return record.receipt_number

    def render_status(self, record):
        if record.status == PaymentStatusChoices.REVERSED:
            return format_html(
                '<span class="badge text-bg-danger">{}</span>', record.get_status_display()
            )
        return record.get_status_display()


# What the Verify button may ask about (gateway_services.txn_verify): open attempts,
# and failed ones the gateway might yet confirm as paid.
VERIFIABLE = [
    TxnStatusChoices.INITIATED.value,
    TxnStatusChoices.PENDING.value,
    TxnStatusChoices.FAILED.value,
    TxnStatusChoices.CANCELLED.value,
    TxnStatusChoices.EXPIRED.value,
]
VERIFY_BUTTON = """{% load i18n %}{% if record.status in verifiable %}<form method="post" action="{% url 'payments:gateway_txn_verify' record.pk %}" class="d-inline">{% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}"><button class="btn btn-sm btn-outline-primary" type="submit" data-verify="{{ record.pk }}">{% translate "Verify" %}</button></form>{% endif %}"""  # noqa: E501


class GatewayTransactionTable(tables.Table):
    """Bills & Payments → Verify Payments: one row per attempt, newest first."""

    reference = tables.Column(verbose_name=_("Reference"), linkify=True)
    created_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")
    customer = tables.Column(
        verbose_name=_("Customer"),
        accessor="customer__username",
        linkify=("customers:customer", {"pk": tables.A("customer_id")}),
    )
    gateway = tables.Column(verbose_name=_("Gateway"), accessor="gateway", order_by=("provider",))
    amount = MoneyColumn(verbose_name=_("Amount"))
    status = tables.Column(verbose_name=_("Status"))
    detail = tables.Column(verbose_name=_("Detail"))
    last_checked_at = tables.DateTimeColumn(verbose_name=_("Last checked"), format="Y-m-d H:i")
    payment = tables.Column(verbose_name=_("Receipt"), accessor="payment_id", orderable=False)
    actions = tables.TemplateColumn(
        VERIFY_BUTTON,
        verbose_name="",
        orderable=False,
        empty_values=(),
        extra_context={"verifiable": VERIFIABLE},
    )

    class Meta:
        model = GatewayTransaction
        fields = [
            "reference",
            "created_at",
            "customer",
            "gateway",
            "amount",
            "status",
            "detail",
            "last_checked_at",
            "payment",
            "actions",
        ]
        attrs = ATTRS
        empty_text = _("No gateway payments found.")

    def render_gateway(self, record):
        return record.gateway.label

    def render_status(self, record):
        return txn_badge(record)

    def render_payment(self, record):
        if not record.payment_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            record.payment.get_absolute_url(),
            record.payment.receipt_number,
        )
