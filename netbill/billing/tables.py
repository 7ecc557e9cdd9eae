import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn
from netbill.core.templatetags.netbill import money

from .choices import BillStatusChoices
from .models import Bill

ATTRS = {"class": "table table-sm table-hover align-middle"}
MONEY_ATTRS = {
    "td": {"class": "text-end"},
    "th": {"class": "text-end"},
    "tf": {"class": "text-end fw-semibold"},
}

# Bootstrap colours per bill status: what staff scan a list of bills for.
STATUS_CLASSES = {
    BillStatusChoices.UNPAID: "text-bg-danger",
    BillStatusChoices.PARTIAL: "text-bg-warning",
    BillStatusChoices.PAID: "text-bg-success",
    BillStatusChoices.CANCELLED: "text-bg-secondary",
}


def bill_status_badge(status: str):
    """ "partial" → a yellow "Partially paid" badge (class nb-bill-partial)."""
    try:
        label = BillStatusChoices(status).label
    except ValueError:
        label = status or "—"
    css = STATUS_CLASSES.get(status, "text-bg-light")
    return format_html('<span class="badge {} nb-bill-{}">{}</span>', css, status, label)


class BillTable(tables.Table):
    """Bills & Payments → Bills. The footer row carries the sums of the whole filtered
    list (not only the page): `totals` = {"total": …, "due": …}."""

    number = tables.Column(
        verbose_name=_("Number"),
        accessor="pk",
        order_by=("id",),
        linkify=lambda record: record.get_absolute_url(),
        footer=_("Total"),
    )
    customer = tables.Column(
        verbose_name=_("Customer"),
        accessor="customer__name",
        order_by=("customer__name",),
        linkify=lambda record: record.customer.get_absolute_url(),
    )
    username = tables.Column(verbose_name=_("Username"), accessor="customer__username")
    operator = tables.Column(verbose_name=_("Operator"), accessor="operator__name")
    period = tables.Column(verbose_name=_("Period"), accessor="period_start")
    due_date = tables.Column(verbose_name=_("Due date"))
    total = MoneyColumn(
        verbose_name=_("Total"),
        attrs=MONEY_ATTRS,
        footer=lambda table: money(table.totals["total"]),
    )
    paid_amount = MoneyColumn(verbose_name=_("Paid"), attrs=MONEY_ATTRS)
    due = MoneyColumn(
        verbose_name=_("Due"),
        accessor="pk",
        orderable=False,
        empty_values=(),
        attrs=MONEY_ATTRS,
        footer=lambda table: money(table.totals["due"]),
    )
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Bill
        fields = [
            "number",
            "customer",
            "username",
            "operator",
            "period",
            "due_date",
            "total",
            "paid_amount",
            "due",
            "status",
        ]
        attrs = ATTRS
        empty_text = _("No bills found.")

    def __init__(self, *args, totals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals = totals or {"total": 0, "due": 0}

    def render_number(self, record):
        return record.number

    def render_period(self, record):
        return f"{record.period_start:%Y-%m-%d} – {record.period_end:%Y-%m-%d}"

    def render_due(self, record):
        # A cancelled bill is owed by nobody.
        return money(record.due if record.is_open else 0)

    def render_status(self, record):
        return bill_status_badge(record.status)
