import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn
from netbill.core.templatetags.netbill import money

from .models import Customer, CustomField
from .templatetags.customer_tags import status_badge

ATTRS = {"class": "table table-sm table-hover align-middle"}


class CustomFieldTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = CustomField
        fields = ["name", "key", "field_type", "mandatory", "order", "is_active"]
        attrs = ATTRS
        empty_text = _("No custom fields yet.")


class CustomerTable(tables.Table):
    """Customers → Customer List. The price column is dropped (`exclude`) for users
    without packages.view: NOC users see customers, never money. It shows the package
    price, or the custom price to users holding customers.custom_price."""

    username = tables.Column(linkify=True)
    name = tables.Column()
    mobile = tables.Column()
    operator = tables.Column(accessor="operator__name", verbose_name=_("Operator"))
    package = tables.Column(accessor="package__master_package__name", verbose_name=_("Package"))
    zone = tables.Column(accessor="zone__name", verbose_name=_("Zone"))
    connection_type = tables.Column(verbose_name=_("Connection"))
    status = tables.Column(verbose_name=_("Status"))
    price = MoneyColumn(verbose_name=_("Price"), accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = Customer
        fields = [
            "username",
            "name",
            "mobile",
            "operator",
            "package",
            "zone",
            "connection_type",
            "status",
            "price",
        ]
        attrs = ATTRS
        empty_text = _("No customers found.")

    def __init__(self, *args, show_custom_price=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_custom_price = show_custom_price

    def render_status(self, value, record):
        return status_badge(record.status)

    def render_price(self, record):
        # A custom price is shown only to those who may set one (customers.custom_price).
        if self.show_custom_price:
            return money(record.price)
        return money(record.package.customer_price)
