"""Payments pages: Receive Payment and Advance Payment (from the customer profile), the
payment with its receipt (HTML print view and PDF), Bills & Payments → Customer Payments
and Bills & Payments → Manage Bulk Bills (Bulk Bill Paid, Cancel selected).

Every write is one service call: `services.payment_receive`, `services.bills_bulk_pay`,
`bulk.bills_bulk_cancel`. The forms carry a uuid4 token made when they are drawn; it is
the service's idempotency key, so a double click records one payment."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from netbill.accounting.models import JournalEntry
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.money import quantize
from netbill.core.pagination import CappedPaginator
from netbill.core.permissions import can, restrict
from netbill.core.templatetags.netbill import money
from netbill.core.views import (
    BaseView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    add_service_error,
)
from netbill.customers.models import Customer

from . import services
from .bulk import bills_bulk_cancel
from .choices import PaymentKindChoices, PaymentStatusChoices
from .filters import BulkBillFilterSet, PaymentFilterSet
from .forms import BulkCancelForm, BulkPayForm, PaymentReceiveForm, new_token
from .models import Allocation, GatewayTransaction, Payment, RechargeCard
from .pdf import receipt_pdf
from .tables import PaymentTable

VIEW = "payments.view"
RECEIVE = "payments.receive"
REVERSE = "payments.reverse"
BILLS_VIEW = "bills.view"
BILLS_EDIT = "bills.edit"

AUDIT_SHOWN = 50


def _payments():
    return Payment.objects.select_related(
        "tenant", "customer", "operator", "received_by", "collector", "journal_entry", "reversed_by"
    )


def open_bills(customer):
    """The customer's unpaid and partly paid bills, in the order a payment settles them
    (oldest due date first: as payments.services does)."""
    return (
        Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("tenant")
        .order_by("due_date", "period_start", "pk")
    )


def _allocations(payment):
    return (
        Allocation.objects.filter(payment=payment)
        .select_related("bill__tenant")
        .order_by("bill__due_date", "bill__period_start", "bill_id")
    )


#
# Receive Payment and Advance Payment
#


class PaymentReceiveView(ObjectEditView):
    """Customer profile → Receive Payment: paid to the oldest open bills first, the rest
    becomes advance credit. The receipt follows."""

    permission_required = RECEIVE
    model = Customer
    form_class = PaymentReceiveForm
    template_name = "payments/receive.html"
    kind = PaymentKindChoices.PAYMENT
    title = _lazy("Receive Payment")

    def get_base_queryset(self):
        return Customer.objects.select_related("tenant", "operator", "package__master_package")

    def get_initial(self):
        return {**super().get_initial(), "token": new_token()}

    def idempotency_key(self, form) -> str:
        # The customer is part of the key: a token replayed on another customer's form
        # records that payment rather than pointing at this one.
        return f"{self.kind}:{self.object.pk}:{form.cleaned_data['token']}"

    def save(self, form, instance):
        data = form.cleaned_data
        key = self.idempotency_key(form)
        repeated = Payment.objects.filter(
            tenant_id=instance.tenant_id, idempotency_key=key
        ).exists()
        payment = services.payment_receive(
            customer=instance,
            by=self.request.user,
            amount=data["amount"],
            method=data["method"],
            kind=self.kind,
            reference=data["reference"],
            note=data["note"],
            idempotency_key=key,
        )
        values = {"receipt": payment.receipt_number, "amount": money(payment.amount)}
        if repeated:
            self.success_message = (
                _(
                    "This form was already sent: payment %(receipt)s of %(amount)s "
                    "was recorded once."
                )
                % values
            )
        else:
            self.success_message = _("Payment %(receipt)s of %(amount)s received.") % values
        return payment

    def get_success_url(self, obj=None):
        # A manager may take payments without seeing the payment pages: back to the
        # customer, with the receipt number in the message.
        if can(self.request.user, VIEW, obj):
            return reverse("payments:receipt", args=[obj.pk])
        return obj.customer.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        bills = list(open_bills(customer))
        context.update(
            title=_("%(action)s: %(customer)s")
            % {"action": self.title, "customer": customer.username},
            customer=customer,
            kind=self.kind,
            bills=bills,
            total_due=sum((b.due for b in bills), Decimal("0")),
            advance=customer.advance_balance,
            currency=customer.tenant.currency,
        )
        return context


class AdvancePaymentView(PaymentReceiveView):
    """Customer profile → Advance Payment: recorded as the customer's credit (open bills
    are still settled first); the next bill consumes it."""

    kind = PaymentKindChoices.ADVANCE
    title = _lazy("Advance Payment")


#
# The payment and its receipt
#


class PaymentView(ObjectView):
    """One payment: amount, method, who took it, the bills it paid, the advance part,
    its journal entry and its audit history."""

    permission_required = VIEW
    model = Payment
    template_name = "payments/payment.html"

    def get_base_queryset(self):
        return _payments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = self.object
        user = self.request.user
        reversal_entry = None
        if payment.journal_entry_id and payment.status == PaymentStatusChoices.REVERSED:
            reversal_entry = JournalEntry.objects.filter(
                tenant_id=payment.tenant_id, reverses_id=payment.journal_entry_id
            ).first()
        context.update(
            title=payment.receipt_number,
            allocations=list(_allocations(payment)),
            currency=payment.tenant.currency,
            audit_entries=AuditLog.objects.filter(
                tenant_id=payment.tenant_id,
                object_type=Payment._meta.label_lower,
                object_id=str(payment.pk),
            ).order_by("-created_at", "-id")[:AUDIT_SHOWN],
            show_journal=can(user, "accounting.view"),
            reversal_entry=reversal_entry,
            # Where the money came from: the online payment, or the recharge card.
            gateway_txn=GatewayTransaction.objects.filter(payment=payment)
            .select_related("gateway")
            .first(),
            show_gateway_txn=can(user, "payments.verify"),
            card=RechargeCard.objects.filter(payment=payment).select_related("batch").first(),
            may_reverse=payment.status == PaymentStatusChoices.COMPLETED
            and can(user, REVERSE, payment),
        )
        return context


class ReceiptView(ObjectView):
    """The money receipt, a page of its own to print (the ISP's logo, name, address)."""

    permission_required = VIEW
    model = Payment
    template_name = "payments/receipt.html"

    def get_base_queryset(self):
        return _payments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = self.object
        context.update(
            title=payment.receipt_number,
            company=payment.tenant,
            allocations=list(_allocations(payment)),
            currency=payment.tenant.currency,
        )
        return context


class ReceiptPDFView(ObjectView):
    """The money receipt as a PDF download."""

    permission_required = VIEW
    model = Payment

    def get_base_queryset(self):
        return _payments()

    def get(self, request, *args, **kwargs):
        payment = self.get_object()
        data = receipt_pdf(payment, list(_allocations(payment)))
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"{payment.receipt_number}.pdf"
        )
        return response


#
# Bills & Payments → Customer Payments
#


class PaymentListView(ObjectListView):
    """Bills & Payments → Customer Payments: every payment in the user's reach (cash,
    bank, gateway, card; bill payments and advances; completed and reversed), with
    the count and sum of the completed payments the filters select."""

    permission_required = VIEW
    model = Payment
    filterset_class = PaymentFilterSet
    table_class = PaymentTable
    template_name = "payments/payment_list.html"
    title = _lazy("Customer Payments")

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["payments/_payment_table.html"]
        return [self.template_name]

    def get_table_pagination(self, table):
        options = super().get_table_pagination(table)
        options = options if isinstance(options, dict) else {}
        options["paginator_class"] = CappedPaginator
        return options

    def get_base_queryset(self):
        return _payments().order_by("-received_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # What was received: reversed payments are listed but not counted.
        totals = (
            self.object_list.filter(status=PaymentStatusChoices.COMPLETED)
            .order_by()
            .aggregate(count=Count("pk"), amount=Sum("amount"))
        )
        context["totals"] = {
            "count": totals["count"] or 0,
            "amount": quantize(totals["amount"] or Decimal("0")),
        }
        context["currency"] = self.request.user.tenant.currency
        return context


#
# Bills & Payments → Manage Bulk Bills
#


class BulkBillsView(BaseView):
    """Bills & Payments → Manage Bulk Bills: filter bills (open ones by default), tick
    some, then Bulk Bill Paid (payments.receive) or Cancel selected (bills.edit)."""

    permission_required = BILLS_VIEW
    template_name = "payments/bulk_bills.html"
    paginate_by = 100

    def bills(self):
        rows = Bill.objects.select_related(
            "tenant", "customer", "operator", "customer__zone", "customer__billing_profile"
        ).order_by("due_date", "pk")
        return restrict(rows, self.request.user, BILLS_VIEW)

    def get(self, request):
        return self.page(request)

    def page(self, request, *, pay_form=None, cancel_form=None, selected=()):
        user = request.user
        filterset = BulkBillFilterSet(request.GET, queryset=self.bills(), request=request)
        rows = filterset.qs if filterset.is_valid() else self.bills().none()
        paginator = CappedPaginator(rows, self.paginate_by)
        page_obj = paginator.get_page(request.GET.get("page"))
        totals = rows.order_by().aggregate(
            count=Count("pk"), due=Sum(F("total") - F("paid_amount"))
        )
        may_pay, may_cancel = can(user, RECEIVE), can(user, BILLS_EDIT)
        if may_pay and pay_form is None:
            pay_form = BulkPayForm(initial={"token": new_token()})
        if may_cancel and cancel_form is None:
            cancel_form = BulkCancelForm()
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": _("Manage Bulk Bills"),
            "filter": filterset,
            "page_obj": page_obj,
            "paginator": paginator,
            "totals": {
                "count": totals["count"] or 0,
                "due": quantize(totals["due"] or Decimal("0")),
            },
            "currency": user.tenant.currency,
            "pay_form": pay_form if may_pay else None,
            "cancel_form": cancel_form if may_cancel else None,
            "selected": {str(pk) for pk in selected},
            "filter_query": query.urlencode(),
            "action_url": self.here(request),
        }
        return render(request, self.template_name, context)

    def here(self, request) -> str:
        """This page with the user's filters (and page): where actions come back to."""
        query = request.GET.urlencode()
        return reverse("payments:bulk_bills") + (f"?{query}" if query else "")

    def post(self, request):
        action = request.POST.get("action")
        if action == "pay":
            return self.pay(request)
        if action == "cancel":
            return self.cancel(request)
        messages.error(request, _("Choose Bulk Bill Paid or Cancel selected."))
        return HttpResponseRedirect(self.here(request))

    def pay(self, request):
        if not can(request.user, RECEIVE):
            raise PermissionDenied
        form = BulkPayForm(request.POST)
        selected = request.POST.getlist("ids")
        if not form.is_valid():
            return self.page(request, pay_form=form, selected=selected)
        data = form.cleaned_data
        try:
            result = services.bills_bulk_pay(
                by=request.user,
                bill_ids=data["ids"],
                idempotency_key=f"bulk:{data['token']}",
                reference=data["reference"],
            )
        except BusinessRuleError as exc:
            add_service_error(form, exc, {"bill_ids": "ids"})
            return self.page(request, pay_form=form, selected=selected)
        values = {
            "n": result.paid,
            "amount": money(result.amount),
            "currency": request.user.tenant.currency,
        }
        if result.repeated:
            messages.info(
                request,
                _(
                    "This selection was already recorded: %(n)s bills paid, "
                    "%(amount)s %(currency)s. Nothing more was recorded."
                )
                % values,
            )
        else:
            messages.success(
                request, _("%(n)s bills marked paid: %(amount)s %(currency)s in cash.") % values
            )
        return HttpResponseRedirect(self.here(request))

    def cancel(self, request):
        if not can(request.user, BILLS_EDIT):
            raise PermissionDenied
        form = BulkCancelForm(request.POST)
        selected = request.POST.getlist("ids")
        if not form.is_valid():
            return self.page(request, cancel_form=form, selected=selected)
        try:
            result = bills_bulk_cancel(
                by=request.user,
                bill_ids=form.cleaned_data["ids"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleError as exc:
            add_service_error(form, exc, {"bill_ids": "ids"})
            return self.page(request, cancel_form=form, selected=selected)
        messages.success(
            request,
            _("%(n)s bills cancelled by reversing entries: %(numbers)s.")
            % {"n": result.cancelled, "numbers": ", ".join(result.numbers[:20])},
        )
        return HttpResponseRedirect(self.here(request))


urlpatterns = [
    path("", PaymentListView.as_view(), name="payment_list"),
    path("<int:pk>/", PaymentView.as_view(), name="payment"),
    path("<int:pk>/receipt/", ReceiptView.as_view(), name="receipt"),
    path("<int:pk>/receipt.pdf", ReceiptPDFView.as_view(), name="receipt_pdf"),
    path("customers/<int:pk>/receive/", PaymentReceiveView.as_view(), name="receive"),
    path("customers/<int:pk>/advance/", AdvancePaymentView.as_view(), name="advance"),
    path("bulk-bills/", BulkBillsView.as_view(), name="bulk_bills"),
]
