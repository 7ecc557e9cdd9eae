"""Billing pages: Bills & Payments → Bills (list, bill page, printable invoice, PDF,
cancel), Settings → Billing Settings, and the customer profile's exemptions form.

Bills are money: every page needs a financial code (bills.view, bills.edit,
billing.settings), which NOC users never hold. Writes go through `billing.services`.
Bill runs have their own pages (views_runs.py).
"""

from django.contrib import messages
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.pagination import CappedPaginator, SearchCappedPaginator
from netbill.core.permissions import can
from netbill.core.views import (
    BaseView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    add_service_error,
)
from netbill.customers.models import Customer

from . import services
from .choices import OPEN_STATUSES
from .filters import BillFilterSet
from .forms import BillCancelForm, BillingSettingsForm, CustomerExemptionsForm
from .models import Bill, BillingSettings
from .pdf import invoice_filename, invoice_pdf
from .tables import BillTable, bill_status_badge

VIEW = "bills.view"
EDIT = "bills.edit"
SETTINGS = "billing.settings"
SUSPEND = "customers.suspend"

ZERO = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))


def url_or_empty(name: str, *args) -> str:
    """The URL of `name`, or "" while the page does not exist yet (the payments and
    accounting pages are built alongside these)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _bills():
    # Bill.number reads the tenant's invoice prefix: fetched with the bill, so a page
    # of 50 bills is a fixed number of queries.
    return Bill.objects.select_related("tenant", "customer", "operator")


def bill_totals(queryset) -> dict:
    """Sum of the totals, and of what is still due on open bills (a cancelled bill is
    owed by nobody), over a whole filtered list."""
    sums = queryset.order_by().aggregate(
        sum_total=Coalesce(Sum("total"), ZERO),
        sum_due=Coalesce(
            Sum(F("total") - F("paid_amount"), filter=Q(status__in=OPEN_STATUSES)), ZERO
        ),
    )
    return {"total": sums["sum_total"], "due": sums["sum_due"]}


#
# Bills
#


class BillListView(ObjectListView):
    """Bills & Payments → Bills."""

    permission_required = VIEW
    model = Bill
    filterset_class = BillFilterSet
    table_class = BillTable
    template_name = "billing/bill_list.html"  # the core list, plus the filters' errors
    title = _("Bills")

    def get_base_queryset(self):
        return _bills().order_by("-period_start", "-id")

    def get_table_pagination(self, table):
        # Bills grow by one per customer per month: count at most 10,000 rows, or 1,000
        # matches of a search (see core.pagination), as the customer list does.
        options = super().get_table_pagination(table)
        options = options if isinstance(options, dict) else {}
        searching = bool(self.request.GET.get("q", "").strip())
        options["paginator_class"] = SearchCappedPaginator if searching else CappedPaginator
        return options

    def get_table_kwargs(self):
        return {"totals": bill_totals(self.object_list)}


class BillView(ObjectView):
    """A bill: its line, what paid it, its journal entry and its cancellation."""

    permission_required = VIEW
    model = Bill
    template_name = "billing/bill.html"

    def get_base_queryset(self):
        return _bills().select_related("customer__zone", "bill_run")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill, user = self.object, self.request.user
        show_payments = can(user, "payments.view")
        allocations = []
        # Allocation is the payments app's (reverse relation: billing never imports it).
        for allocation in bill.allocations.select_related("payment__operator").order_by("id"):
            payment = allocation.payment
            url = ""
            if show_payments and can(user, "payments.view", payment):
                url = url_or_empty("payments:payment", payment.pk)
            allocations.append({"allocation": allocation, "payment": payment, "url": url})
        journal_url = ""
        if bill.journal_entry_id and can(user, "accounting.view"):
            journal_url = url_or_empty("accounting:journal_entry", bill.journal_entry_id)
        context.update(
            {
                "status_badge": bill_status_badge(bill.status),
                "due_now": bill.due if bill.is_open else 0,
                "allocations": allocations,
                "journal_url": journal_url,
                "can_cancel": bill.is_open and can(user, EDIT, bill),
                "customer_url": bill.customer.get_absolute_url()
                if can(user, "customers.view", bill.customer)
                else "",
            }
        )
        return context


class BillInvoiceView(ObjectView):
    """Bill → Print invoice: a standalone page (no menu) with the ISP's branding."""

    permission_required = VIEW
    model = Bill
    template_name = "billing/invoice.html"

    def get_base_queryset(self):
        return _bills()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill = self.object
        context.update(
            {
                "tenant": bill.tenant,
                "customer": bill.customer,
                "due_now": bill.due if bill.is_open else 0,
            }
        )
        return context


class BillInvoicePDFView(ObjectView):
    """Bill → PDF: the invoice as a download named "<number>.pdf"."""

    permission_required = VIEW
    model = Bill

    def get_base_queryset(self):
        return _bills()

    def get(self, request, *args, **kwargs):
        bill = self.get_object()
        response = HttpResponse(invoice_pdf(bill), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, invoice_filename(bill))
        return response


class BillCancelView(ObjectEditView):
    """Bill → Cancel: a reversing journal entry; what was paid becomes advance."""

    permission_required = EDIT
    model = Bill
    form_class = BillCancelForm
    template_name = "billing/bill_cancel.html"
    success_message = _("Bill cancelled.")

    def get_base_queryset(self):
        return _bills()

    def save(self, form, instance):
        return services.bill_cancel(
            bill=instance, by=self.request.user, reason=form.cleaned_data["reason"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Cancel bill %(number)s") % {"number": self.object.number}
        context["status_badge"] = bill_status_badge(self.object.status)
        return context


#
# Settings → Billing Settings
#


class BillingSettingsView(BaseView, FormView):
    """Settings → Billing Settings for the user's own ISP."""

    permission_required = SETTINGS
    template_name = "billing/settings.html"
    form_class = BillingSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # Read without creating: looking at the page writes nothing (the service creates
        # the row on the first save).
        tenant_id = self.request.user.tenant_id
        kwargs["instance"] = BillingSettings.objects.filter(
            tenant_id=tenant_id
        ).first() or BillingSettings(tenant_id=tenant_id)
        return kwargs

    def form_valid(self, form):
        try:
            services.billing_settings_update(
                tenant=self.request.user.tenant, by=self.request.user, **form.cleaned_data
            )
        except BusinessRuleError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Billing settings saved."))
        return redirect("billing:settings")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Billing Settings")
        return context


#
# Customer profile → exemptions
#


class CustomerExemptionsView(ObjectEditView):
    """Customer profile → auto-suspension exemptions ("never auto-suspend", promise to
    pay). The profile's billing section posts here; GET shows the form on its own."""

    permission_required = SUSPEND
    model = Customer
    form_class = CustomerExemptionsForm
    template_name = "billing/customer_exemptions.html"
    success_message = _("Auto-suspension exemptions saved.")

    def save(self, form, instance):
        return services.customer_set_billing_exemptions(
            customer=instance,
            by=self.request.user,
            never_auto_suspend=form.cleaned_data["never_auto_suspend"],
            extended_until=form.cleaned_data["suspension_extended_until"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Auto-suspension exemptions of %(customer)s") % {
            "customer": self.object
        }
        return context


__all__ = [
    "BillCancelView",
    "BillInvoicePDFView",
    "BillInvoiceView",
    "BillListView",
    "BillView",
    "BillingSettingsView",
    "CustomerExemptionsView",
    "bill_totals",
    "url_or_empty",
]
