"""Customer pages: Customers → Customer List and Create Customer; the profile with its
RADIUS sessions, CoA attempts, status history and audit trail; Edit, status change,
Custom Pricing and Disconnect now. Every write goes through `customers.services`.

Money is shown only to holders of a financial code: the package price to packages.view,
the custom price to customers.custom_price, amounts in the audit trail to
operators.balance (as the Activity Log). NOC users see customers without any of it.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from netbill.core.audit import MONEY_FIELDS
from netbill.core.pagination import CappedPaginator, SearchCappedPaginator
from netbill.core.permissions import can
from netbill.core.views import ObjectActionView, ObjectEditView, ObjectListView, ObjectView

from .. import exports, queries, services
from ..filters import CustomerFilterSet
from ..forms import CustomerForm, CustomerPriceForm, CustomerStatusForm
from ..models import Customer
from ..profile import sections_for
from ..tables import CustomerTable

VIEW = "customers.view"
CREATE = "customers.create"
EDIT = "customers.edit"
SUSPEND = "customers.suspend"
DISCONNECT = "customers.disconnect"
CUSTOM_PRICE = "customers.custom_price"
PACKAGE_PRICES = "packages.view"
AUDIT_MONEY = "operators.balance"

SESSIONS_SHOWN = 20
COA_SHOWN = 20


def _customers():
    # One page is a fixed number of queries whatever its length: every column's row
    # comes with the customer.
    return Customer.objects.select_related(
        "operator", "zone", "package__master_package", "package__operator"
    )


class CustomerListView(ObjectListView):
    """Customers → Customer List."""

    permission_required = VIEW
    model = Customer
    filterset_class = CustomerFilterSet
    table_class = CustomerTable
    title = _("Customers")
    create_url_name = "customers:customer_create"
    create_permission = CREATE

    def get_table_pagination(self, table):
        # 200k customers: count at most 10,000 rows, or 1,000 matches of a search
        # (see core.pagination).
        options = super().get_table_pagination(table)
        options = options if isinstance(options, dict) else {}
        searching = bool(self.request.GET.get("q", "").strip())
        options["paginator_class"] = SearchCappedPaginator if searching else CappedPaginator
        return options

    def get_base_queryset(self):
        return _customers().order_by("-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["extra_actions"] = exports.list_actions()  # Export xlsx / csv
        return context

    def get_table_kwargs(self):
        user = self.request.user
        if not can(user, PACKAGE_PRICES):
            return {"exclude": ("price",)}
        return {"show_custom_price": can(user, CUSTOM_PRICE)}


class CustomerView(ObjectView):
    """The customer profile."""

    permission_required = VIEW
    model = Customer
    template_name = "customers/customer.html"

    def get_base_queryset(self):
        return _customers().select_related("billing_profile", "ip_pool", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer, user = self.object, self.request.user
        context.update(
            {
                "show_package_price": can(user, PACKAGE_PRICES, customer),
                "show_custom_price": can(user, CUSTOM_PRICE, customer),
                "can_edit": can(user, EDIT, customer),
                "can_change_status": can(user, SUSPEND, customer),
                "can_disconnect": can(user, DISCONNECT, customer),
                "sessions": queries.customer_sessions(customer, SESSIONS_SHOWN),
                "usage_month": queries.usage_totals(
                    customer, since=queries.month_start(customer.tenant)
                ),
                "usage_total": queries.usage_totals(customer),
                "coa_attempts": queries.coa_attempts(customer, COA_SHOWN),
                "history": queries.status_history(customer),
                "audit_entries": queries.customer_audit_trail(customer),
                "hidden_fields": frozenset() if can(user, AUDIT_MONEY) else MONEY_FIELDS,
                "custom_fields": _custom_field_rows(customer),
                "profile_sections": sections_for(self.request, customer),
            }
        )
        if context["can_change_status"]:
            context["status_form"] = CustomerStatusForm(user=user, instance=customer)
        return context


def _custom_field_rows(customer) -> list[tuple[str, object]]:
    """(name, value) of the ISP's custom fields that the customer has a value for."""
    from ..models import CustomField

    values = customer.custom_fields or {}
    rows = CustomField.objects.filter(tenant_id=customer.tenant_id).order_by("order", "name")
    return [(f.name, values[f.key]) for f in rows if f.key in values]


class CustomerEditView(ObjectEditView):
    """Customers → Create Customer, and the profile's Edit."""

    model = Customer
    form_class = CustomerForm
    success_message = _("Customer saved.")

    abstract = True

    def get_base_queryset(self):
        return _customers()

    def get_initial(self):
        # ?operator= narrows the package list (the operator select asks with HTMX).
        initial = super().get_initial()
        operator = self.request.GET.get("operator", "")
        if operator.isdigit():
            initial["operator"] = int(operator)
        return initial

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["operator"].widget.attrs.update(
            {
                "hx-get": self.request.path,
                "hx-trigger": "change",
                "hx-target": "#id_package",
                "hx-select": "#id_package",
                "hx-swap": "outerHTML",
            }
        )
        return form

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.customer_create(by=self.request.user, **values)
        return services.customer_update(customer=instance, by=self.request.user, data=values)


class CustomerCreateView(CustomerEditView):
    permission_required = CREATE


class CustomerUpdateView(CustomerEditView):
    permission_required = EDIT


class CustomerStatusView(ObjectEditView):
    """Profile → change status (active, suspended, disabled, FUP) with a reason."""

    permission_required = SUSPEND
    model = Customer
    form_class = CustomerStatusForm
    success_message = _("Status changed.")

    def get_base_queryset(self):
        return _customers()

    def save(self, form, instance):
        return services.customer_change_status(
            customer=instance,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            by=self.request.user,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Change the status of %(customer)s") % {"customer": self.object}
        return context


class CustomerPriceView(ObjectEditView):
    """Profile → Custom Pricing (financial: customers.custom_price)."""

    permission_required = CUSTOM_PRICE
    model = Customer
    form_class = CustomerPriceForm
    template_name = "customers/customer_price.html"
    success_message = _("Custom price saved.")

    def get_base_queryset(self):
        return _customers()

    def save(self, form, instance):
        return services.customer_set_custom_price(
            customer=instance, by=self.request.user, price=form.cleaned_data["custom_price"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Custom Pricing of %(customer)s") % {"customer": self.object}
        context["show_package_price"] = can(self.request.user, PACKAGE_PRICES, self.object)
        return context


class CustomerDisconnectView(ObjectActionView):
    """Profile → Disconnect now: a Disconnect-Request to the live session, sent by the
    radius app's task after commit; its outcome shows in the CoA attempts."""

    permission_required = DISCONNECT
    model = Customer

    def perform(self, obj):
        services.customer_disconnect(customer=obj, by=self.request.user)
        username = obj.username
        return _("Disconnect requested for %(username)s; the outcome shows below.") % {
            "username": username
        }


urlpatterns = [
    path("customers/", CustomerListView.as_view(), name="customer_list"),
    path("customers/create/", CustomerCreateView.as_view(), name="customer_create"),
    path("customers/<int:pk>/", CustomerView.as_view(), name="customer"),
    path("customers/<int:pk>/edit/", CustomerUpdateView.as_view(), name="customer_edit"),
    path("customers/<int:pk>/status/", CustomerStatusView.as_view(), name="customer_status"),
    path("customers/<int:pk>/price/", CustomerPriceView.as_view(), name="customer_price"),
    path(
        "customers/<int:pk>/disconnect/",
        CustomerDisconnectView.as_view(),
        name="customer_disconnect",
    ),
]

__all__ = [
    "CustomerCreateView",
    "CustomerDisconnectView",
    "CustomerListView",
    "CustomerPriceView",
    "CustomerStatusView",
    "CustomerUpdateView",
    "CustomerView",
    "urlpatterns",
]
